package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routes from kubefuncs chart values, edited while {@code kubefuncs dev} runs: the gateway reads
 * the file itself.
 */
class DevRoutesIT {
  private static final Path PONG = Repo.ROOT.resolve("examples/pong/target/pong.jar");

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private int get(int port, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void anEditOfTheRoutesAppliesWithoutARestart() throws Exception {
    Files.writeString(
        dir.resolve("functions.yaml"),
        "functions:\n- name: test\n  local: {command: [java, -jar, %s]}\n".formatted(PONG));
    Path gateway =
        Files.writeString(
            dir.resolve("gateway.yaml"), "gateway:\n  config:\n    routes:\n      /test/: test\n");
    int port = Ports.free();
    try (KubefuncsProcess dev = KubefuncsProcess.startDev(dir, port)) {
      dev.awaitOut(line -> line.startsWith("ready in"), Duration.ofSeconds(60));
      assertThat(get(port, "/test/x")).isEqualTo(200);
      assertThat(get(port, "/ping/x")).isEqualTo(404);

      Files.writeString(
          gateway, "gateway:\n  config:\n    routes:\n      /test/: test\n      /ping/: test\n");

      await().atMost(Duration.ofSeconds(10)).until(() -> get(port, "/ping/x") == 200);
      dev.awaitErr(
          line -> line.equals("[gateway] reloaded gateway.yaml: 2 routes"), Duration.ofSeconds(5));

      Files.writeString(
          gateway,
          "gateway:\n  config:\n    routes:\n      /test/: test\n      /ping/: {topic: test, async: maybe}\n");
      dev.awaitErr(
          line ->
              line.equals(
                  "[gateway] warning: kept the previous routes; new gateway.yaml:5: "
                      + "gateway.config.routes./ping/.async: must be true or false"),
          Duration.ofSeconds(10));
      assertThat(get(port, "/ping/x")).isEqualTo(200);
    }
  }
}
