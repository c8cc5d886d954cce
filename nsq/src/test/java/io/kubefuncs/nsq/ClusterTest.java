package io.kubefuncs.nsq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.nsq.internal.LookupdClient;
import io.kubefuncs.nsq.internal.NsqdNode;
import io.kubefuncs.testkit.NsqCluster;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.NsqdStats;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two real nsqds found through a real nsqlookupd. */
class ClusterTest {
  private static NsqCluster cluster;

  @BeforeAll
  static void start() {
    cluster = NsqCluster.start(1, 2);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static String lookupd() {
    return cluster.lookupds().get(0).httpAddress();
  }

  @Test
  void tenThousandMessagesOverTwoNsqdsNoneLost() {
    String topic = "spread";
    cluster.createTopic(topic);
    cluster.awaitTopicRegistered(topic, 2, Duration.ofSeconds(10));
    Set<Integer> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger duplicates = new AtomicInteger();
    try (NsqConsumer consumer =
        NsqConsumer.builder(topic, "all")
            .lookupd(lookupd())
            .config(NsqConfig.builder().maxInFlight(200).build())
            .handler(
                m -> {
                  if (!seen.add(ByteBuffer.wrap(m.body()).getInt())) {
                    duplicates.incrementAndGet();
                  }
                })
            .build()
            .start()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> consumer.stats().connections() == 2);
      List<CompletableFuture<Void>> acks = new ArrayList<>();
      List<NsqProducer> producers = new ArrayList<>();
      for (NsqdProcess nsqd : cluster.nsqds()) {
        producers.add(NsqProducer.create(nsqd.tcpAddress()));
      }
      for (int i = 0; i < 10_000; i++) {
        acks.add(producers.get(i % 2).publish(topic, ByteBuffer.allocate(4).putInt(i).array()));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
      producers.forEach(NsqProducer::close);

      await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 10_000);
      assertThat(duplicates).hasValue(0);
      for (NsqdProcess nsqd : cluster.nsqds()) {
        assertThat(NsqdStats.finished(nsqd.httpUrl(), topic, "all"))
            .as("messages finished on %s", nsqd.tcpAddress())
            .isEqualTo(5_000);
      }
    }
  }

  @Test
  void maxInFlightIsSpreadOverConnections() {
    String topic = "shares";
    cluster.createTopic(topic);
    cluster.awaitTopicRegistered(topic, 2, Duration.ofSeconds(10));
    try (NsqConsumer consumer =
        NsqConsumer.builder(topic, "ch")
            .lookupd(lookupd())
            .config(NsqConfig.builder().maxInFlight(10).build())
            .handler(m -> {})
            .build()
            .start()) {
      for (NsqdProcess nsqd : cluster.nsqds()) {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> NsqdStats.readyCounts(nsqd.httpUrl(), topic, "ch"),
                c -> c.equals(List.of(5)));
      }
    }
  }

  @Test
  void withFewerInFlightThanConnectionsRdyRotatesSoEveryNsqdDrains() {
    String topic = "rotate";
    cluster.createTopic(topic);
    cluster.awaitTopicRegistered(topic, 2, Duration.ofSeconds(10));
    for (NsqdProcess nsqd : cluster.nsqds()) {
      try (NsqProducer p = NsqProducer.create(nsqd.tcpAddress())) {
        for (int i = 0; i < 20; i++) {
          p.publish(topic, new byte[] {(byte) i}).join();
        }
      }
    }
    NsqConfig config =
        NsqConfig.builder()
            .maxInFlight(1)
            .rdyRedistribution(Duration.ofMillis(100), Duration.ofMillis(200))
            .build();
    try (NsqConsumer consumer =
        NsqConsumer.builder(topic, "ch")
            .lookupd(lookupd())
            .config(config)
            .handler(m -> {})
            .build()
            .start()) {
      await().atMost(Duration.ofSeconds(20)).until(() -> consumer.stats().finished() == 40);
      for (NsqdProcess nsqd : cluster.nsqds()) {
        List<Integer> rdy = NsqdStats.readyCounts(nsqd.httpUrl(), topic, "ch");
        assertThat(rdy.stream().mapToInt(Integer::intValue).sum()).isLessThanOrEqualTo(1);
      }
    }
  }

  @Test
  void everyNodeConsumerIsSubscribedOnAllNsqdsWhenReady() {
    // A return topic exists nowhere yet: only /nodes can tell where responses may appear.
    try (NsqConsumer consumer =
        NsqConsumer.builder("rpc-test#ephemeral", "default#ephemeral")
            .lookupd(lookupd())
            .everyNode(true)
            .handler(m -> {})
            .build()
            .start()) {
      consumer.ready().join();
      for (NsqdProcess nsqd : cluster.nsqds()) {
        assertThat(NsqdStats.readyCounts(nsqd.httpUrl(), "rpc-test#ephemeral", "default#ephemeral"))
            .as("subscription on %s", nsqd.tcpAddress())
            .hasSize(1);
      }
    }
  }

  @Test
  void lookupdClientListsTopicsNodesAndProducers() {
    cluster.createTopic("listed");
    cluster.awaitTopicRegistered("listed", 2, Duration.ofSeconds(10));
    LookupdClient client = new LookupdClient(Duration.ofSeconds(2));
    assertThat(client.topics(lookupd()).join()).contains("listed");
    assertThat(client.nodes(lookupd()).join())
        .extracting(NsqdNode::tcpAddress)
        .containsExactlyInAnyOrderElementsOf(
            cluster.nsqds().stream().map(NsqdProcess::tcpAddress).toList());
    assertThat(client.nodes(lookupd()).join())
        .allSatisfy(
            n -> {
              assertThat(n.hostname()).isNotBlank();
              assertThat(n.version()).isNotBlank();
              assertThat(n.httpPort()).isPositive();
            });
    assertThat(client.lookup(lookupd(), "listed").join()).hasSize(2);
    assertThat(client.lookup(lookupd(), "unknown-topic").join()).isEmpty();
  }
}
