package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubefuncs dev} while someone works: a function with a build is built before it starts and
 * again when a source changes, a rebuilt jar restarts its function, edits of functions.yaml add,
 * scale, change and remove functions without touching the others, a bad edit changes nothing,
 * routes and functions that do not meet are warned about, and each request is one access log line.
 */
class DevLiveIT {
  private static final Path PONG = Repo.ROOT.resolve("examples/pong/target/pong.jar");
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final Pattern PID = Pattern.compile("pid (\\d+)");

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  /**
   * A jar as {@code mvn package} leaves one, for the pong example: its manifest runs pong from the
   * example's own jar, so that writing it again is a rebuild.
   */
  private static void writeJar(Path jar) throws IOException {
    Files.createDirectories(jar.getParent());
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "io.kubefuncs.examples.pong.Pong");
    manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, PONG.toUri().toString());
    Path written = jar.resolveSibling(jar.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(written);
        JarOutputStream ignored = new JarOutputStream(out, manifest)) {
      // The manifest is the whole jar.
    }
    Files.move(written, jar, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * The status of a GET through the gateway, which waits up to its route's timeout (30 s) for an
   * answer.
   */
  private int get(int port, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(40))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /**
   * Waits until replica {@code label} has said {@code times} times that it consumes (pong says so
   * once it is subscribed): it has started that often. A JVM can take seconds to get there on a
   * busy machine.
   */
  private static void awaitConsuming(KubefuncsProcess dev, String label, int times) {
    dev.awaitErr(
        line -> line.startsWith("[" + label + "]") && line.contains("INFO: consuming "),
        times,
        DEADLINE);
  }

  private static long pid(String line) {
    Matcher m = PID.matcher(line);
    assertThat(m.find()).as(line).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void changesApplyWhileDevRunsAndOnlyToWhatChanged() throws Exception {
    writeJar(dir.resolve("target/app.jar"));
    writeJar(dir.resolve("launcher.jar"));
    Files.createDirectories(dir.resolve("built/src"));
    Path source = Files.writeString(dir.resolve("built/src/Main.java"), "class Main {}");
    String test = "- name: test\n  local: {command: [java, -jar, target/app.jar]}\n";
    String built =
        """
        - name: built
          local:
            dir: built
            command: [java, -jar, target/app.jar]
            build: [sh, -c, "echo compiling; mkdir -p target && cp ../launcher.jar target/app.jar"]
        """;
    Path functions =
        Files.writeString(dir.resolve("functions.yaml"), "functions:\n" + test + built);
    Files.writeString(
        dir.resolve("gateway.yaml"),
        "routes:\n  /test/: test\n  /built/: built\n  /ghost/: ghost\n");
    int port = Ports.free();
    try (KubefuncsProcess dev = KubefuncsProcess.startDev(dir, port)) {
      // built is built before it starts, with the build's output.
      String ready = dev.awaitOut(line -> line.startsWith("ready in"), DEADLINE);
      assertThat(ready).as(dev.toString()).doesNotContain("not healthy");
      assertThat(dev.out())
          .containsSubsequence(
              "building built: sh -c echo compiling; mkdir -p target && cp ../launcher.jar target/app.jar",
              "[built]   compiling");
      assertThat(dev.out()).anyMatch(line -> line.matches("built built in \\d+\\.\\d s"));
      assertThat(dev.err())
          .as(dev.toString())
          .contains(
              "warning: route /ghost/ goes to topic ghost, which no function of "
                  + "functions.yaml consumes: its requests will wait 30 s, then get 504");

      assertThat(get(port, "/test/hello?x=1")).isEqualTo(200);
      dev.awaitOut(
          line -> line.matches("\\[gateway] +GET /test/hello -> /test/ 200 [0-9.]+ m?s"), DEADLINE);

      // mvn package writes the jar again: the function restarts on the new one, alone.
      long before = dev.replicaPids().get(0);
      writeJar(dir.resolve("target/app.jar"));
      dev.awaitOut(line -> line.equals("test changed: restarting test-0"), DEADLINE);
      long after =
          pid(dev.awaitErr(line -> line.matches("\\[test-0] +restarted, pid \\d+"), DEADLINE));
      assertThat(after).isNotEqualTo(before);
      assertThat(ProcessHandle.of(before).map(ProcessHandle::isAlive))
          .isNotEqualTo(java.util.Optional.of(true));
      awaitConsuming(dev, "test-0", 2);
      assertThat(get(port, "/test/again")).isEqualTo(200);

      // A source change runs the build again, then restarts the function.
      Files.writeString(source, "class Main { int changed; }");
      dev.awaitOut(line -> line.matches("\\[built] +compiling"), 2, DEADLINE);
      dev.awaitOut(line -> line.matches("built built in \\d+\\.\\d s"), 2, DEADLINE);
      dev.awaitOut(line -> line.equals("built changed: restarting built-0"), DEADLINE);
      awaitConsuming(dev, "built-0", 2);
      assertThat(get(port, "/built/x")).isEqualTo(200);

      // A bad edit keeps everything as it is.
      Files.writeString(
          functions,
          "functions:\n- name: test\n  replica: 2\n  local: {command: [java, -jar, target/app.jar]}\n");
      dev.awaitErr(
          line ->
              line.equals(
                  "kept the running functions: functions.yaml:3: functions[0].replica: unknown key; "
                      + "did you mean 'replicas'?"),
          DEADLINE);

      // Scale test, add ghost (its route now has a consumer) and lonely (no route), remove built.
      Files.writeString(
          functions,
          "functions:\n"
              + test.replace("- name: test\n", "- name: test\n  replicas: 2\n")
              + "- name: ghost\n  local: {command: [java, -jar, target/app.jar]}\n"
              + "- name: lonely\n  replicas: 0\n  local: {command: [java, -jar, target/app.jar]}\n");
      dev.awaitOut(
          line -> line.matches("added function ghost: started ghost-0 \\(pid \\d+\\)"), DEADLINE);
      dev.awaitOut(
          line -> line.matches("scaled test from 1 to 2 replicas: started test-1 \\(pid \\d+\\)"),
          DEADLINE);
      dev.awaitOut(line -> line.equals("removed function built: stopped built-0"), DEADLINE);
      dev.awaitOut(
          line -> line.equals("added function lonely (replicas: 0, not started)"), DEADLINE);
      dev.awaitErr(
          line ->
              line.equals(
                  "warning: no route of gateway.yaml goes to function lonely (topic lonely): "
                      + "only NSQ reaches it; add a route such as /lonely/: lonely"),
          DEADLINE);
      awaitConsuming(dev, "ghost-0", 1);
      assertThat(get(port, "/ghost/x")).isEqualTo(200);
      assertThat(ProcessHandle.of(after).map(ProcessHandle::isAlive)).hasValue(true);

      // Both functions run that jar; test's two replicas restart one after the other.
      writeJar(dir.resolve("target/app.jar"));
      dev.awaitOut(line -> line.equals("test changed: restarting test-0, test-1"), DEADLINE);
      dev.awaitOut(line -> line.equals("ghost changed: restarting ghost-0"), DEADLINE);
      dev.awaitErr(line -> line.matches("\\[test-1] +restarted, pid \\d+"), DEADLINE);
      awaitConsuming(dev, "ghost-0", 2);
      awaitConsuming(dev, "test-1", 2);
      assertThat(get(port, "/ghost/x")).isEqualTo(200);
      assertThat(get(port, "/test/x")).isEqualTo(200);

      // Scaled down, the highest index first; ghost gets a new environment, so new replicas.
      Files.writeString(
          functions,
          "functions:\n"
              + test
              + "- name: ghost\n  env: [{name: MODE, value: new}]\n  local: {command: [java, -jar, target/app.jar]}\n");
      dev.awaitOut(
          line -> line.equals("scaled test from 2 to 1 replica: stopped test-1"), DEADLINE);
      dev.awaitOut(line -> line.equals("removed function lonely"), DEADLINE);
      dev.awaitOut(
          line ->
              line.matches(
                  "changed function ghost: stopped ghost-0; started ghost-0 \\(pid \\d+\\)"),
          DEADLINE);
      awaitConsuming(dev, "ghost-0", 3);
      assertThat(get(port, "/ghost/x")).isEqualTo(200);

      List<ProcessHandle> started = dev.handle().descendants().toList();
      assertThat(started).isNotEmpty();
      assertThat(dev.terminate(DEADLINE)).as(dev.toString()).isZero();
      assertThat(started).noneMatch(ProcessHandle::isAlive);
    }
  }
}
