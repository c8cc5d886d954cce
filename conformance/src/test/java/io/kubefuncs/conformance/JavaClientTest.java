package io.kubefuncs.conformance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.nsq.NsqConsumer;
import io.kubefuncs.nsq.NsqProducer;
import io.kubefuncs.testkit.NsqdStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;

/** The Kubefuncs NSQ client end to end, as functions and the gateway use it. */
class JavaClientTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  @ConformanceTest
  void publishesWithPubMpubAndDpubAndConsumesThroughLookupd(Broker broker) {
    String topic = UniqueNames.topic("java-client");
    Queue<String> received = new ConcurrentLinkedQueue<>();
    Queue<Integer> attempts = new ConcurrentLinkedQueue<>();
    try (NsqProducer producer = NsqProducer.create(broker.tcpHostPort())) {
      producer.publish(topic, bytes("pub")).join();
      producer.multiPublish(topic, List.of(bytes("mpub 1"), bytes("mpub 2"))).join();
      producer.deferredPublish(topic, Duration.ofMillis(200), bytes("dpub")).join();
    }
    LookupdRegistration.awaitTopic(broker, topic);

    try (NsqConsumer consumer =
        NsqConsumer.builder(topic, "ch")
            .lookupd(broker.lookupdHttpHostPort())
            .config(NsqConfig.builder().maxInFlight(10).build())
            .handler(
                message -> {
                  received.add(new String(message.body(), UTF_8));
                  attempts.add(message.attempts());
                })
            .build()
            .start()) {
      consumer.ready().join();
      await().atMost(TIMEOUT).until(() -> received.size() >= 4);
      assertThat(received).containsExactlyInAnyOrder("pub", "mpub 1", "mpub 2", "dpub");
      assertThat(attempts).containsOnly(1);
      await().atMost(TIMEOUT).until(() -> NsqdStats.channelEmpty(broker.httpUrl(), topic, "ch"));
    }
  }

  @ConformanceTest
  void thousandsOfMessagesReachTwoConsumersOfAChannelExactlyOnce(Broker broker) {
    String topic = UniqueNames.topic("java-many");
    List<String> sent = IntStream.range(0, 5000).mapToObj(i -> "message " + i).toList();
    Map<String, Integer> received = new ConcurrentHashMap<>();
    NsqConfig config = NsqConfig.builder().maxInFlight(50).build();
    try (NsqConsumer first = counting(broker, topic, config, received);
        NsqConsumer second = counting(broker, topic, config, received);
        NsqProducer producer = NsqProducer.create(broker.tcpHostPort())) {
      first.ready().join();
      second.ready().join();
      // Single publishes queued at once: the producer pipelines them and folds runs into MPUBs.
      CompletableFuture.allOf(
              sent.stream()
                  .map(body -> producer.publish(topic, bytes(body)))
                  .toArray(CompletableFuture[]::new))
          .join();

      await().atMost(TIMEOUT).until(() -> received.size() >= sent.size());
      assertThat(received.keySet()).containsExactlyInAnyOrderElementsOf(sent);
      assertThat(received.values()).as("deliveries per message").containsOnly(1);
      await().atMost(TIMEOUT).until(() -> NsqdStats.channelEmpty(broker.httpUrl(), topic, "ch"));
    }
  }

  @ConformanceTest
  void aFailingHandlerIsRetriedWithBackoffUntilItSucceeds(Broker broker) {
    String topic = UniqueNames.topic("java-retry");
    Queue<Integer> attempts = new ConcurrentLinkedQueue<>();
    try (NsqConsumer consumer =
            NsqConsumer.builder(topic, "ch")
                .nsqd(broker.tcpHostPort())
                .config(
                    NsqConfig.builder()
                        .requeueDelay(Duration.ZERO, Duration.ZERO)
                        .backoff(Duration.ofMillis(20), Duration.ofMillis(100))
                        .build())
                .handler(
                    message -> {
                      attempts.add(message.attempts());
                      if (message.attempts() < 3) {
                        throw new IllegalStateException("fails twice");
                      }
                    })
                .build()
                .start();
        NsqProducer producer = NsqProducer.create(broker.tcpHostPort())) {
      consumer.ready().join();
      producer.publish(topic, bytes("flaky")).join();

      await().atMost(TIMEOUT).until(() -> consumer.stats().finished() == 1);
      assertThat(attempts).containsExactly(1, 2, 3);
      assertThat(NsqdStats.channel(broker.httpUrl(), topic, "ch").path("requeue_count").asLong())
          .isEqualTo(2);
    }
  }

  private static NsqConsumer counting(
      Broker broker, String topic, NsqConfig config, Map<String, Integer> deliveries) {
    return NsqConsumer.builder(topic, "ch")
        .nsqd(broker.tcpHostPort())
        .config(config)
        .handler(message -> deliveries.merge(new String(message.body(), UTF_8), 1, Integer::sum))
        .build()
        .start();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }
}
