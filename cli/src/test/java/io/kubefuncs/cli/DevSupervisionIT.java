package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@code kubefuncs dev} looks after its functions: one that cannot start, one that keeps
 * crashing, one that serves.
 */
class DevSupervisionIT {
  private static final Path PONG = Repo.ROOT.resolve("examples/pong/target/pong.jar");

  @TempDir Path dir;

  @Test
  void aFunctionThatCannotStartOrKeepsCrashingIsReportedWhileTheOthersServe() throws Exception {
    Files.writeString(
        dir.resolve("functions.yaml"),
        """
        functions:
        - name: pong
          local: {command: [java, -jar, %s]}
        - name: missing
          local: {command: [kubefuncs-no-such-program, --serve]}
        - name: crash
          local: {command: [sh, -c, "echo about to fail >&2; exit 3"]}
        """
            .formatted(PONG));
    int port = Ports.free();
    try (KubefuncsProcess dev = KubefuncsProcess.startDev(dir, port)) {
      String ready = dev.awaitOut(line -> line.startsWith("ready in"), Duration.ofSeconds(60));
      assertThat(ready)
          .contains(
              "but not healthy: ", "missing-0 (could not start)", "crash-0 (exited, restarting)")
          .doesNotContain("pong-0");
      assertThat(dev.err())
          .anySatisfy(
              line ->
                  assertThat(line)
                      .startsWith(
                          "[missing-0] cannot start kubefuncs-no-such-program --serve in " + dir)
                      .endsWith("; the other functions keep running"));

      // Routes default to /<name>/ when there is no gateway.yaml.
      HttpResponse<String> answer =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pong/hello"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(answer.body()).isEqualTo("pong\n");

      // Restarted after 1 s, then 2 s: the delay doubles while it keeps failing.
      dev.awaitErr(
          line -> line.startsWith("[crash-0]") && line.contains("restarting in 2 s"),
          Duration.ofSeconds(30));
      List<String> crash = dev.err().stream().filter(line -> line.startsWith("[crash-0]")).toList();
      assertThat(crash.get(0)).isEqualTo("[crash-0]   about to fail");
      assertThat(crash.get(1))
          .matches("\\[crash-0]   exited with code 3 after \\d+\\.\\d s; restarting in 1 s");
      assertThat(crash.get(2)).matches("\\[crash-0]   restarted, pid \\d+");
      assertThat(crash.get(3)).isEqualTo("[crash-0]   about to fail");
      assertThat(crash.get(4))
          .matches("\\[crash-0]   exited with code 3 after \\d+\\.\\d s; restarting in 2 s");

      List<ProcessHandle> started = dev.handle().descendants().toList();
      dev.interrupt();
      assertThat(dev.awaitExit(Duration.ofSeconds(60))).as(dev.toString()).isZero();
      assertThat(started).noneMatch(ProcessHandle::isAlive);
    }
  }
}
