package io.kubefuncs.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.testkit.NsqdStats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** SUB, RDY, FIN, REQ, TOUCH, NOP and CLS as a consumer sees them, down to the message frame. */
class ConsumeTest {
  private static final Duration STATS_TIMEOUT = Duration.ofSeconds(5);

  @ConformanceTest
  void aMessageFrameCarriesTimestampAttemptsIdAndBody(Broker broker) {
    String topic = UniqueNames.topic("layout");
    try (WireClient consumer = WireClient.consumer(broker, topic, "ch", 10);
        WireClient producer = WireClient.connect(broker)) {
      long before = epochNanos();
      producer.publish(topic, "first");
      producer.publish(topic, "second");
      MessageFrame first = consumer.expectMessage();
      MessageFrame second = consumer.expectMessage();
      long after = epochNanos();

      for (MessageFrame message : new MessageFrame[] {first, second}) {
        // Nanoseconds since the epoch, stamped at publication; 1 ms of slack for a coarser clock.
        assertThat(message.timestampNanos()).isBetween(before - 1_000_000, after + 1_000_000);
        assertThat(message.attempts()).isEqualTo(1);
        assertThat(message.id()).as("id, sent back as text in FIN").matches("[0-9a-f]{16}");
      }
      assertThat(first.id()).isNotEqualTo(second.id());
      assertThat(List.of(first.bodyText(), second.bodyText()))
          .containsExactlyInAnyOrder("first", "second");
    }
  }

  @ConformanceTest
  void rdyBoundsTheMessagesInFlightAndFinFreesASlot(Broker broker) {
    String topic = UniqueNames.topic("rdy");
    try (WireClient consumer = WireClient.connect(broker);
        WireClient producer = WireClient.connect(broker)) {
      consumer.subscribe(topic, "ch");
      producer.sendMulti("MPUB " + topic, List.of(bytes("a"), bytes("b"), bytes("c"), bytes("d")));
      producer.expectOk();
      consumer.assertSilentFor(Duration.ofMillis(300)); // RDY is 0 after SUB

      consumer.send("RDY 2");
      MessageFrame first = consumer.expectMessage();
      MessageFrame second = consumer.expectMessage();
      consumer.assertSilentFor(Duration.ofMillis(300)); // two in flight, RDY 2: no more
      consumer.send("FIN " + first.id());
      MessageFrame third = consumer.expectMessage(); // a slot is free again
      consumer.send("RDY 0");
      consumer.send("FIN " + second.id());
      consumer.send("FIN " + third.id());
      consumer.assertSilentFor(Duration.ofMillis(300)); // RDY 0: the fourth waits

      assertThat(List.of(first.bodyText(), second.bodyText(), third.bodyText()))
          .doesNotHaveDuplicates();
      await()
          .atMost(STATS_TIMEOUT)
          .untilAsserted(
              () -> {
                var channel = NsqdStats.channel(broker.httpUrl(), topic, "ch");
                assertThat(channel.path("message_count").asLong()).isEqualTo(4);
                assertThat(channel.path("depth").asLong()).isEqualTo(1);
                assertThat(channel.path("in_flight_count").asLong()).isZero();
                assertThat(channel.path("clients").get(0).path("finish_count").asLong())
                    .isEqualTo(3);
              });
    }
  }

  @ConformanceTest
  void reqRedeliversTheSameMessageWithOneMoreAttempt(Broker broker) {
    String topic = UniqueNames.topic("req");
    try (WireClient consumer = WireClient.consumer(broker, topic, "ch", 1);
        WireClient producer = WireClient.connect(broker)) {
      producer.publish(topic, "again");
      MessageFrame first = consumer.expectMessage();
      consumer.send("REQ " + first.id() + " 0");
      MessageFrame second = consumer.expectMessage();
      consumer.send("REQ " + second.id() + " 0");
      MessageFrame third = consumer.expectMessage();
      consumer.send("FIN " + third.id());

      assertThat(first.attempts()).isEqualTo(1);
      assertThat(second.attempts()).isEqualTo(2);
      assertThat(third.attempts()).isEqualTo(3);
      for (MessageFrame redelivered : new MessageFrame[] {second, third}) {
        assertThat(redelivered.id()).isEqualTo(first.id());
        assertThat(redelivered.bodyText()).isEqualTo("again");
        assertThat(redelivered.timestampNanos())
            .as("the publication time is kept")
            .isEqualTo(first.timestampNanos());
      }
      await()
          .atMost(STATS_TIMEOUT)
          .untilAsserted(
              () -> {
                var channel = NsqdStats.channel(broker.httpUrl(), topic, "ch");
                assertThat(channel.path("requeue_count").asLong()).isEqualTo(2);
                assertThat(channel.path("in_flight_count").asLong()).isZero();
              });
    }
  }

  @ConformanceTest
  void reqWithADelayDefersTheRedelivery(Broker broker) {
    String topic = UniqueNames.topic("req-delay");
    Duration delay = Duration.ofMillis(500);
    try (WireClient consumer = WireClient.consumer(broker, topic, "ch", 1);
        WireClient producer = WireClient.connect(broker)) {
      producer.publish(topic, "later");
      MessageFrame first = consumer.expectMessage();
      long requeued = System.nanoTime();
      consumer.send("REQ " + first.id() + " " + delay.toMillis());
      MessageFrame second = consumer.expectMessage(WireClient.LATE_DELIVERY_TIMEOUT);
      Duration waited = Duration.ofNanos(System.nanoTime() - requeued);
      consumer.send("FIN " + second.id());

      assertThat(second.id()).isEqualTo(first.id());
      assertThat(second.attempts()).isEqualTo(2);
      assertThat(waited).as("time from REQ to redelivery").isGreaterThanOrEqualTo(delay);
    }
  }

  @ConformanceTest
  void anUnansweredMessageIsRedeliveredAfterTheNegotiatedMsgTimeout(Broker broker) {
    String topic = UniqueNames.topic("msg-timeout");
    try (WireClient consumer = WireClient.connect(broker);
        WireClient producer = WireClient.connect(broker)) {
      consumer.negotiate(Map.of("msg_timeout", 1000));
      consumer.subscribe(topic, "ch");
      consumer.send("RDY 1");
      producer.publish(topic, "forgotten");

      MessageFrame first = consumer.expectMessage();
      long delivered = System.nanoTime();
      MessageFrame second = consumer.expectMessage(WireClient.LATE_DELIVERY_TIMEOUT);
      Duration waited = Duration.ofNanos(System.nanoTime() - delivered);
      consumer.send("FIN " + second.id());

      assertThat(second.id()).isEqualTo(first.id());
      assertThat(second.attempts()).isEqualTo(2);
      // The timer starts when the broker sends; allow for the first frame arriving late.
      assertThat(waited).as("time to redelivery").isGreaterThanOrEqualTo(Duration.ofMillis(900));
      await()
          .atMost(STATS_TIMEOUT)
          .untilAsserted(
              () ->
                  assertThat(
                          NsqdStats.channel(broker.httpUrl(), topic, "ch")
                              .path("timeout_count")
                              .asLong())
                      .isEqualTo(1));
    }
  }

  @ConformanceTest
  void touchRestartsTheMsgTimeout(Broker broker) {
    String topic = UniqueNames.topic("touch");
    Duration msgTimeout = Duration.ofSeconds(2);
    try (WireClient consumer = WireClient.connect(broker);
        WireClient producer = WireClient.connect(broker)) {
      consumer.negotiate(Map.of("msg_timeout", msgTimeout.toMillis()));
      consumer.subscribe(topic, "ch");
      consumer.send("RDY 1");
      producer.publish(topic, "slow work");
      MessageFrame message = consumer.expectMessage();

      // Held for 1.5 timeouts, touched every half: without TOUCH it would come back at 2 s.
      for (int i = 0; i < 3; i++) {
        consumer.assertSilentFor(msgTimeout.dividedBy(2));
        consumer.send("TOUCH " + message.id());
      }
      consumer.send("FIN " + message.id());
      consumer.assertOpen(); // no E_FIN_FAILED: the message was still ours

      assertThat(NsqdStats.channel(broker.httpUrl(), topic, "ch").path("timeout_count").asLong())
          .isZero();
    }
  }

  @ConformanceTest
  void nopIsNotAnswered(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("NOP");
      client.assertOpen(); // the next frame is the OK of the PUB, nothing for the NOP
    }
  }

  @ConformanceTest
  void clsAnswersCloseWaitThenDeliversNothingButLetsInFlightMessagesFinish(Broker broker) {
    String topic = UniqueNames.topic("cls");
    try (WireClient consumer = WireClient.consumer(broker, topic, "ch", 10);
        WireClient producer = WireClient.connect(broker)) {
      producer.publish(topic, "in flight");
      MessageFrame inFlight = consumer.expectMessage();

      consumer.send("CLS");
      consumer.expectResponse("CLOSE_WAIT");
      producer.publish(topic, "after CLS");
      consumer.assertSilentFor(Duration.ofMillis(300));
      consumer.send("FIN " + inFlight.id());
      consumer.assertOpen();

      await()
          .atMost(STATS_TIMEOUT)
          .untilAsserted(
              () -> {
                var channel = NsqdStats.channel(broker.httpUrl(), topic, "ch");
                assertThat(channel.path("depth").asLong())
                    .as("the message published after CLS waits")
                    .isEqualTo(1);
                assertThat(channel.path("in_flight_count").asLong()).isZero();
              });
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static long epochNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
