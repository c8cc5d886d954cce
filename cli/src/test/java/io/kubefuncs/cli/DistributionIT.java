package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution tarball, unpacked where no checkout is, run with no JDK in sight: JAVA_HOME
 * unset and only the system's folders on the PATH (where a Java older than 21, if any, would fail
 * to run the command: only the bundled runtime can).
 */
class DistributionIT {
  @TempDir static Path install;

  private static Path home;

  @BeforeAll
  static void unpack() throws Exception {
    String name = "kubefuncs-" + System.getProperty("kubefuncs.version");
    Path tarball;
    try (Stream<Path> files = Files.list(Repo.ROOT.resolve("cli/target"))) {
      List<Path> found =
          files
              .filter(
                  f -> f.getFileName().toString().matches(name + "-[a-z]+-[a-z0-9_]+\\.tar\\.gz"))
              .toList();
      assertThat(found)
          .as("the distribution tarball in cli/target (written by `package`)")
          .hasSize(1);
      tarball = found.get(0);
    }
    Process tar =
        new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", install.toString())
            .inheritIO()
            .start();
    assertThat(tar.waitFor()).isZero();
    home = install.resolve(name);
  }

  private static KubefuncsProcess kubefuncs(String... args) throws IOException {
    ProcessBuilder b =
        new ProcessBuilder(
                Stream.concat(Stream.of(home.resolve("bin/kubefuncs").toString()), Stream.of(args))
                    .toList())
            .directory(install.toFile());
    Map<String, String> env = b.environment();
    env.remove("JAVA_HOME");
    env.put("PATH", "/usr/bin:/bin");
    return KubefuncsProcess.start(b);
  }

  @Test
  void itHoldsTheCommandItsRuntimeAndHowToInstallIt() {
    assertThat(home.resolve("bin/kubefuncs")).isExecutable();
    assertThat(home.resolve("runtime/bin/java")).isExecutable();
    assertThat(home.resolve("INSTALL.md")).content().contains("bin/kubefuncs");
  }

  @Test
  void deployUsesTheChartsThatComeWithIt() throws Exception {
    assertThat(home.resolve("charts/kubefuncs/Chart.yaml")).isRegularFile();
    assertThat(home.resolve("charts/nsq/Chart.yaml")).isRegularFile();
    // The library chart the others include through a link in their charts/ folders.
    for (String chart : List.of("function", "nsq", "gateway")) {
      assertThat(home.resolve("charts/" + chart + "/charts/kubefuncs-common/Chart.yaml"))
          .isRegularFile();
    }
    Path project = Files.createDirectories(install.resolve("hello"));
    Files.writeString(project.resolve("pom.xml"), "<project/>");
    Files.writeString(project.resolve("mvnw"), "#!/bin/sh\n");
    Files.writeString(project.resolve("functions.yaml"), "functions:\n- name: hello\n");
    // helm template is deploy's first step with the chart: a helm that fails shows which chart it
    // was given.
    try (KubefuncsProcess deploy =
        kubefuncs(
            "deploy",
            project.toString(),
            "--load",
            "true",
            "--kubectl",
            "/bin/true",
            "--helm",
            "/bin/false")) {
      assertThat(deploy.awaitExit(Duration.ofSeconds(60))).as("%s", deploy).isEqualTo(2);
      assertThat(String.join("\n", deploy.err()))
          .contains("/bin/false template hello " + home.resolve("charts/function") + " ");
    }
  }

  @Test
  void versionRunsOnTheBundledRuntime() throws Exception {
    try (KubefuncsProcess version = kubefuncs("version")) {
      assertThat(version.awaitExit(Duration.ofSeconds(60))).as("%s", version).isZero();
      assertThat(version.out()).singleElement().asString().startsWith("kubefuncs ");
    }
  }

  @Test
  void theBrokerServesFromTheUnpackedFolder() throws Exception {
    try (KubefuncsProcess broker = kubefuncs(KubefuncsProcess.onFreeBrokerPorts("broker"))) {
      String nsqd = BrokerCommandIT.awaitNsqdHttp(broker);

      assertThat(Http.send("GET", URI.create("http://" + nsqd + "/ping")).body()).isEqualTo("OK");
      assertThat(broker.terminate(Duration.ofSeconds(30))).isZero();
    }
  }
}
