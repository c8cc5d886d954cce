package io.kubefuncs.devbroker;

import static io.kubefuncs.devbroker.TestBrokers.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.nsq.NsqConsumer;
import io.kubefuncs.nsq.NsqErrorException;
import io.kubefuncs.nsq.NsqMessage;
import io.kubefuncs.nsq.NsqProducer;
import io.kubefuncs.nsq.internal.LookupdClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our NSQ client (the one functions and the gateway use) against the dev broker. */
class JavaClientTest {
  private static final NsqConfig NO_BACKOFF =
      NsqConfig.builder()
          .backoff(Duration.ofSeconds(1), Duration.ZERO)
          .requeueDelay(Duration.ofMillis(10), Duration.ofMillis(10))
          .build();

  private static DevBroker broker;
  private static NsqProducer producer;

  @BeforeAll
  static void startBroker() {
    broker = TestBrokers.start();
    producer = NsqProducer.create(TestBrokers.hostPort(broker.tcpAddress()));
  }

  @AfterAll
  static void stopBroker() {
    producer.close();
    broker.close();
  }

  private static NsqConsumer.Builder consumer(String topic, String channel) {
    return NsqConsumer.builder(topic, channel).nsqd(TestBrokers.hostPort(broker.tcpAddress()));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void publishMultiPublishAndDeferredPublishArrive() {
    String topic = unique("t");
    List<String> received = new CopyOnWriteArrayList<>();
    try (NsqConsumer consumer =
        consumer(topic, "c")
            .config(NsqConfig.builder().maxInFlight(10).build())
            .handler(m -> received.add(new String(m.body(), StandardCharsets.UTF_8)))
            .build()
            .start()) {
      consumer.ready().join();

      long deferredAt = System.nanoTime();
      producer.deferredPublish(topic, Duration.ofMillis(500), bytes("deferred")).join();
      producer.publish(topic, bytes("one")).join();
      producer.multiPublish(topic, List.of(bytes("two"), bytes("three"))).join();

      await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 4);
      assertThat(received).containsExactly("one", "two", "three", "deferred");
      assertThat(Duration.ofNanos(System.nanoTime() - deferredAt))
          .isGreaterThanOrEqualTo(Duration.ofMillis(500));
    }
  }

  @Test
  void aFailingHandlerGetsTheMessageAgainWithMoreAttempts() {
    String topic = unique("t");
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    try (NsqConsumer consumer =
        consumer(topic, "c")
            .config(NO_BACKOFF)
            .handler(
                m -> {
                  attempts.add(m.attempts());
                  if (m.attempts() < 3) {
                    throw new IllegalStateException("not yet");
                  }
                })
            .build()
            .start()) {
      consumer.ready().join();
      producer.publish(topic, bytes("flaky")).join();

      await().atMost(Duration.ofSeconds(5)).until(() -> consumer.stats().finished() == 1);
      assertThat(attempts).containsExactly(1, 2, 3);
    }
  }

  @Test
  void aConsumerFindsTheBrokerThroughTheEmbeddedLookupd() {
    String topic = unique("t");
    producer.publish(topic, bytes("found")).join();
    List<String> received = new CopyOnWriteArrayList<>();
    try (NsqConsumer consumer =
        NsqConsumer.builder(topic, "c")
            .lookupd(TestBrokers.hostPort(broker.lookupdHttpAddress()))
            .handler(m -> received.add(new String(m.body(), StandardCharsets.UTF_8)))
            .build()
            .start()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> received.contains("found"));
    }
    LookupdClient lookupd = new LookupdClient(Duration.ofSeconds(5));
    String address = TestBrokers.hostPort(broker.lookupdHttpAddress());
    assertThat(lookupd.topics(address).join()).contains(topic);
    assertThat(lookupd.lookup(address, topic).join()).hasSize(1);
    assertThat(lookupd.nodes(address).join()).hasSize(1);
  }

  @Test
  void tenThousandMessagesAreSharedByTwoConsumersExactlyOnce() {
    String topic = unique("t");
    Map<String, Integer> seen = new ConcurrentHashMap<>();
    AtomicInteger duplicates = new AtomicInteger();
    List<NsqConsumer> consumers = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        NsqConsumer consumer =
            consumer(topic, "c")
                .config(NsqConfig.builder().maxInFlight(100).build())
                .handler(
                    (NsqMessage m) -> {
                      if (seen.put(new String(m.body(), StandardCharsets.UTF_8), 1) != null) {
                        duplicates.incrementAndGet();
                      }
                    })
                .build()
                .start();
        consumers.add(consumer);
        consumer.ready().join();
      }
      List<byte[]> batch = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        batch.add(bytes("m" + i));
        if (batch.size() == 500) {
          producer.multiPublish(topic, batch).join();
          batch = new ArrayList<>();
        }
      }

      await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() == 10_000);
      assertThat(duplicates).hasValue(0);
      assertThat(consumers).allSatisfy(c -> assertThat(c.stats().finished()).isPositive());
    } finally {
      consumers.forEach(NsqConsumer::close);
    }
  }

  @Test
  void aRefusedPublishFailsWithNsqdsCode() throws IOException {
    try (DevBroker small = TestBrokers.onFreePorts().memQueueSize(1).start();
        NsqProducer smallProducer = NsqProducer.create(TestBrokers.hostPort(small.tcpAddress()))) {
      smallProducer.publish("t", bytes("fits")).join();

      assertThatThrownBy(() -> smallProducer.publish("t", bytes("does not")).join())
          .hasCauseInstanceOf(NsqErrorException.class)
          .cause()
          .satisfies(e -> assertThat(((NsqErrorException) e).code()).isEqualTo("E_PUB_FAILED"));
    }
  }
}
