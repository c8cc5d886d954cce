package io.kubefuncs.conformance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.nsq.NsqConsumer;
import io.kubefuncs.nsq.NsqProducer;
import io.kubefuncs.testkit.NsqdStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;

/** How topics hand messages to channels, and channels to their consumers. */
class ChannelSemanticsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @ConformanceTest
  void everyChannelGetsEveryMessage(Broker broker) {
    String topic = UniqueNames.topic("fan-out");
    List<String> sent = IntStream.range(0, 20).mapToObj(i -> "message " + i).toList();
    Queue<String> billing = new ConcurrentLinkedQueue<>();
    Queue<String> audit = new ConcurrentLinkedQueue<>();
    try (NsqConsumer first = consumer(broker, topic, "billing", billing);
        NsqConsumer second = consumer(broker, topic, "audit", audit);
        NsqProducer producer = NsqProducer.create(broker.tcpHostPort())) {
      first.ready().join();
      second.ready().join();
      for (String body : sent) {
        producer.publish(topic, body.getBytes(UTF_8)).join();
      }

      await()
          .atMost(TIMEOUT)
          .until(() -> billing.size() >= sent.size() && audit.size() >= sent.size());
      assertThat(billing).containsExactlyInAnyOrderElementsOf(sent);
      assertThat(audit).containsExactlyInAnyOrderElementsOf(sent);
    }
  }

  @ConformanceTest
  void consumersOfOneChannelShareItsMessages(Broker broker) {
    String topic = UniqueNames.topic("load-balance");
    List<String> sent = IntStream.range(0, 40).mapToObj(i -> "message " + i).toList();
    Queue<String> one = new ConcurrentLinkedQueue<>();
    Queue<String> other = new ConcurrentLinkedQueue<>();
    try (NsqConsumer first = consumer(broker, topic, "workers", one);
        NsqConsumer second = consumer(broker, topic, "workers", other);
        NsqProducer producer = NsqProducer.create(broker.tcpHostPort())) {
      first.ready().join();
      second.ready().join();
      producer.multiPublish(topic, sent.stream().map(body -> body.getBytes(UTF_8)).toList()).join();

      await().atMost(TIMEOUT).until(() -> one.size() + other.size() >= sent.size());
      List<String> all = new ArrayList<>(one);
      all.addAll(other);
      assertThat(all)
          .as("each message goes to one consumer of the channel")
          .containsExactlyInAnyOrderElementsOf(sent);
      assertThat(one).as("first consumer's share").isNotEmpty();
      assertThat(other).as("second consumer's share").isNotEmpty();
    }
  }

  @ConformanceTest
  void messagesPublishedBeforeAnyChannelExistsGoToTheFirstChannel(Broker broker) {
    String topic = UniqueNames.topic("backlog");
    try (WireClient producer = WireClient.connect(broker)) {
      producer.publish(topic, "early 1");
      producer.publish(topic, "early 2");
    }
    try (WireClient first = WireClient.consumer(broker, topic, "first", 10)) {
      Set<String> received = new HashSet<>();
      received.add(first.expectMessage().bodyText());
      received.add(first.expectMessage().bodyText());
      assertThat(received).containsExactlyInAnyOrder("early 1", "early 2");

      try (WireClient later = WireClient.consumer(broker, topic, "later", 10)) {
        later.assertSilentFor(Duration.ofMillis(300)); // the backlog went to the first channel only
      }
    }
  }

  @ConformanceTest
  @SuppressWarnings("try") // the scope is the first consumer's connection
  void aDurableChannelKeepsMessagesWhileNobodyConsumesIt(Broker broker) {
    String topic = UniqueNames.topic("durable");
    try (WireClient first = WireClient.consumer(broker, topic, "ch", 1)) {
      await().atMost(TIMEOUT).until(() -> clientCount(broker, topic, "ch") == 1);
    }
    await().atMost(TIMEOUT).until(() -> clientCount(broker, topic, "ch") == 0);
    try (WireClient producer = WireClient.connect(broker)) {
      producer.publish(topic, "kept for later");
    }
    try (WireClient next = WireClient.consumer(broker, topic, "ch", 1)) {
      assertThat(next.expectMessage().bodyText()).isEqualTo("kept for later");
    }
  }

  /**
   * A backlog published before any channel exists and larger than nsqd keeps in memory (10,000
   * messages by default; it writes the rest to disk) reaches the first channel whole.
   */
  @ConformanceTest
  void aBacklogLargerThanNsqdsMemoryQueueIsDeliveredWhole(Broker broker) {
    String topic = UniqueNames.topic("backlog-large");
    int total = 12_000;
    try (WireClient producer = WireClient.connect(broker)) {
      for (int start = 0; start < total; start += 1000) {
        producer.sendMulti(
            "MPUB " + topic,
            IntStream.range(start, start + 1000)
                .mapToObj(i -> ("message " + i).getBytes(UTF_8))
                .toList());
        producer.expectOk();
      }
    }
    Set<String> received = ConcurrentHashMap.newKeySet();
    try (NsqConsumer consumer =
        NsqConsumer.builder(topic, "ch")
            .nsqd(broker.tcpHostPort())
            .config(NsqConfig.builder().maxInFlight(200).build())
            .handler(message -> received.add(new String(message.body(), UTF_8)))
            .build()
            .start()) {
      consumer.ready().join();
      await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= total);
    }
    assertThat(received).hasSize(total);
  }

  @ConformanceTest
  @SuppressWarnings("try") // each scope is a client's connection; leaving it disconnects
  void anEphemeralChannelGoesAwayWithItsLastClientADurableOneStays(Broker broker) {
    String topic = UniqueNames.topic("ephemeral");
    try (WireClient durable = WireClient.consumer(broker, topic, "durable", 1)) {
      try (WireClient first = WireClient.consumer(broker, topic, "temp#ephemeral", 1)) {
        try (WireClient second = WireClient.consumer(broker, topic, "temp#ephemeral", 1)) {
          await()
              .atMost(TIMEOUT)
              .untilAsserted(
                  () -> {
                    assertThat(clientCount(broker, topic, "temp#ephemeral")).isEqualTo(2);
                    assertThat(clientCount(broker, topic, "durable")).isEqualTo(1);
                  });
        }
        await().atMost(TIMEOUT).until(() -> clientCount(broker, topic, "temp#ephemeral") == 1);
      }
    }
    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> assertThat(channelNames(broker, topic)).containsExactly("durable"));
  }

  @ConformanceTest
  @SuppressWarnings("try") // the scope is the client's connection
  void anEphemeralTopicGoesAwayWithItsLastChannel(Broker broker) {
    String topic = UniqueNames.topic("topic") + "#ephemeral";
    try (WireClient consumer = WireClient.consumer(broker, topic, "ch#ephemeral", 1)) {
      await()
          .atMost(TIMEOUT)
          .until(() -> NsqdStats.topic(broker.httpUrl(), topic).has("topic_name"));
    }
    await()
        .atMost(TIMEOUT)
        .until(() -> !NsqdStats.topic(broker.httpUrl(), topic).has("topic_name"));
  }

  @ConformanceTest
  void theInFlightMessagesOfAClientThatDisconnectsAreRedelivered(Broker broker) {
    String topic = UniqueNames.topic("dying-client");
    MessageFrame lost;
    try (WireClient dying = WireClient.connect(broker);
        WireClient producer = WireClient.connect(broker)) {
      dying.negotiate(Map.of("msg_timeout", 1000));
      dying.subscribe(topic, "ch");
      dying.send("RDY 1");
      producer.publish(topic, "unfinished");
      lost = dying.expectMessage();
    }
    try (WireClient survivor = WireClient.consumer(broker, topic, "ch", 1)) {
      MessageFrame redelivered = survivor.expectMessage(WireClient.LATE_DELIVERY_TIMEOUT);
      assertThat(redelivered.id()).isEqualTo(lost.id());
      assertThat(redelivered.bodyText()).isEqualTo("unfinished");
      assertThat(redelivered.attempts()).isEqualTo(2);
    }
  }

  private static NsqConsumer consumer(
      Broker broker, String topic, String channel, Queue<String> into) {
    return NsqConsumer.builder(topic, channel)
        .nsqd(broker.tcpHostPort())
        .config(NsqConfig.builder().maxInFlight(5).build())
        .handler(message -> into.add(new String(message.body(), UTF_8)))
        .build()
        .start();
  }

  private static int clientCount(Broker broker, String topic, String channel) {
    return NsqdStats.channel(broker.httpUrl(), topic, channel).path("client_count").asInt(-1);
  }

  private static List<String> channelNames(Broker broker, String topic) {
    List<String> names = new ArrayList<>();
    for (JsonNode channel : NsqdStats.topic(broker.httpUrl(), topic).path("channels")) {
      names.add(channel.path("channel_name").asText());
    }
    return names;
  }
}
