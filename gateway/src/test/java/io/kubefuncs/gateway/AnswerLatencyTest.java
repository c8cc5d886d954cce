package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.SubscriptionOptions;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request to a function that answers at once is answered at once. nsqd holds messages for a
 * buffered consumer connection that may take more than one (RDY above 1) until its output buffer
 * timeout, 250 ms by default; the gateway's return-topic consumer has RDY up to 256, so unless its
 * connections ask nsqd not to buffer, every answer waits up to 250 ms (sequential requests fall in
 * step with nsqd's flush timer and take about 250 ms each).
 */
class AnswerLatencyTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  @Test
  void sequentialRequestsToAnImmediateFunctionTakeMillisecondsNotAQuarterSecond() throws Exception {
    String nsqd = nsq.nsqdProcess().tcpAddress();
    try (Client function =
            Client.builder().nsqd(nsqd).clientId("fn").registry(new PrometheusRegistry()).build();
        TestGateway gateway =
            TestGateway.builder(nsqd).routes("routes:\n  /now/: now\n").start().awaitHealthy()) {
      // Max in flight 1: nsqd flushes to the function at once, so any delay is on the answer's way
      // back.
      function
          .on(
              "now",
              "default",
              1,
              SubscriptionOptions.defaults("now"),
              msg -> msg.respond(GatewayResponse.ok("now")))
          .ready()
          .join();
      gateway.get("/now/warm-up");

      long[] millis = new long[21];
      for (int i = 0; i < millis.length; i++) {
        long start = System.nanoTime();
        assertThat(gateway.get("/now/" + i).statusCode()).isEqualTo(200);
        millis[i] = (System.nanoTime() - start) / 1_000_000;
      }

      Arrays.sort(millis);
      assertThat(millis[millis.length / 2])
          .as("median of %s ms", Arrays.toString(millis))
          .isLessThan(50);
    }
  }
}
