package io.kubefuncs.conformance;

import static io.kubefuncs.conformance.Http.assertRefused;
import static io.kubefuncs.conformance.JsonShape.array;
import static io.kubefuncs.conformance.JsonShape.bool;
import static io.kubefuncs.conformance.JsonShape.number;
import static io.kubefuncs.conformance.JsonShape.string;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubefuncs.testkit.NsqdStats;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * nsqd's HTTP API as clients, nsqadmin and {@code nsq_stat} use it. Failures answer with a status
 * and a JSON body {@code {"message": "CODE"}}; the codes are compared exactly because tools print
 * and match them.
 */
class NsqdHttpTest {
  private static final JsonShape INFO =
      JsonShape.of(
          string("version"),
          string("broadcast_address"),
          string("hostname"),
          number("http_port"),
          number("tcp_port"),
          number("start_time"),
          number("max_heartbeat_interval"),
          number("max_output_buffer_size"),
          number("max_output_buffer_timeout"),
          number("max_deflate_level"));
  private static final JsonShape STATS =
      JsonShape.of(
          string("version"),
          string("health"),
          number("start_time"),
          array("topics"),
          array("producers"));
  private static final JsonShape TOPIC =
      JsonShape.of(
          string("topic_name"),
          array("channels"),
          number("depth"),
          number("backend_depth"),
          number("message_count"),
          bool("paused"));
  private static final JsonShape CHANNEL =
      JsonShape.of(
          string("channel_name"),
          number("depth"),
          number("backend_depth"),
          number("in_flight_count"),
          number("deferred_count"),
          number("message_count"),
          number("requeue_count"),
          number("timeout_count"),
          number("client_count"),
          array("clients"),
          bool("paused"));

  /** The client fields nsqadmin and nsq_stat decode; a wrong type fails their whole request. */
  private static final JsonShape CLIENT =
      JsonShape.of(
          string("client_id"),
          string("hostname"),
          string("version"),
          string("remote_address"),
          number("state"),
          number("ready_count"),
          number("in_flight_count"),
          number("message_count"),
          number("finish_count"),
          number("requeue_count"),
          number("connect_ts"),
          number("sample_rate"),
          bool("deflate"),
          bool("snappy"),
          bool("tls"),
          string("user_agent"));

  @ConformanceTest
  void pingAnswersOk(Broker broker) {
    Http.Response response = Http.get(broker.httpUrl() + "/ping");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("OK");
  }

  @ConformanceTest
  void infoDescribesTheNode(Broker broker) {
    Http.Response response = Http.get(broker.httpUrl() + "/info");
    assertThat(response.status()).isEqualTo(200);
    JsonNode info = response.json();
    INFO.assertPresentIn(info, "/info");
    assertThat(info.get("broadcast_address").asText())
        .isEqualTo(broker.tcpAddress().getHostString());
    assertThat(info.get("tcp_port").asInt()).isEqualTo(broker.tcpAddress().getPort());
    assertThat(info.get("http_port").asInt()).isEqualTo(broker.httpAddress().getPort());
  }

  @ConformanceTest
  void pubPublishesTheRequestBody(Broker broker) {
    String topic = UniqueNames.topic("http-pub");
    byte[] body = {'a', '\n', 0, (byte) 0xff};
    try (WireClient consumer = WireClient.consumer(broker, topic, "ch", 10)) {
      Http.Response response = Http.post(broker.httpUrl() + "/pub?topic=" + topic, body);
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("OK");
      assertThat(consumer.expectMessage().body()).isEqualTo(body);
    }
  }

  @ConformanceTest
  void pubWithDeferHoldsTheMessageBack(Broker broker) {
    String topic = UniqueNames.topic("http-defer");
    Duration delay = Duration.ofMillis(1500);
    try (WireClient consumer = WireClient.consumer(broker, topic, "ch", 10)) {
      long sent = System.nanoTime();
      Http.Response response =
          Http.post(
              broker.httpUrl() + "/pub?topic=" + topic + "&defer=" + delay.toMillis(),
              bytes("later"));
      assertThat(response.body()).isEqualTo("OK");
      // The topic hands the message to its channels asynchronously; look within the delay.
      await()
          .atMost(Duration.ofSeconds(1))
          .untilAsserted(
              () -> {
                JsonNode channel = NsqdStats.channel(broker.httpUrl(), topic, "ch");
                assertThat(channel.path("deferred_count").asLong())
                    .as("deferred_count while deferred")
                    .isEqualTo(1);
                assertThat(channel.path("depth").asLong()).as("depth while deferred").isZero();
              });

      MessageFrame message = consumer.expectMessage(WireClient.LATE_DELIVERY_TIMEOUT);
      assertThat(message.bodyText()).isEqualTo("later");
      assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(delay);
    }
  }

  @ConformanceTest
  void mpubSplitsItsBodyAtNewlinesAndSkipsEmptyLines(Broker broker) {
    String topic = UniqueNames.topic("http-mpub");
    try (WireClient consumer = WireClient.consumer(broker, topic, "ch", 10)) {
      Http.Response response =
          Http.post(broker.httpUrl() + "/mpub?topic=" + topic, bytes("one\ntwo\n\nthree\n"));
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("OK");

      assertThat(bodies(consumer, 3)).containsExactlyInAnyOrder("one", "two", "three");
      consumer.assertSilentFor(Duration.ofMillis(200));
    }
  }

  @ConformanceTest
  void binaryMpubTakesLengthPrefixedMessages(Broker broker) throws IOException {
    String topic = UniqueNames.topic("http-mpub-binary");
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(body);
    List<String> messages = List.of("with\nnewline", "plain");
    data.writeInt(messages.size());
    for (String message : messages) {
      data.writeInt(bytes(message).length);
      data.write(bytes(message));
    }
    try (WireClient consumer = WireClient.consumer(broker, topic, "ch", 10)) {
      Http.Response response =
          Http.post(broker.httpUrl() + "/mpub?topic=" + topic + "&binary=true", body.toByteArray());
      assertThat(response.status()).isEqualTo(200);

      assertThat(bodies(consumer, 2)).containsExactlyInAnyOrderElementsOf(messages);
      consumer.assertSilentFor(Duration.ofMillis(200));
    }
  }

  @ConformanceTest
  void statsDescribeTopicsChannelsAndClients(Broker broker) {
    String topic = UniqueNames.topic("http-stats");
    long connectedAfter = Instant.now().getEpochSecond();
    try (WireClient consumer = WireClient.connect(broker);
        WireClient producer = WireClient.connect(broker)) {
      consumer.negotiate(
          Map.of(
              "client_id",
              "stats-client",
              "hostname",
              "stats.local",
              "user_agent",
              "conformance/1"));
      consumer.subscribe(topic, "ch");
      consumer.send("RDY 1");
      producer.publish(topic, "taken");
      producer.publish(topic, "waiting");
      consumer.expectMessage();

      Http.Response response = Http.get(broker.httpUrl() + "/stats?format=json&topic=" + topic);
      assertThat(response.status()).isEqualTo(200);
      JsonNode stats = response.json();
      STATS.assertPresentIn(stats, "/stats");
      assertThat(stats.get("topics")).as("topics, filtered by ?topic=").hasSize(1);

      JsonNode topicStats = stats.get("topics").get(0);
      TOPIC.assertPresentIn(topicStats, "topic");
      assertThat(topicStats.get("topic_name").asText()).isEqualTo(topic);
      assertThat(topicStats.get("message_count").asLong()).isEqualTo(2);
      assertThat(topicStats.get("depth").asLong())
          .as("topic depth: all copied to the channel")
          .isZero();
      assertThat(topicStats.get("channels")).hasSize(1);

      JsonNode channel = topicStats.get("channels").get(0);
      CHANNEL.assertPresentIn(channel, "channel");
      assertThat(channel.get("channel_name").asText()).isEqualTo("ch");
      assertThat(channel.get("depth").asLong()).isEqualTo(1);
      assertThat(channel.get("in_flight_count").asLong()).isEqualTo(1);
      assertThat(channel.get("message_count").asLong()).isEqualTo(2);
      assertThat(channel.get("client_count").asLong()).isEqualTo(1);
      assertThat(channel.get("paused").asBoolean()).isFalse();
      assertThat(channel.get("clients")).hasSize(1);

      JsonNode client = channel.get("clients").get(0);
      CLIENT.assertPresentIn(client, "client");
      assertThat(client.get("client_id").asText()).isEqualTo("stats-client");
      assertThat(client.get("hostname").asText()).isEqualTo("stats.local");
      assertThat(client.get("user_agent").asText()).isEqualTo("conformance/1");
      assertThat(client.get("version").asText()).isEqualTo("V2");
      assertThat(client.get("remote_address").asText()).isEqualTo(consumer.localHostPort());
      assertThat(client.get("ready_count").asLong()).isEqualTo(1);
      assertThat(client.get("in_flight_count").asLong()).isEqualTo(1);
      assertThat(client.get("message_count").asLong()).isEqualTo(1);
      assertThat(client.get("finish_count").asLong()).isZero();
      assertThat(client.get("connect_ts").asLong())
          .as("connect_ts, in seconds since the epoch")
          .isBetween(connectedAfter - 1, Instant.now().getEpochSecond() + 1);

      // Connections that published are listed as producers, with their count for the topic.
      JsonNode ours = null;
      for (JsonNode candidate : stats.get("producers")) {
        if (candidate.path("remote_address").asText().equals(producer.localHostPort())) {
          ours = candidate;
        }
      }
      assertThat(ours)
          .as("the publishing connection among /stats producers: %s", stats.get("producers"))
          .isNotNull();
      assertThat(ours.get("pub_counts")).hasSize(1);
      assertThat(ours.get("pub_counts").get(0).get("topic").asText()).isEqualTo(topic);
      assertThat(ours.get("pub_counts").get(0).get("count").asLong()).isEqualTo(2);
    }
  }

  @ConformanceTest
  void topicsAreCreatedAndDeleted(Broker broker) {
    String topic = UniqueNames.topic("http-topic");
    Http.Response created = Http.post(broker.httpUrl() + "/topic/create?topic=" + topic);
    assertThat(created.status()).isEqualTo(200);
    assertThat(created.body()).isEmpty();
    assertThat(topicNames(broker)).contains(topic);

    Http.Response deleted = Http.post(broker.httpUrl() + "/topic/delete?topic=" + topic);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(topicNames(broker)).doesNotContain(topic);

    assertRefused(
        Http.post(broker.httpUrl() + "/topic/delete?topic=" + topic), 404, "TOPIC_NOT_FOUND");
    assertRefused(
        Http.post(broker.httpUrl() + "/topic/create?topic=bad!name"), 400, "INVALID_TOPIC");
    assertRefused(Http.post(broker.httpUrl() + "/topic/create"), 400, "MISSING_ARG_TOPIC");
  }

  @ConformanceTest
  void channelsAreCreatedAndDeletedInExistingTopics(Broker broker) {
    String topic = UniqueNames.topic("http-channel");
    String channelUrl = "?topic=" + topic + "&channel=made";
    assertRefused(
        Http.post(broker.httpUrl() + "/channel/create" + channelUrl), 404, "TOPIC_NOT_FOUND");

    Http.post(broker.httpUrl() + "/topic/create?topic=" + topic);
    Http.Response created = Http.post(broker.httpUrl() + "/channel/create" + channelUrl);
    assertThat(created.status()).isEqualTo(200);
    assertThat(channelNames(broker, topic)).containsExactly("made");

    Http.Response deleted = Http.post(broker.httpUrl() + "/channel/delete" + channelUrl);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(channelNames(broker, topic)).isEmpty();

    assertRefused(
        Http.post(broker.httpUrl() + "/channel/delete" + channelUrl), 404, "CHANNEL_NOT_FOUND");
    assertRefused(
        Http.post(broker.httpUrl() + "/channel/create?topic=" + topic), 400, "MISSING_ARG_CHANNEL");
    assertRefused(
        Http.post(broker.httpUrl() + "/channel/create?topic=" + topic + "&channel=bad!name"),
        400,
        "INVALID_ARG_CHANNEL");
  }

  @ConformanceTest
  void pubRefusesWhatItCannotPublish(Broker broker) {
    String pub = broker.httpUrl() + "/pub?topic=" + UniqueNames.topic("http-refused");
    assertRefused(Http.post(pub, new byte[0]), 400, "MSG_EMPTY");
    assertRefused(Http.post(pub, new byte[1024 * 1024 + 1]), 413, "MSG_TOO_BIG");
    assertRefused(Http.post(pub + "&defer=soon", bytes("m")), 400, "INVALID_DEFER");
    assertRefused(Http.post(pub + "&defer=3600001", bytes("m")), 400, "INVALID_DEFER");
    assertRefused(
        Http.post(broker.httpUrl() + "/pub?topic=bad!name", bytes("m")), 400, "INVALID_TOPIC");
    assertRefused(Http.post(broker.httpUrl() + "/pub", bytes("m")), 400, "MISSING_ARG_TOPIC");
    assertRefused(Http.post(broker.httpUrl() + "/mpub", bytes("m")), 400, "MISSING_ARG_TOPIC");
  }

  @ConformanceTest
  void unknownPathsAndWrongMethodsAreRefused(Broker broker) {
    assertRefused(Http.get(broker.httpUrl() + "/no/such/path"), 404, "NOT_FOUND");
    assertRefused(Http.get(broker.httpUrl() + "/pub?topic=t"), 405, "METHOD_NOT_ALLOWED");
    assertRefused(
        Http.send(
            "DELETE",
            broker.httpUrl() + "/topic/delete?topic=t",
            HttpRequest.BodyPublishers.noBody()),
        405,
        "METHOD_NOT_ALLOWED");
    assertRefused(Http.post(broker.httpUrl() + "/stats"), 405, "METHOD_NOT_ALLOWED");
  }

  private static List<String> topicNames(Broker broker) {
    List<String> names = new ArrayList<>();
    for (JsonNode topic : Http.get(broker.httpUrl() + "/stats?format=json").json().path("topics")) {
      names.add(topic.path("topic_name").asText());
    }
    return names;
  }

  private static List<String> channelNames(Broker broker, String topic) {
    List<String> names = new ArrayList<>();
    for (JsonNode channel : NsqdStats.topic(broker.httpUrl(), topic).path("channels")) {
      names.add(channel.path("channel_name").asText());
    }
    return names;
  }

  private static List<String> bodies(WireClient consumer, int count) {
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      bodies.add(consumer.expectMessage().bodyText());
    }
    return bodies;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }
}
