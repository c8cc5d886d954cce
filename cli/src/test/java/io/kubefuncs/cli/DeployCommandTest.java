package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code deploy} and {@code status} refuse before they run anything, each with one line and
 * exit code 2, and a failing step with exit code 1. The whole deploy runs on a real cluster in
 * e2e's DeployIT.
 */
class DeployCommandTest {
  @TempDir Path tmp;

  private Path project;

  @BeforeEach
  void javaProject() throws Exception {
    project = Files.createDirectories(tmp.resolve("hello"));
    Files.writeString(project.resolve("pom.xml"), "<project/>");
    Files.writeString(project.resolve("mvnw"), "#!/bin/sh\n");
    Files.writeString(project.resolve("functions.yaml"), "functions:\n- name: hello\n");
  }

  @Test
  void saysWhereTheImageMustGoWhenNeitherLoadNorRegistryIsGiven() {
    Cli cli = Cli.run("deploy", project.toString());

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err())
        .startsWith("kubefuncs deploy: where does the image go? --registry REGISTRY pushes it;")
        .contains("KUBEFUNCS_LOAD")
        .hasLineCount(1);
  }

  @Test
  void refusesLoadAndRegistryTogether() {
    Cli cli = Cli.run("deploy", project.toString(), "--load", "true", "--registry", "ghcr.io/me");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err()).contains("--load and --registry: choose one").hasLineCount(1);
  }

  @Test
  void aLoadCommandThatIsNotThereFailsBeforeTheBuild() {
    Cli cli = Cli.run("deploy", project.toString(), "--load", "no-such-loader-x9 load");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err())
        .isEqualTo(
            "kubefuncs deploy: no-such-loader-x9 not found on the PATH: install it, or name it with --load PATH\n");
  }

  @Test
  void aFolderThatIsNoProjectIsRefused() throws Exception {
    Cli empty =
        Cli.run(
            "deploy", Files.createDirectories(tmp.resolve("empty")).toString(), "--load", "true");

    assertThat(empty.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(empty.err()).contains("has neither pom.xml and mvnw nor go.mod").hasLineCount(1);
  }

  @Test
  void aGoProjectIsLoadedOnNoBaseImage() throws Exception {
    Path go = Files.createDirectories(tmp.resolve("gofn"));
    Files.writeString(go.resolve("go.mod"), "module gofn\n");
    Files.writeString(go.resolve("functions.yaml"), "functions:\n- name: gofn\n");

    Cli push = Cli.run("deploy", go.toString(), "--registry", "ghcr.io/me");
    Cli base = Cli.run("deploy", go.toString(), "--load", "true", "--base-image", "tar:///jre.tar");

    assertThat(push.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(push.err())
        .contains("--registry: deploy writes a Go function's image as a tar and loads it")
        .hasLineCount(1);
    assertThat(base.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(base.err())
        .contains("--base-image: a Go function's image is its static binary alone")
        .hasLineCount(1);
  }

  @Test
  void aFolderNameThatIsNoReleaseNameAsksForRelease() throws Exception {
    Path odd = Files.move(project, tmp.resolve("My_Func"));

    Cli cli = Cli.run("deploy", odd.toString(), "--load", "true");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err())
        .contains("'my_func' is not a release name")
        .contains("name it with --release");
  }

  @Test
  void aMissingFunctionsFileIsNamed() throws Exception {
    Files.delete(project.resolve("functions.yaml"));

    Cli cli = Cli.run("deploy", project.toString(), "--load", "true");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err())
        .isEqualTo(
            "kubefuncs deploy: "
                + project.resolve("functions.yaml")
                + ": no such file (name the functions file with -f)\n");
  }

  @Test
  void aMissingHelmOrKubeconfigIsNamedWithItsFlag() {
    Cli helm =
        Cli.run(
            "deploy",
            project.toString(),
            "--load",
            "true",
            "--helm",
            tmp.resolve("helm").toString());
    Cli kubeconfig = Cli.run("status", "--kubeconfig", tmp.resolve("nowhere").toString());

    assertThat(helm.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(helm.err())
        .isEqualTo(
            "kubefuncs deploy: --helm: "
                + tmp.resolve("helm")
                + ": no such program (or not executable)\n");
    assertThat(kubeconfig.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(kubeconfig.err())
        .isEqualTo("kubefuncs status: --kubeconfig " + tmp.resolve("nowhere") + ": no such file\n");
  }

  @Test
  void aFailedBuildIsOneLineNamingItsLogAndItsFirstError() throws Exception {
    Path mvnw =
        Files.writeString(
            project.resolve("mvnw"),
            "#!/bin/sh\necho '[INFO] Compiling 2 source files'\necho '[ERROR] Hello.java:[9,3] not a statement'\nexit 1\n");
    mvnw.toFile().setExecutable(true);

    // /bin/true as helm: the chart's check passes, and the build is what fails.
    Cli cli =
        Cli.run(
            "deploy",
            project.toString(),
            "-n",
            "x",
            "--load",
            "true",
            "--kubectl",
            "/bin/true",
            "--helm",
            "/bin/true");

    Path log = project.resolve("target/kubefuncs-deploy.log");
    assertThat(cli.exitCode()).isEqualTo(ExitCodes.ERROR);
    assertThat(cli.out())
        .contains("\ncheck  helm template hello ")
        .contains("\nbuild  ./mvnw -B -ntp package jib:buildTar");
    assertThat(cli.err())
        .isEqualTo(
            "kubefuncs deploy: ./mvnw -B -ntp package jib:buildTar -Dimage=kubefuncs.local/hello:kubefuncs-deploy"
                + " failed with code 1; its output is in "
                + log
                + ": [ERROR] Hello.java:[9,3] not a statement\n");
    assertThat(log).content().startsWith("[INFO] Compiling 2 source files\n");
  }

  @Test
  void aFailingKubectlEndsStatusWithExitCode1AndWhatItSaid() throws Exception {
    Path kubectl = tmp.resolve("kubectl");
    Files.writeString(kubectl, "#!/bin/sh\necho 'error: no context is set' >&2\nexit 1\n");
    kubectl.toFile().setExecutable(true);

    Cli cli = Cli.run("status", "--kubectl", kubectl.toString(), "-n", "x");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.ERROR);
    assertThat(cli.err())
        .startsWith("kubefuncs status: " + kubectl + " get deployments --namespace x")
        .contains("failed with code 1:\nerror: no context is set");
  }

  @Test
  void statusTakesTableOrJson() {
    Cli cli = Cli.run("status", "-o", "yaml");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err()).isEqualTo("kubefuncs status: --output yaml: table or json\n");
  }

  @Test
  void theChartComesWithTheCommand() {
    assertThat(DeployCommand.bundledChart()).isEqualTo(Repo.ROOT.resolve("charts/function"));
  }

  @Test
  void theTagIsTheImageIdsFirst12HexDigits() throws Exception {
    Path id =
        Files.writeString(
            tmp.resolve("jib-image.id"),
            "sha256:5aeb2a8ef5b0f5cb3aaf674b79120609066f82657212465035240b2cbc671738");

    assertThat(DeployCommand.imageTag(id)).isEqualTo("5aeb2a8ef5b0");
  }
}
