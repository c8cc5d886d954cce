package io.kubefuncs.conformance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** PUB, MPUB and DPUB over TCP: acknowledged with {@code OK}, delivered byte for byte. */
class PublishTest {
  @ConformanceTest
  void pubDeliversTheBodyByteForByte(Broker broker) {
    String topic = UniqueNames.topic("pub");
    byte[] body = new byte[256];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) i; // every byte value, newlines and NULs included
    }
    try (WireClient consumer = consumer(broker, topic);
        WireClient producer = WireClient.connect(broker)) {
      producer.send("PUB " + topic, body);
      producer.expectOk();

      assertThat(consumer.expectMessage().body()).isEqualTo(body);
    }
  }

  @ConformanceTest
  void aMessageOfTheMaximumSizeIsDeliveredIntact(Broker broker) {
    String topic = UniqueNames.topic("max-size");
    byte[] body = new byte[1024 * 1024]; // nsqd's default --max-msg-size
    new Random(42).nextBytes(body);
    try (WireClient consumer = consumer(broker, topic);
        WireClient producer = WireClient.connect(broker)) {
      producer.send("PUB " + topic, body);
      producer.expectOk();

      assertThat(consumer.expectMessage().body()).isEqualTo(body);
    }
  }

  @ConformanceTest
  void mpubDeliversEveryMessage(Broker broker) {
    String topic = UniqueNames.topic("mpub");
    List<byte[]> bodies =
        List.of("one".getBytes(UTF_8), "two\nlines".getBytes(UTF_8), new byte[] {0, 1, 2});
    try (WireClient consumer = consumer(broker, topic);
        WireClient producer = WireClient.connect(broker)) {
      producer.sendMulti("MPUB " + topic, bodies);
      producer.expectOk();

      List<byte[]> received = new ArrayList<>();
      for (int i = 0; i < bodies.size(); i++) {
        received.add(consumer.expectMessage().body());
      }
      assertThat(received).containsExactlyInAnyOrderElementsOf(bodies);
      consumer.assertSilentFor(Duration.ofMillis(200));
    }
  }

  @ConformanceTest
  void dpubHoldsTheMessageBackForItsDelay(Broker broker) {
    String topic = UniqueNames.topic("dpub");
    Duration delay = Duration.ofMillis(500);
    try (WireClient consumer = consumer(broker, topic);
        WireClient producer = WireClient.connect(broker)) {
      long sent = System.nanoTime();
      producer.send("DPUB " + topic + " " + delay.toMillis(), "later".getBytes(UTF_8));
      producer.expectOk();

      MessageFrame message = consumer.expectMessage(WireClient.LATE_DELIVERY_TIMEOUT);
      Duration waited = Duration.ofNanos(System.nanoTime() - sent);
      assertThat(message.bodyText()).isEqualTo("later");
      assertThat(message.attempts()).isEqualTo(1);
      assertThat(waited).as("time from DPUB to delivery").isGreaterThanOrEqualTo(delay);
    }
  }

  @ConformanceTest
  void aPublisherMayPublishToManyTopicsOnOneConnection(Broker broker) {
    String first = UniqueNames.topic("many-a");
    String second = UniqueNames.topic("many-b");
    try (WireClient firstConsumer = consumer(broker, first);
        WireClient secondConsumer = consumer(broker, second);
        WireClient producer = WireClient.connect(broker)) {
      producer.publish(first, "to a");
      producer.publish(second, "to b");
      producer.sendMulti("MPUB " + first, List.of("to a again".getBytes(UTF_8)));
      producer.expectOk();

      assertThat(
              List.of(
                  firstConsumer.expectMessage().bodyText(),
                  firstConsumer.expectMessage().bodyText()))
          .containsExactlyInAnyOrder("to a", "to a again");
      assertThat(secondConsumer.expectMessage().bodyText()).isEqualTo("to b");
    }
  }

  private static WireClient consumer(Broker broker, String topic) {
    return WireClient.consumer(broker, topic, "ch", 10);
  }
}
