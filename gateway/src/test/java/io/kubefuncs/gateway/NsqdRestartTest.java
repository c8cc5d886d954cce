package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdProcess;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * nsqd goes away and comes back on the same address: the gateway keeps answering throughout, 503
 * while nsqd is gone and 200 again once it is back, and never leaves a request hanging.
 */
class NsqdRestartTest {
  // Per test: this class stops and restarts its nsqd.
  @RegisterExtension NsqExtension nsq = NsqExtension.nsqd();

  /** Bounds every request: a request that hangs fails the test with HttpTimeoutException. */
  static final Duration NO_HANG = Duration.ofSeconds(5);

  @ParameterizedTest(name = "nsqd {0}")
  @ValueSource(strings = {"stopped", "killed"})
  void whileNsqdIsDownRequestsAre503AndAfterItsRestartTheyAre200Again(String how) throws Exception {
    NsqdProcess nsqd = nsq.nsqdProcess();
    List<Integer> statuses = new CopyOnWriteArrayList<>();
    try (Client function =
            Client.builder()
                .nsqd(nsqd.tcpAddress())
                .clientId("fn")
                .registry(new PrometheusRegistry())
                .build();
        TestGateway gateway =
            TestGateway.builder(nsqd.tcpAddress())
                // A route timeout under NO_HANG: a call caught by the outage ends as 504, not as a
                // hang.
                .routes("routes:\n  /ping/: {topic: ping, timeout: 2s}\n")
                .start()
                .awaitHealthy()) {
      function
          .on("ping", "default", msg -> msg.respond(GatewayResponse.ok("pong\n")))
          .ready()
          .join();
      assertThat(get(gateway, "/ping/", statuses))
          .as("the first request once /healthz is 200")
          .isEqualTo(200);

      if (how.equals("killed")) {
        nsqd.kill();
      } else {
        nsqd.stop();
      }

      await("503 while nsqd is down")
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> get(gateway, "/ping/", statuses) == 503);
      assertThat(get(gateway, "/healthz", statuses)).isEqualTo(503);
      var unavailable = gateway.get("/ping/");
      assertThat(unavailable.statusCode()).isEqualTo(503);
      assertThat(unavailable.body()).contains("\"error\":\"nsq_unavailable\"");

      nsqd.restart();

      // No request is needed to reconnect: the gateway does it in the background, and /healthz
      // says so; the first request after that is served.
      await("/healthz 200 after nsqd is back")
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> get(gateway, "/healthz", statuses) == 200);
      for (int i = 0; i < 5; i++) {
        assertThat(get(gateway, "/ping/", statuses)).as("steadily back").isEqualTo(200);
      }
      // Only answers, and only these: ok, unavailable, or a call caught mid-outage timing out.
      assertThat(Set.copyOf(statuses)).as("%s", statuses).isSubsetOf(Set.of(200, 503, 504));
      System.out.println("nsqd " + how + ": statuses seen " + statuses);
    }
  }

  /** GET with a deadline; a hang would throw {@link HttpTimeoutException} and fail the test. */
  private static int get(TestGateway gateway, String path, List<Integer> statuses) {
    int status =
        TestGateway.send(gateway.request(path).timeout(NO_HANG).GET().build()).statusCode();
    statuses.add(status);
    return status;
  }
}
