package io.kubefuncs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API check itself, on a small module compiled here in versions: the file made from the first
 * one, then a helper made public in an exported package and a public method removed, each of which
 * must fail the check and be named.
 */
class ApiSignatureCheckTest {
  private static final String MODULE =
      """
      module demo {
        exports demo.api;
        exports demo.internal to java.base;
      }
      """;
  private static final String GREETER =
      """
      package demo.api;
      public class Greeter extends Base {
        public String greet(String name) { return Helper.hello() + name; }
        public String farewell() { return "bye"; }
        protected void hook() {}
        void packagePrivate() {}
        public static final class Options {}
        private static final class Hidden { public void notApi() {} }
      }
      """;
  private static final String HELPER =
      """
      package demo.api;
      final class Helper { static String hello() { return "hello "; } }
      """;
  private static final String BASE =
      """
      package demo.api;
      abstract class Base { public int size() { return 0; } int hidden() { return 1; } }
      """;
  private static final String INTERNAL =
      """
      package demo.internal;
      public final class Shared { public static int answer() { return 42; } }
      """;
  private static final String COMMAND = "./mvnw ... -Dkubefuncs.api.update=true";

  @TempDir Path dir;
  private final List<URLClassLoader> loaders = new ArrayList<>();
  private Path file;

  @BeforeEach
  void writeTheFileOfTheFirstVersion() throws IOException {
    Path v1 = compile("v1", Map.of("Greeter", GREETER, "Helper", HELPER));
    file = dir.resolve("demo.api");
    Files.writeString(file, "# a comment\n" + String.join("\n", ApiSignature.of(v1, loader(v1))));
  }

  @AfterEach
  void closeLoaders() throws IOException {
    for (URLClassLoader loader : loaders) {
      loader.close();
    }
  }

  @Test
  void theFileHoldsWhatOthersCanReachInTheUnqualifiedExportsOnly() throws IOException {
    assertThat(Files.readString(file))
        .contains("public class demo.api.Greeter\n")
        .contains("  public java.lang.String demo.api.Greeter.greet(java.lang.String)\n")
        .contains("  protected void demo.api.Greeter.hook()\n")
        .contains("public static final class demo.api.Greeter$Options\n")
        .contains("  public int demo.api.Base.size()\n")
        .doesNotContain("hidden")
        .doesNotContain("class demo.api.Base")
        .doesNotContain("packagePrivate")
        .doesNotContain("Hidden")
        .doesNotContain("Helper")
        .doesNotContain("demo.internal");
  }

  @Test
  void theSameApiPasses() {
    Path same = compile("same", Map.of("Greeter", GREETER, "Helper", HELPER));
    assertThatCode(() -> ApiSignature.check(same, loader(same), file, COMMAND))
        .doesNotThrowAnyException();
  }

  @Test
  void aHelperMadePublicInAnExportedPackageFailsAsAnAddition() {
    Path v2 =
        compile(
            "v2",
            Map.of(
                "Greeter", GREETER, "Helper", HELPER.replace("final class", "public final class")));
    assertThatThrownBy(() -> ApiSignature.check(v2, loader(v2), file, COMMAND))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("The API of module demo is not what " + file + " says")
        .hasMessageContaining(
            "Added:\n  + public final class demo.api.Helper\n  +   public demo.api.Helper()\n")
        .hasMessageNotContaining("Removed")
        .hasMessageEndingWith("rewrite the file and commit it:\n  " + COMMAND);
  }

  @Test
  void aRemovedPublicMethodFailsAsBreaking() {
    Path v3 =
        compile(
            "v3",
            Map.of(
                "Greeter",
                GREETER.replace("public String farewell() { return \"bye\"; }", ""),
                "Helper",
                HELPER));
    assertThatThrownBy(() -> ApiSignature.check(v3, loader(v3), file, COMMAND))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "Removed or changed (breaks code that uses them):\n"
                + "  -   public java.lang.String demo.api.Greeter.farewell()\n")
        .hasMessageNotContaining("Added");
  }

  @Test
  void aChangedSignatureIsARemovalAndAnAddition() {
    Path v4 =
        compile(
            "v4",
            Map.of(
                "Greeter",
                GREETER.replace("greet(String name)", "greet(CharSequence name)"),
                "Helper",
                HELPER));
    assertThatThrownBy(() -> ApiSignature.check(v4, loader(v4), file, COMMAND))
        .hasMessageContaining(
            "  -   public java.lang.String demo.api.Greeter.greet(java.lang.String)")
        .hasMessageContaining(
            "  +   public java.lang.String demo.api.Greeter.greet(java.lang.CharSequence)");
  }

  /** Compiles module demo with the given classes of demo.api into {@code dir/name}. */
  private Path compile(String name, Map<String, String> apiClasses) {
    try {
      Path src = dir.resolve(name + "-src");
      List<String> args = new ArrayList<>(List.of("-d", dir.resolve(name).toString(), "-nowarn"));
      args.add(write(src.resolve("module-info.java"), MODULE));
      args.add(write(src.resolve("demo/internal/Shared.java"), INTERNAL));
      args.add(write(src.resolve("demo/api/Base.java"), BASE));
      for (Map.Entry<String, String> c : apiClasses.entrySet()) {
        args.add(write(src.resolve("demo/api/" + c.getKey() + ".java"), c.getValue()));
      }
      JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
      assertThat(javac.run(null, null, null, args.toArray(String[]::new))).isZero();
      return dir.resolve(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    return file.toString();
  }

  private ClassLoader loader(Path classes) {
    try {
      URLClassLoader loader =
          new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader());
      loaders.add(loader);
      return loader;
    } catch (MalformedURLException e) {
      throw new UncheckedIOException(e);
    }
  }
}
