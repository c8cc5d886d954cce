package io.kubefuncs.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The API a compiled module offers: every type, constructor, method and field that code outside it
 * can reach through the packages its module-info exports to everyone (qualified exports are the
 * project's own business), one line each, from the class files with the JDK's {@link
 * ModuleDescriptor} and reflection. {@link #check} compares it with the module's committed file,
 * {@code api/<module>.api}, and fails on any difference: a breaking one (something removed or
 * changed) and an addition are both a change of the API that a review must see in that file.
 */
public final class ApiSignature {
  /** The system property that rewrites the files instead of checking them. */
  private static final String UPDATE = "kubefuncs.api.update";

  /** Rewrites the file of the Maven module in directory %s (and of the modules it needs). */
  private static final String UPDATE_COMMAND =
      "./mvnw -B -ntp -o test -pl %s -am -Dtest=ApiSignatureTest"
          + " -Dsurefire.failIfNoSpecifiedTests=false -D"
          + UPDATE
          + "=true";

  private ApiSignature() {}

  /**
   * Checks the module that {@code anyClass} belongs to against {@code api/<module>.api} under the
   * Maven module's directory (the working directory of its tests), or rewrites that file when
   * {@code -Dkubefuncs.api.update=true} is given.
   *
   * @throws AssertionError naming what was removed or changed and what was added
   */
  public static void check(Class<?> anyClass) {
    Path classes = classesOf(anyClass);
    String module = descriptor(classes).name();
    Path base = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    String command = String.format(UPDATE_COMMAND, base.getFileName());
    Path file = base.resolve("api/" + module + ".api");
    if (!Boolean.getBoolean(UPDATE)) {
      check(classes, anyClass.getClassLoader(), file, command);
      return;
    }
    String header =
        "# The API of module "
            + module
            + ": what its unqualified exports offer, one line each.\n"
            + "# Checked by the module's ApiSignatureTest; after a change on purpose, rewrite it:\n"
            + "#   "
            + command
            + "\n";
    write(file, header + String.join("\n", of(classes, anyClass.getClassLoader())) + "\n");
  }

  /**
   * Checks the module compiled into {@code classes} against {@code file}; {@code command} is what
   * rewrites the file.
   */
  static void check(Path classes, ClassLoader loader, Path file, String command) {
    String module = descriptor(classes).name();
    List<String> actual = of(classes, loader);
    List<String> expected = read(file);
    // In the order of the file and of the classes: a member after its type.
    Set<String> removed = new LinkedHashSet<>(expected);
    removed.removeAll(actual);
    Set<String> added = new LinkedHashSet<>(actual);
    added.removeAll(expected);
    if (removed.isEmpty() && added.isEmpty()) {
      return;
    }
    StringBuilder report = new StringBuilder();
    report.append("The API of module ").append(module).append(" is not what ").append(file);
    report.append(" says.\n");
    if (!removed.isEmpty()) {
      report.append("Removed or changed (breaks code that uses them):\n");
      removed.forEach(line -> report.append("  - ").append(line).append('\n'));
    }
    if (!added.isEmpty()) {
      report.append("Added:\n");
      added.forEach(line -> report.append("  + ").append(line).append('\n'));
    }
    report.append("If that is on purpose, rewrite the file and commit it:\n  ").append(command);
    throw new AssertionError(report.toString());
  }

  /**
   * The API lines of the module compiled into {@code classes} (a directory or jar with a
   * module-info), its classes loaded by {@code loader}: per reachable type, sorted by name, a line
   * for the type and one indented line for each of its members.
   */
  static List<String> of(Path classes, ClassLoader loader) {
    ModuleReference ref = reference(classes);
    Set<String> exported =
        ref.descriptor().exports().stream()
            .filter(e -> !e.isQualified())
            .map(ModuleDescriptor.Exports::source)
            .collect(Collectors.toSet());
    TreeMap<String, List<String>> types = new TreeMap<>();
    for (String name : classNames(ref)) {
      String pkg = name.substring(0, Math.max(name.lastIndexOf('.'), 0));
      if (!exported.contains(pkg)) {
        continue;
      }
      Class<?> type = load(name, loader);
      if (reachable(type)) {
        types.put(type.getName(), describe(type));
      }
    }
    List<String> lines = new ArrayList<>();
    types.values().forEach(lines::addAll);
    return lines;
  }

  /** Public, or protected and nested, all the way out. */
  private static boolean reachable(Class<?> type) {
    if (type.isSynthetic() || type.isAnonymousClass() || type.isLocalClass()) {
      return false;
    }
    for (Class<?> c = type; c != null; c = c.getDeclaringClass()) {
      int m = c.getModifiers();
      boolean nested = c.getDeclaringClass() != null;
      if (!Modifier.isPublic(m) && !(nested && Modifier.isProtected(m))) {
        return false;
      }
    }
    return true;
  }

  private static List<String> describe(Class<?> type) {
    StringBuilder head = new StringBuilder(type.toGenericString());
    // The nearest superclass others can name; the members of those in between are listed below.
    Type superclass = type.getGenericSuperclass();
    for (Class<?> up = type.getSuperclass();
        up != null && !reachable(up);
        up = up.getSuperclass()) {
      superclass = up.getGenericSuperclass();
    }
    if (superclass != null && superclass != Object.class) {
      head.append(" extends ").append(superclass.getTypeName());
    }
    Type[] interfaces = type.getGenericInterfaces();
    if (interfaces.length > 0) {
      head.append(type.isInterface() ? " extends " : " implements ");
      head.append(
          Arrays.stream(interfaces).map(Type::getTypeName).collect(Collectors.joining(", ")));
    }
    // A protected member of a final class is out of reach: nothing can subclass it.
    boolean subclassable = !Modifier.isFinal(type.getModifiers()) && !type.isEnum();
    Set<String> members = new TreeSet<>();
    List<Member> all = new ArrayList<>();
    all.addAll(Arrays.asList(type.getDeclaredConstructors()));
    all.addAll(Arrays.asList(type.getDeclaredMethods()));
    all.addAll(Arrays.asList(type.getDeclaredFields()));
    // What a superclass others cannot name declares, they reach through this type.
    for (Class<?> up = type.getSuperclass();
        up != null && !reachable(up);
        up = up.getSuperclass()) {
      all.addAll(Arrays.asList(up.getDeclaredMethods()));
      all.addAll(Arrays.asList(up.getDeclaredFields()));
    }
    for (Member member : all) {
      int m = member.getModifiers();
      boolean visible = Modifier.isPublic(m) || (subclassable && Modifier.isProtected(m));
      if (!visible || member.isSynthetic() || (member instanceof Method x && x.isBridge())) {
        continue;
      }
      members.add("  " + signature(member));
    }
    List<String> lines = new ArrayList<>(members.size() + 1);
    lines.add(head.toString());
    lines.addAll(members);
    return lines;
  }

  private static String signature(Member member) {
    return switch (member) {
      case Executable e -> e.toGenericString();
      case Field f -> f.toGenericString();
      default -> throw new IllegalArgumentException(member.toString());
    };
  }

  private static List<String> classNames(ModuleReference ref) {
    try (ModuleReader reader = ref.open();
        Stream<String> names = reader.list()) {
      return names
          .filter(n -> n.endsWith(".class") && !n.endsWith("module-info.class"))
          .filter(n -> !n.startsWith("META-INF/"))
          .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Class<?> load(String name, ClassLoader loader) {
    try {
      return Class.forName(name, false, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(name + " is in the module's classes but cannot be loaded", e);
    }
  }

  private static ModuleReference reference(Path classes) {
    Set<ModuleReference> found = ModuleFinder.of(classes).findAll();
    if (found.size() != 1) {
      throw new IllegalStateException(classes + " holds no module (no module-info.class)");
    }
    return found.iterator().next();
  }

  private static ModuleDescriptor descriptor(Path classes) {
    return reference(classes).descriptor();
  }

  private static Path classesOf(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> read(Path file) {
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
          .filter(l -> !l.isBlank() && !l.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
