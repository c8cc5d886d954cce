package io.kubefuncs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kubefuncs init DIR}: a new function project that builds on its own (its Maven wrapper, or
 * Go, and the Kubefuncs client it was made with) and whose tests pass as created, with a functions
 * file that {@code kubefuncs dev} runs and the function chart deploys.
 */
@Command(
    name = "init",
    sortOptions = false,
    description =
        "Creates a function project in DIR (new or empty) that builds on its own and whose tests pass as created.")
final class InitCommand implements Callable<Integer> {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-zA-Z.]+)}}");
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern JAVA_PACKAGE =
      Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*(\\.[a-zA-Z_][a-zA-Z0-9_]*)*");
  private static final String TEMPLATES = "/io/kubefuncs/cli/init/";
  private static final String JAVA_THIRD_PARTY = "third_party/maven";
  private static final String GO_THIRD_PARTY = "third_party/kubefuncs-go";

  /** The JDK this command runs on: the launcher's pick, which a Java project can build with. */
  private static final String JDK = System.getProperty("java.home");

  @Parameters(index = "0", paramLabel = "DIR", description = "The project folder: new, or empty.")
  Path dir;

  @Option(
      names = "--lang",
      defaultValue = "java",
      paramLabel = "java|go",
      description =
          "The language: java (a Maven project) or go (a Go module) (default: ${DEFAULT-VALUE}).")
  String lang;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description =
          "The function's name, also its topic and route (default: DIR's name, in lower case).")
  String name;

  @Option(
      names = "--package",
      paramLabel = "PACKAGE",
      description = "Java: the package (default: com.example.<name>).")
  String javaPackage;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    String language = lang.toLowerCase(Locale.ROOT);
    if (!language.equals("java") && !language.equals("go")) {
      throw new InvalidInputException("--lang must be java or go, got '" + lang + "'");
    }
    if (Files.exists(dir) && (!Files.isDirectory(dir) || !isEmpty(dir))) {
      throw new InvalidInputException(
          dir + " is not an empty folder: init only writes into a new or empty one");
    }
    String fn = name != null ? name : defaultName(dir);
    if (!NAME.matcher(fn).matches() || fn.length() > 40) {
      throw new InvalidInputException(
          "'"
              + fn
              + "' cannot name a function (lower-case letters, digits and '-', at most 40): pass --name");
    }
    Map<String, String> values = new LinkedHashMap<>();
    values.put("name", fn);
    List<String> written = language.equals("java") ? writeJava(fn, values) : writeGo(values);
    out.println(
        "created " + fn + " (" + language + ") in " + dir + ": " + String.join(", ", written));
    if (language.equals("go")) {
      tidy(out);
    }
    String kubefuncs = Launcher.command();
    out.println("next:");
    out.println("  cd " + dir);
    out.println(
        language.equals("java")
            ? "  ./mvnw package   # builds it and runs its tests"
            : "  go test ./...    # runs its tests");
    out.println("  " + kubefuncs + " dev    # then: curl localhost:8080/" + fn + "/");
    if (language.equals("java")) {
      out.println(
          "The build needs a JDK 21 or newer in JAVA_HOME (or as java on the PATH); kubefuncs runs on Java "
              + Runtime.version().feature()
              + " from "
              + JDK
              + ":");
      out.println("  export JAVA_HOME=" + JDK);
    }
    return ExitCodes.OK;
  }

  /** A Maven project with its own wrapper and the Kubefuncs jars in third_party/maven. */
  private List<String> writeJava(String fn, Map<String, String> values) throws IOException {
    String pkg =
        javaPackage != null ? javaPackage : "com.example." + packageSegment(fn.replace("-", ""));
    if (!JAVA_PACKAGE.matcher(pkg).matches()) {
      throw new InvalidInputException(
          "--package " + pkg + " is not a Java package name like com.example.hello");
    }
    String className = className(fn);
    values.put("package", pkg);
    values.put("className", className);
    versions().forEach((k, v) -> values.put((String) k, (String) v));
    KubefuncsArtifacts artifacts =
        KubefuncsArtifacts.ofThisCommand(values.get("kubefuncs.version"));
    values.put("kubefuncs.version", artifacts.version());
    values.put("jdk", JDK);
    String sources = pkg.replace('.', '/');
    List<String> written =
        write(
            values,
            new Template("java/pom.xml", "pom.xml"),
            new Template("java/Main.java", "src/main/java/" + sources + "/" + className + ".java"),
            new Template(
                "java/MainTest.java", "src/test/java/" + sources + "/" + className + "Test.java"),
            new Template(
                "java/BrokerTest.java",
                "src/test/java/" + sources + "/" + className + "BrokerTest.java"),
            new Template("java/functions.yaml", "functions.yaml"),
            new Template("java/Dockerfile", "Dockerfile"),
            new Template("java/README.md", "README.md"),
            new Template("java/gitignore", ".gitignore"),
            new Template("java/dockerignore", ".dockerignore"),
            // Maven offline (-o) still reads third_party/maven, a file: repository.
            new Template("java/maven.config", ".mvn/maven.config"));
    written.addAll(ResourceTree.copy(TEMPLATES + "java-wrapper", dir));
    dir.resolve("mvnw").toFile().setExecutable(true);
    artifacts.writeTo(dir.resolve(JAVA_THIRD_PARTY));
    written.add(JAVA_THIRD_PARTY + "/ (Kubefuncs " + artifacts.version() + ")");
    return written;
  }

  /** A Go module with the Kubefuncs Go client in third_party/kubefuncs-go. */
  private List<String> writeGo(Map<String, String> values) throws IOException {
    List<String> written =
        write(
            values,
            new Template("go/go.mod", "go.mod"),
            new Template("go/main.go", "main.go"),
            new Template("go/main_test.go", "main_test.go"),
            new Template("go/broker_test.go", "broker_test.go"),
            new Template("go/functions.yaml", "functions.yaml"),
            new Template("go/Dockerfile", "Dockerfile"),
            new Template("go/README.md", "README.md"),
            new Template("go/gitignore", ".gitignore"));
    ResourceTree.copy(TEMPLATES + "go-client", dir.resolve(GO_THIRD_PARTY));
    written.add(GO_THIRD_PARTY + "/");
    return written;
  }

  /** Renders each template into the project; returns what it wrote, for the summary. */
  private List<String> write(Map<String, String> values, Template... templates) throws IOException {
    List<String> written = new ArrayList<>();
    for (Template t : templates) {
      Path target = dir.resolve(t.target());
      Files.createDirectories(target.getParent());
      Files.writeString(target, render(t.resource(), values));
      written.add(t.target());
    }
    return written;
  }

  /** One file of a project: a template under init/ and where it goes. */
  private record Template(String resource, String target) {}

  /** Fills in {@code go.sum} and the indirect requirements, if Go is installed. */
  private void tidy(PrintWriter out) throws IOException, InterruptedException {
    Process go;
    try {
      go =
          new ProcessBuilder("go", "mod", "tidy")
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      out.println("Go is not on the PATH: run `go mod tidy` in " + dir + " once it is");
      return;
    }
    String output = new String(go.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (go.waitFor() != 0) {
      out.println("`go mod tidy` failed; run it again in " + dir + ":\n" + output.strip());
    }
  }

  static String render(String resource, Map<String, String> values) {
    String text;
    try (InputStream in = InitCommand.class.getResourceAsStream(TEMPLATES + resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "template " + resource + " is missing from the kubefuncs jar");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        throw new IllegalStateException(
            "template " + resource + " uses {{" + m.group(1) + "}}, which init does not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return m.appendTail(out).toString();
  }

  private static Properties versions() throws IOException {
    Properties p = new Properties();
    try (InputStream in = InitCommand.class.getResourceAsStream("versions.properties")) {
      p.load(in);
    }
    return p;
  }

  /** {@code My Project} becomes {@code my-project}. */
  static String defaultName(Path dir) {
    Path last = dir.toAbsolutePath().normalize().getFileName();
    String raw = last == null ? "" : last.toString().toLowerCase(Locale.ROOT);
    return raw.replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
  }

  /** {@code hello-world} becomes {@code HelloWorld}. */
  static String className(String name) {
    StringBuilder out = new StringBuilder();
    for (String part : name.split("-")) {
      if (!part.isEmpty()) {
        out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return Character.isDigit(out.charAt(0)) ? "F" + out : out.toString();
  }

  private static String packageSegment(String s) {
    return Character.isDigit(s.charAt(0)) ? "f" + s : s;
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }
}
