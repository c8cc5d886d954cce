package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A caller whose own NsqConfig lets nsqd buffer (as one made for a bulk consumer does) still gets
 * its answers at once: nsqd holds what it sends a buffered connection with RDY above 1 until its
 * output buffer timer (250 ms by default), and sequential calls fall in step with that timer.
 */
class CallLatencyTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  @Test
  void sequentialCallsFromABufferedClientAreNotHeldByNsqdsFlushTimer() throws Exception {
    String nsqd = nsq.nsqdProcess().tcpAddress();
    try (Client function =
            Client.builder().nsqd(nsqd).clientId("fn").registry(new PrometheusRegistry()).build();
        Client caller =
            Client.builder()
                .nsqd(nsqd)
                .clientId("bulk")
                .registry(new PrometheusRegistry())
                .nsqConfig(NsqConfig.builder().build())
                .build()) {
      // Max in flight 1: nsqd flushes to the function at once, so any delay is on the answer's way
      // back.
      function
          .on(
              "echo",
              "default",
              1,
              SubscriptionOptions.defaults("echo"),
              msg -> msg.respond(StringValue.of("now")))
          .ready()
          .join();
      caller
          .call("echo", StringValue.of("warm-up"), Duration.ofSeconds(10))
          .get(10, TimeUnit.SECONDS);

      long[] millis = new long[21];
      for (int i = 0; i < millis.length; i++) {
        long start = System.nanoTime();
        caller
            .call("echo", StringValue.of("call " + i), Duration.ofSeconds(10))
            .get(10, TimeUnit.SECONDS);
        millis[i] = (System.nanoTime() - start) / 1_000_000;
      }

      Arrays.sort(millis);
      assertThat(millis[millis.length / 2])
          .as("median of %s ms", Arrays.toString(millis))
          .isLessThan(100);
    }
  }
}
