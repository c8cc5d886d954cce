package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's quick start, as a newcomer runs it: {@code ./kubefuncs dev} in the repository root
 * (its functions.yaml and gateway.yaml), then {@code curl localhost:8080/test/hello} prints pong.
 * Free ports instead of the defaults, so that it runs beside anything.
 */
class DevQuickStartIT {
  @Test
  void devAnswersPongThroughTheGatewayAndLeavesNothingBehindOnSigterm() throws Exception {
    int port = Ports.free();
    try (KubefuncsProcess dev = KubefuncsProcess.startDev(Repo.ROOT, port)) {
      String ready = dev.awaitOut(line -> line.startsWith("ready in"), Duration.ofSeconds(60));
      assertThat(ready)
          .as(dev.toString())
          .doesNotContain("not healthy")
          .endsWith("curl http://127.0.0.1:" + port + "/test/");
      assertThat(dev.out())
          .anySatisfy(line -> assertThat(line).contains("gateway", "/test/ -> test"));

      HttpResponse<String> answer =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/test/hello"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("pong\n");

      List<ProcessHandle> started = dev.handle().descendants().toList();
      assertThat(started.stream().map(ProcessHandle::pid))
          .containsAll(dev.replicaPids())
          .isNotEmpty();

      assertThat(dev.terminate(Duration.ofSeconds(60))).as(dev.toString()).isZero();
      assertThat(started).noneMatch(ProcessHandle::isAlive);
      assertThat(dev.out()).as(dev.toString()).last().isEqualTo("stopped");
    }
  }
}
