package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.StringValue;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdStats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stopping a subscription (what SIGTERM does through {@code Function.drain}) finishes the events in
 * hand and tells nsqd so before disconnecting: nsqd keeps the in-flight messages of a client that
 * went away until their msg_timeout, then hands them out again, so a FIN that is not on the wire
 * when the connection closes means the event is processed twice, a minute later.
 */
class DrainTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  /**
   * Many handlers returning at the same moment while the subscription stops. Losing a FIN is a
   * race, so the scenario runs a few rounds; one lost FIN in any round fails the test.
   */
  @Test
  void stopWaitsForEventsInHandAndEveryFinReachesNsqdBeforeTheConnectionCloses() throws Exception {
    try (Client client =
        Client.builder()
            .nsqd(nsq.nsqdProcess().tcpAddress())
            .registry(new PrometheusRegistry())
            .build()) {
      for (int round = 1; round <= 3; round++) {
        stopWhileEveryHandlerReturns(client, "drain-fin-" + round, 200);
      }
    }
  }

  private static void stopWhileEveryHandlerReturns(Client client, String topic, int events)
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger completed = new AtomicInteger();
    Subscription s =
        client.on(
            topic,
            "default",
            256,
            SubscriptionOptions.defaults(topic),
            msg -> {
              release.await();
              completed.incrementAndGet();
            });
    try {
      s.ready().join();
      for (int i = 0; i < events; i++) {
        client.emit(topic, StringValue.of("e" + i));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> s.inFlight() == events);

      CompletableFuture<Void> stopped = s.stop(Duration.ofSeconds(20));
      assertThat(stopped).as("stop waits for the events in hand").isNotDone();
      release.countDown(); // every handler returns at about the same moment
      stopped.get(20, TimeUnit.SECONDS);

      assertThat(completed).hasValue(events);
      // FINs written before the close are read by nsqd within milliseconds; one never written
      // leaves its message in flight for nsqd's 60 s msg_timeout.
      await("every FIN of " + topic + " reached nsqd")
          .atMost(Duration.ofSeconds(3))
          .untilAsserted(
              () -> {
                JsonNode c = NsqdStats.channel(nsq.nsqdProcess().httpUrl(), topic, "default");
                assertThat(c.path("in_flight_count").asLong()).as(c.toString()).isZero();
                assertThat(c.path("depth").asLong()).as(c.toString()).isZero();
              });
    } finally {
      release.countDown();
    }
  }
}
