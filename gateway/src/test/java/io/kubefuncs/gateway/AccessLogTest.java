package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The access log of a real gateway: one line per answered request with method, path, route, status
 * and time, whoever answered (no route, the body limit, NSQ being away); none for health checks and
 * scrapes. No nsqd listens where this gateway publishes, so that every answer is the gateway's own;
 * answers from functions are in the CLI's DevLiveIT.
 */
class AccessLogTest {
  private final List<String> lines = new CopyOnWriteArrayList<>();

  @Test
  void everyAnsweredRequestIsOneLineExceptHealthChecksAndScrapes() throws Exception {
    try (TestGateway gateway =
        TestGateway.builder("127.0.0.1:1")
            .routes("routes:\n  /test/: test\n")
            .maxBodyBytes(16)
            .accessLog(lines::add)
            .start()) {
      assertThat(gateway.get("/healthz").statusCode()).isEqualTo(503);
      assertThat(gateway.get("/metrics").statusCode()).isEqualTo(200);
      assertThat(gateway.get("/nope?secret=1").statusCode()).isEqualTo(404);
      assertThat(gateway.post("/test/hello", "hi").statusCode()).isEqualTo(503);
      assertThat(
              TestGateway.send(
                      gateway
                          .request("/test/big")
                          .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100)))
                          .build())
                  .statusCode())
          .isEqualTo(413);

      await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() >= 3);
      assertThat(lines).hasSize(3);
      assertThat(lines.get(0)).matches("GET /nope -> no route 404 [0-9.]+ m?s");
      assertThat(lines.get(1)).matches("POST /test/hello -> /test/ 503 [0-9.]+ m?s");
      assertThat(lines.get(2)).matches("POST /test/big -> /test/ 413 [0-9.]+ m?s");
    }
  }
}
