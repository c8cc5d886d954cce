package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.StringValue;
import io.kubefuncs.nsq.NsqProducer;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.NsqdStats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A handler that runs past nsqd's msg_timeout keeps its event: the SDK TOUCHes it meanwhile. */
class LongHandlerTest {
  @RegisterExtension
  static NsqExtension nsq = NsqExtension.nsqd(b -> b.msgTimeout(Duration.ofSeconds(1)));

  private static final String TOPIC = "slow-job";

  @Test
  void handlerThreeTimesLongerThanMsgTimeoutRunsOnceAndIsNotTimedOut() {
    NsqdProcess nsqd = nsq.nsqdProcess();
    awaitChannelScannedByNsqd(nsqd, TOPIC, "default");
    AtomicInteger started = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    try (Client client =
        Client.builder().nsqd(nsqd.tcpAddress()).registry(new PrometheusRegistry()).build()) {
      Subscription s =
          client.on(
              TOPIC,
              "default",
              msg -> {
                if (msg.payload(StringValue.class).getValue().equals("canary")) {
                  return;
                }
                started.incrementAndGet();
                Thread.sleep(3_000); // the work itself, three msg_timeouts long
                finished.incrementAndGet();
              });
      s.ready().join();
      client.emit(TOPIC, StringValue.of("render")).join();

      await().atMost(Duration.ofSeconds(15)).until(() -> finished.get() == 1);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> NsqdStats.channelEmpty(nsqd.httpUrl(), TOPIC, "default"));

      assertThat(started)
          .as("delivered once: never handed out again while being worked on")
          .hasValue(1);
      JsonNode channel = NsqdStats.channel(nsqd.httpUrl(), TOPIC, "default");
      assertThat(channel.path("timeout_count").asLong()).as(channel.toString()).isZero();
      assertThat(channel.path("requeue_count").asLong()).as(channel.toString()).isZero();
      assertThat(channel.path("message_count").asLong()).as("the canary and the job").isEqualTo(2);
    }
  }

  /**
   * nsqd looks for timed-out messages only in the channels its queue scanner knows, a list it
   * refreshes every 5 s. Without this, a channel created just now could go unscanned for the whole
   * handler and the test would pass even if nothing TOUCHed. A deferred canary leaves the deferred
   * queue only when the scanner visits the channel, which proves it does.
   */
  private static void awaitChannelScannedByNsqd(NsqdProcess nsqd, String topic, String channel) {
    nsqd.createTopic(topic);
    try (NsqProducer producer = NsqProducer.create(nsqd.tcpAddress())) {
      producer.connect().join();
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      try {
        var response =
            http.send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(
                            nsqd.httpUrl()
                                + "/channel/create?topic="
                                + topic
                                + "&channel="
                                + channel))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      } catch (java.io.IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
      producer
          .deferredPublish(
              topic,
              Duration.ofMillis(1),
              Events.newEvent(topic, "", StringValue.of("canary")).toByteArray())
          .join();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                JsonNode c = NsqdStats.channel(nsqd.httpUrl(), topic, channel);
                return c.path("deferred_count").asLong() == 0 && c.path("depth").asLong() == 1;
              });
    }
  }
}
