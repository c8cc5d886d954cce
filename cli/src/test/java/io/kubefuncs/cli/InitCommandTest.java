package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A project from {@code kubefuncs init} builds and passes its tests as created, with the real toolchains. */
class InitCommandTest {
  @TempDir
  Path dir;

  @Test
  void aJavaProjectBuildsAndPassesItsTestsAsCreated() throws Exception {
    Path project = dir.resolve("Hello World");

    Cli cli = Cli.run("init", project.toString());

    assertThat(cli.exitCode()).isZero();
    assertThat(cli.out()).contains("created hello-world (java)", "mvn package", "kubefuncs dev");
    assertThat(project.resolve("src/main/java/com/example/helloworld/HelloWorld.java")).exists();
    assertThat(project.resolve("src/test/java/com/example/helloworld/HelloWorldTest.java")).exists();
    assertThat(project.resolve(".gitignore")).exists();
    assertThat(FunctionsFile.read(project.resolve("functions.yaml"))).singleElement()
        .satisfies(fn -> assertThat(fn.command()).containsExactly("java", "-jar", "target/hello-world.jar"));

    // This build's Maven and local repository, offline: everything the project needs is there.
    List<String> mvnw = new java.util.ArrayList<>(List.of(Repo.ROOT.resolve("mvnw").toString(), "-o", "-B", "-ntp", "-q", "package"));
    if (System.getProperty("kubefuncs.maven.repo") != null) {
      mvnw.add("-Dmaven.repo.local=" + System.getProperty("kubefuncs.maven.repo"));
    }
    Result mvn = exec(project, Map.of("JAVA_HOME", System.getProperty("java.home")), mvnw.toArray(String[]::new));

    assertThat(mvn.exitCode()).as(mvn.output()).isZero();
    assertThat(Files.readString(project.resolve("target/surefire-reports/com.example.helloworld.HelloWorldTest.txt")))
        .contains("Tests run: 1, Failures: 0, Errors: 0, Skipped: 0");
    assertThat(project.resolve("target/hello-world.jar")).exists();
    assertThat(project.resolve("target/lib/kubefuncs-client-0.1.0-SNAPSHOT.jar")).exists();
  }

  @Test
  void aGoProjectPassesItsTestsAsCreated() throws Exception {
    assumeTrue(onPath("go"), "Go is not installed");
    Path project = dir.resolve("orders");

    Cli cli = Cli.run("init", project.toString(), "--lang", "go");

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    assertThat(Files.readString(project.resolve("go.mod")))
        .contains("module example.com/orders", "replace github.com/kubefuncs/kubefuncs/clients/go => " + Repo.ROOT.resolve("clients/go"));
    assertThat(project.resolve("go.sum")).exists();
    assertThat(FunctionsFile.read(project.resolve("functions.yaml"))).singleElement()
        .satisfies(fn -> assertThat(fn.command()).containsExactly("go", "run", "."));

    Result vet = exec(project, Map.of(), "go", "vet", "./...");
    assertThat(vet.exitCode()).as(vet.output()).isZero();
    Result test = exec(project, Map.of(), "go", "test", "-count=1", "-v", "./...");
    assertThat(test.exitCode()).as(test.output()).isZero();
    assertThat(test.output()).contains("--- PASS: TestAnswersHello");
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
    assertThat(Cli.run("init", dir.resolve("x").toString(), "--name", "Bad_Name").err()).contains("'Bad_Name' cannot name a function");
    assertThat(Cli.run("init", dir.resolve("y").toString(), "--lang", "rust").err()).contains("--lang must be java or go");
    assertThat(Cli.run("init", dir.resolve("z").toString(), "--package", "com.example.1x").err()).contains("is not a Java package name");
    assertThat(dir.resolve("x")).doesNotExist();
  }

  @Test
  void namesFollowTheFolder() {
    assertThat(InitCommand.defaultName(Path.of("/tmp/My Cool_Function!"))).isEqualTo("my-cool-function");
    assertThat(InitCommand.className("my-cool-function")).isEqualTo("MyCoolFunction");
    assertThat(InitCommand.className("2fa")).isEqualTo("F2fa");
  }

  private record Result(int exitCode, String output) {}

  private static Result exec(Path cwd, Map<String, String> env, String... command) throws Exception {
    ProcessBuilder b = new ProcessBuilder(List.of(command)).directory(cwd.toFile()).redirectErrorStream(true);
    b.environment().putAll(env);
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
