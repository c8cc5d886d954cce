package io.kubefuncs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import io.kubefuncs.nsq.NsqProducer;
import io.kubefuncs.proto.DeadLetter;
import io.kubefuncs.proto.Event;
import io.kubefuncs.testkit.MetricsText;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdStats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What cannot succeed ends on the dead-letter topic exactly once, as a {@link DeadLetter} that a
 * plain NSQ consumer can read: poison events after their last attempt, undecodable bodies at once.
 */
class DeadLetterTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  private static Client client;
  private static PrometheusRegistry registry;

  @BeforeAll
  static void client() {
    registry = new PrometheusRegistry();
    client = Client.builder().nsqd(nsq.nsqdProcess().tcpAddress()).registry(registry).build();
  }

  @AfterAll
  static void close() {
    client.close();
  }

  @Test
  void poisonEventIsRetriedThenDeadLetteredOnceWithItsBodyAndReason() throws Exception {
    String topic = "poison";
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    AtomicReference<String> eventId = new AtomicReference<>();
    try (DeadLetterSink dead = new DeadLetterSink(nsq.nsqdProcess().tcpAddress(), "poison.dead");
        Subscription s =
            client.on(
                topic,
                "default",
                8,
                SubscriptionOptions.defaults(topic)
                    .withMaxAttempts(3)
                    .withRetryBase(Duration.ofMillis(10)),
                msg -> {
                  eventId.set(msg.id());
                  attempts.add(msg.attempts());
                  throw new IllegalArgumentException("cannot parse invoice #" + msg.attempts());
                })) {
      s.ready().join();
      client.emit(topic, StringValue.of("invoice-17")).join();

      await().atMost(Duration.ofSeconds(15)).until(() -> dead.letters().size() == 1);
      // Nothing is left to be delivered again: no further dead letter can come.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> NsqdStats.channelEmpty(nsq.nsqdProcess().httpUrl(), topic, "default"));
      assertThat(
              NsqdStats.topic(nsq.nsqdProcess().httpUrl(), "poison.dead")
                  .path("message_count")
                  .asLong())
          .isEqualTo(1);
      assertThat(dead.letters()).hasSize(1);
      assertThat(dead.undecodable()).isEmpty();
      assertThat(attempts).containsExactly(1, 2, 3);

      DeadLetter letter = dead.letters().get(0);
      assertThat(letter.getAttempts()).isEqualTo(3);
      assertThat(letter.getReason()).contains("cannot parse invoice #3");
      assertThat(letter.getTopic()).isEqualTo(topic);
      assertThat(letter.getChannel()).isEqualTo("default");
      assertThat(letter.getMessageId()).hasSize(16);
      Event original = Event.parseFrom(letter.getBody());
      assertThat(original.getId()).isEqualTo(eventId.get());
      assertThat(original.getTopic()).isEqualTo(topic);
      assertThat(original.getPayload().unpack(StringValue.class).getValue())
          .isEqualTo("invoice-17");
    }
  }

  @Test
  void undecodableBodyIsDeadLetteredAtOnceWithoutCallingTheHandler() throws Exception {
    String topic = "garbage";
    byte[] body = "not protobuf \u00ff".getBytes(ISO_8859_1);
    assertThatThrownBy(() -> Event.parseFrom(body))
        .as("the body really is not an Event")
        .isInstanceOf(InvalidProtocolBufferException.class);
    AtomicInteger handlerCalls = new AtomicInteger();
    try (DeadLetterSink dead = new DeadLetterSink(nsq.nsqdProcess().tcpAddress(), "garbage.dead");
        NsqProducer raw = NsqProducer.create(nsq.nsqdProcess().tcpAddress());
        Subscription s =
            client.on(
                topic,
                "default",
                8,
                SubscriptionOptions.defaults(topic),
                msg -> handlerCalls.incrementAndGet())) {
      s.ready().join();
      raw.publish(topic, body).join();

      await().atMost(Duration.ofSeconds(10)).until(() -> dead.letters().size() == 1);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> NsqdStats.channelEmpty(nsq.nsqdProcess().httpUrl(), topic, "default"));
      DeadLetter letter = dead.letters().get(0);
      assertThat(letter.getAttempts()).isEqualTo(1);
      assertThat(letter.getBody().toByteArray()).isEqualTo(body);
      assertThat(letter.getReason()).contains("not a kubefuncs Event");
      assertThat(letter.getTopic()).isEqualTo(topic);
      assertThat(handlerCalls).hasValue(0);
      assertThat(
              NsqdStats.channel(nsq.nsqdProcess().httpUrl(), topic, "default")
                  .path("requeue_count")
                  .asLong())
          .isZero();
      MetricsText m = Scrapes.of(registry);
      assertThat(
              m.value(
                  "kubefuncs_messages_handled_total",
                  Map.of("topic", topic, "outcome", "dead_lettered")))
          .isEqualTo(1.0);
    }
  }
}
