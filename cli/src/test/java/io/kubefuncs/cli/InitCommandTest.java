package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubefuncs.devbroker.DevBroker;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project from {@code kubefuncs init} builds and passes its tests as created, with the real
 * toolchains.
 */
class InitCommandTest {
  @TempDir Path dir;

  @Test
  void aJavaProjectBuildsWithItsOwnWrapperAndPassesItsTestsAnywhereAsCreated() throws Exception {
    Path made = dir.resolve("Hello World");

    Cli cli = Cli.run("init", made.toString());

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    assertThat(cli.out())
        .contains(
            "created hello-world (java)",
            "./mvnw package",
            "kubefuncs dev",
            "export JAVA_HOME=" + System.getProperty("java.home"));
    String version = pinnedVersion(made);
    assertThat(version).matches("0\\.1\\.0-[0-9a-f]{12}");
    assertThat(
            made.resolve(
                "third_party/maven/io/kubefuncs/kubefuncs-client/"
                    + version
                    + "/kubefuncs-client-"
                    + version
                    + ".jar"))
        .exists();
    assertThat(
            made.resolve(
                "third_party/maven/io/kubefuncs/kubefuncs-parent/"
                    + version
                    + "/kubefuncs-parent-"
                    + version
                    + ".pom"))
        .exists();
    assertThat(made.resolve(".gitignore")).exists();
    assertThat(FunctionsFile.read(made.resolve("functions.yaml")))
        .singleElement()
        .satisfies(
            fn ->
                assertThat(fn.command()).containsExactly("java", "-jar", "target/hello-world.jar"));

    // Moved away from where it was made: it needs nothing outside its folder but a JDK and the
    // Maven repositories. Offline, so that only what is in the local repository and in the
    // project's own third_party/maven can be used.
    Path project = Files.move(made, Files.createDirectories(dir.resolve("moved")).resolve("hello"));
    Result mvn =
        exec(
            project,
            env -> env.put("JAVA_HOME", System.getProperty("java.home")),
            mvnw(dir.resolve("m2"), "-o", "-B", "-ntp", "-q", "package"));

    assertThat(mvn.exitCode()).as(mvn.output()).isZero();
    assertThat(
            Files.readString(
                project.resolve(
                    "target/surefire-reports/com.example.helloworld.HelloWorldTest.txt")))
        .contains("Tests run: 1, Failures: 0, Errors: 0, Skipped: 0");
    assertThat(
            Files.readString(
                project.resolve(
                    "target/surefire-reports/com.example.helloworld.HelloWorldBrokerTest.txt")))
        .contains("Tests run: 1, Failures: 0, Errors: 0, Skipped: 0");
    assertThat(project.resolve("target/hello-world.jar")).exists();
    assertThat(project.resolve("target/lib/kubefuncs-client-" + version + ".jar")).exists();
  }

  @Test
  void aJavaProjectBuiltWithAnOlderJavaSaysWhichJdkItNeedsAndWhereOneIs() throws Exception {
    Path oldJdk = jdkOlderThan21();
    assumeTrue(oldJdk != null, "no JDK older than 21 in /usr/lib/jvm");
    Path project = dir.resolve("hello");
    assertThat(Cli.run("init", project.toString()).exitCode()).isZero();

    // As the issue found it: java on the PATH is 17, JAVA_HOME unset.
    Result mvn =
        exec(
            project,
            env -> {
              env.remove("JAVA_HOME");
              env.put("PATH", oldJdk.resolve("bin") + File.pathSeparator + env.get("PATH"));
            },
            mvnw(dir.resolve("m2"), "-o", "-B", "-ntp", "-q", "package"));

    assertThat(mvn.exitCode()).isNotZero();
    assertThat(mvn.output())
        .contains(
            "hello needs a JDK 21 or newer, but Maven runs on Java " + javaVersion(oldJdk),
            "export JAVA_HOME=" + System.getProperty("java.home"));
  }

  @Test
  void aJavaProjectsImageBuildsWithJibWithoutDocker() throws Exception {
    Path project = dir.resolve("hello");
    assertThat(Cli.run("init", project.toString()).exitCode()).isZero();

    // Not offline: Jib is not among the build's own dependencies, so it may have to be downloaded,
    // into a repository under target/ that later runs reuse. On the empty base image "scratch",
    // since eclipse-temurin means a registry this machine may not reach: what is checked is this
    // project's part of the image.
    Path jibRepository = Repo.ROOT.resolve("cli/target/init-jib-m2");
    Result jib =
        exec(
            project,
            env -> env.put("JAVA_HOME", System.getProperty("java.home")),
            mvnw(
                jibRepository,
                "-B",
                "-ntp",
                "-q",
                "package",
                "jib:buildTar",
                "-DskipTests",
                "-Djib.from.image=scratch"));
    assertThat(jib.exitCode()).as(jib.output()).isZero();

    Result config = exec(project, env -> {}, "tar", "-xOf", "target/jib-image.tar", "config.json");
    assertThat(config.exitCode()).as(config.output()).isZero();
    JsonNode image = new ObjectMapper().readTree(config.output()).get("config");
    assertThat(image.get("User").asText()).isEqualTo("65532");
    assertThat(image.get("ExposedPorts").has("8080/tcp")).isTrue();
    assertThat(image.get("Entrypoint").toString())
        .contains("\"java\"", "\"-XX:MaxRAMPercentage=50\"", "\"com.example.hello.Hello\"");
  }

  @Test
  void aGoProjectCarriesTheClientAndPassesItsTestsAnywhereAsCreated() throws Exception {
    assumeTrue(onPath("go"), "Go is not installed");
    Path made = dir.resolve("orders");

    Cli cli = Cli.run("init", made.toString(), "--lang", "go");

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    assertThat(Files.readString(made.resolve("go.mod")))
        .contains(
            "module example.com/orders",
            "replace github.com/kubefuncs/kubefuncs/clients/go => ./third_party/kubefuncs-go")
        .doesNotContain(Repo.ROOT.toString());
    assertThat(made.resolve("third_party/kubefuncs-go/go.mod")).exists();
    assertThat(made.resolve("go.sum")).exists();
    assertThat(FunctionsFile.read(made.resolve("functions.yaml")))
        .singleElement()
        .satisfies(fn -> assertThat(fn.command()).containsExactly("go", "run", "."));

    Path project =
        Files.move(made, Files.createDirectories(dir.resolve("moved")).resolve("orders"));
    Result vet = exec(project, env -> {}, "go", "vet", "./...");
    assertThat(vet.exitCode()).as(vet.output()).isZero();
    Result unit = exec(project, env -> {}, "go", "test", "-count=1", "-v", "./...");
    assertThat(unit.exitCode()).as(unit.output()).isZero();
    assertThat(unit.output())
        .contains(
            "--- PASS: TestAnswersHello",
            "--- SKIP: TestAnswersACallOverNsq",
            "KUBEFUNCS_TEST_NSQD is not set");
    // What the README tells a Go user to do, with the broker `kubefuncs broker` runs.
    try (DevBroker broker =
        DevBroker.builder().tcpPort(0).httpPort(0).lookupdTcpPort(0).lookupdHttpPort(0).start()) {
      Result overNsq =
          exec(
              project,
              env -> env.put("KUBEFUNCS_TEST_NSQD", broker.nsqd()),
              "go",
              "test",
              "-count=1",
              "-v",
              "./...");
      assertThat(overNsq.exitCode()).as(overNsq.output()).isZero();
      assertThat(overNsq.output()).contains("--- PASS: TestAnswersACallOverNsq");
    }
  }

  @Test
  void refusesAFolderThatIsNotEmpty() throws IOException {
    Path project = Files.createDirectories(dir.resolve("taken"));
    Files.writeString(project.resolve("notes.txt"), "mine");

    Cli cli = Cli.run("init", project.toString());

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err()).contains(project + " is not an empty folder");
    try (Stream<Path> files = Files.list(project)) {
      assertThat(files).containsExactly(project.resolve("notes.txt"));
    }
  }

  @Test
  void refusesWhatCannotNameAFunctionOrALanguageItDoesNotKnow() {
    assertThat(Cli.run("init", dir.resolve("x").toString(), "--name", "Bad_Name").err())
        .contains("'Bad_Name' cannot name a function");
    assertThat(Cli.run("init", dir.resolve("y").toString(), "--lang", "rust").err())
        .contains("--lang must be java or go");
    assertThat(Cli.run("init", dir.resolve("z").toString(), "--package", "com.example.1x").err())
        .contains("is not a Java package name");
    assertThat(dir.resolve("x")).doesNotExist();
  }

  @Test
  void namesFollowTheFolder() {
    assertThat(InitCommand.defaultName(Path.of("/tmp/My Cool_Function!")))
        .isEqualTo("my-cool-function");
    assertThat(InitCommand.className("my-cool-function")).isEqualTo("MyCoolFunction");
    assertThat(InitCommand.className("2fa")).isEqualTo("F2fa");
  }

  private record Result(int exitCode, String output) {}

  /**
   * The project's own wrapper. Its local repository is {@code localRepository}, chained to this
   * build's (read only, for the third-party dependencies): where the first is new, the Kubefuncs
   * artifacts can only come from the project's third_party/maven, and this build's repository gets
   * none of them.
   */
  private static String[] mvnw(Path localRepository, String... args) {
    String shared =
        System.getProperty(
            "kubefuncs.maven.repo",
            Path.of(System.getProperty("user.home"), ".m2/repository").toString());
    List<String> command = new ArrayList<>(List.of("./mvnw"));
    command.addAll(List.of(args));
    command.add("-Dmaven.repo.local=" + localRepository);
    command.add("-Dmaven.repo.local.tail=" + shared);
    return command.toArray(String[]::new);
  }

  private static String pinnedVersion(Path project) throws IOException {
    Matcher m =
        Pattern.compile("<kubefuncs.version>([^<]+)</kubefuncs.version>")
            .matcher(Files.readString(project.resolve("pom.xml")));
    assertThat(m.find()).as("kubefuncs.version in pom.xml").isTrue();
    return m.group(1);
  }

  /** A JDK 17 or the like, as Debian's default java is: null when this machine has none. */
  private static Path jdkOlderThan21() throws IOException {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return null;
    }
    try (Stream<Path> jdks = Files.list(jvms)) {
      return jdks.filter(
              jdk ->
                  Files.isExecutable(jdk.resolve("bin/java"))
                      && Files.isRegularFile(jdk.resolve("release")))
          .filter(jdk -> Integer.parseInt(javaVersion(jdk).split("[.+-]")[0]) < 21)
          .findFirst()
          .orElse(null);
    }
  }

  private static String javaVersion(Path jdk) {
    try {
      Matcher m =
          Pattern.compile("JAVA_VERSION=\"([^\"]+)\"")
              .matcher(Files.readString(jdk.resolve("release")));
      return m.find() ? m.group(1) : "0";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Result exec(Path cwd, Consumer<Map<String, String>> env, String... command)
      throws Exception {
    ProcessBuilder b =
        new ProcessBuilder(List.of(command)).directory(cwd.toFile()).redirectErrorStream(true);
    env.accept(b.environment());
    Process p = b.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    return new Result(p.exitValue(), output);
  }

  private static boolean onPath(String program) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
  }
}
