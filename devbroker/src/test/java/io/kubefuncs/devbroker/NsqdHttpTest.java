package io.kubefuncs.devbroker;

import static io.kubefuncs.devbroker.TestBrokers.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** nsqd's HTTP API: every endpoint, and the statuses and messages of its refusals. */
class NsqdHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static DevBroker broker;

  @BeforeAll
  static void startBroker() throws IOException {
    broker = TestBrokers.onFreePorts().maxMsgSize(1000).start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  private static String url(String pathAndQuery) {
    return TestBrokers.url(broker.httpAddress(), pathAndQuery);
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode topicStats(String topic) {
    JsonNode topics = json(HttpCalls.get(url("/stats?format=json&topic=" + topic))).get("topics");
    return topics.isNull() || topics.isEmpty() ? null : topics.get(0);
  }

  @Test
  void pingAndInfo() {
    HttpResponse<String> ping = HttpCalls.get(url("/ping"));
    JsonNode info = json(HttpCalls.get(url("/info")));

    assertThat(ping.statusCode()).isEqualTo(200);
    assertThat(ping.body()).isEqualTo("OK");
    assertThat(info.get("version").asText()).isEqualTo("1.3.0");
    assertThat(info.get("tcp_port").asInt()).isEqualTo(broker.tcpAddress().getPort());
    assertThat(info.get("http_port").asInt()).isEqualTo(broker.httpAddress().getPort());
    assertThat(info.get("broadcast_address").asText()).isEqualTo("127.0.0.1");
    assertThat(info.get("max_heartbeat_interval").asLong()).isEqualTo(60_000_000_000L);
  }

  @Test
  void pubAndDeferredPubReachTheChannel() {
    String topic = unique("t");
    try (WireClient consumer = WireClient.connect(broker.tcpAddress())) {
      consumer.identify("{}");
      consumer.subscribe(topic, "c");
      consumer.send("RDY 2");

      HttpResponse<String> now = HttpCalls.post(url("/pub?topic=" + topic), bytes("now"));
      long deferredAt = System.nanoTime();
      HttpResponse<String> later =
          HttpCalls.post(url("/pub?topic=" + topic + "&defer=300"), bytes("later"));

      assertThat(now.statusCode()).isEqualTo(200);
      assertThat(now.body()).isEqualTo("OK");
      assertThat(now.headers().firstValue("X-NSQ-Content-Type")).hasValue("nsq; version=1.0");
      assertThat(later.body()).isEqualTo("OK");
      assertThat(consumer.readMessage().bodyText()).isEqualTo("now");
      assertThat(consumer.readMessage().bodyText()).isEqualTo("later");
      assertThat(Duration.ofNanos(System.nanoTime() - deferredAt))
          .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }
  }

  @Test
  void mpubTakesLinesOrBinary() {
    String topic = unique("t");
    HttpResponse<String> text =
        HttpCalls.post(url("/mpub?topic=" + topic), bytes("a\nbb\n\nccc\n"));
    ByteBuffer binary =
        ByteBuffer.allocate(4 + 4 + 3 + 4 + 1)
            .putInt(2)
            .putInt(3)
            .put(bytes("x\ny"))
            .putInt(1)
            .put(bytes("z"));
    HttpResponse<String> bin =
        HttpCalls.post(url("/mpub?topic=" + topic + "&binary=true"), binary.array());

    assertThat(text.body()).isEqualTo("OK");
    assertThat(bin.body()).isEqualTo("OK");
    JsonNode stats = topicStats(topic);
    assertThat(stats.get("message_count").asLong()).isEqualTo(5); // the empty line is skipped
    assertThat(stats.get("message_bytes").asLong()).isEqualTo(1 + 2 + 3 + 3 + 1);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/pub|x|400|MISSING_ARG_TOPIC",
        "/pub?topic=bad!|x|400|INVALID_TOPIC",
        "/pub?topic=t|<empty>|400|MSG_EMPTY",
        "/pub?topic=t&defer=x|x|400|INVALID_DEFER",
        "/pub?topic=t&defer=3600001|x|400|INVALID_DEFER",
        "/pub?topic=t;x|x|400|INVALID_REQUEST",
        "/mpub?topic=t&binary=true|<short>|413|BAD_BODY",
        "/topic/create|<empty>|400|MISSING_ARG_TOPIC",
        "/topic/delete?topic=nope|<empty>|404|TOPIC_NOT_FOUND",
        "/topic/empty?topic=nope|<empty>|404|TOPIC_NOT_FOUND",
        "/topic/empty?topic=bad!|<empty>|400|INVALID_TOPIC",
        "/topic/pause?topic=nope|<empty>|404|TOPIC_NOT_FOUND",
        "/channel/create?topic=bad!&channel=c|<empty>|400|INVALID_ARG_TOPIC",
        "/channel/create?topic=t|<empty>|400|MISSING_ARG_CHANNEL",
        "/channel/create?topic=t&channel=bad!|<empty>|400|INVALID_ARG_CHANNEL",
        "/channel/create?topic=nope&channel=c|<empty>|404|TOPIC_NOT_FOUND",
        "/nowhere|<empty>|404|NOT_FOUND",
      })
  void refusalsCarryNsqdsStatusAndMessage(
      String pathAndQuery, String body, int status, String message) {
    byte[] content =
        switch (body) {
          case "<empty>" -> new byte[0];
          case "<short>" -> new byte[] {0, 0};
          default -> bytes(body);
        };
    HttpResponse<String> response = HttpCalls.post(url(pathAndQuery), content);

    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.body()).isEqualTo("{\"message\":\"" + message + "\"}");
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("application/json; charset=utf-8");
  }

  @Test
  void bodiesOverTheLimitsAre413() {
    assertThat(HttpCalls.post(url("/pub?topic=t"), new byte[1001]).body())
        .isEqualTo("{\"message\":\"MSG_TOO_BIG\"}");
    assertThat(HttpCalls.post(url("/mpub?topic=t"), bytes("ok\n" + "x".repeat(1001))).body())
        .isEqualTo("{\"message\":\"MSG_TOO_BIG\"}");
    HttpResponse<String> huge = HttpCalls.post(url("/mpub?topic=t"), new byte[5 * 1024 * 1024 + 1]);
    assertThat(huge.statusCode()).isEqualTo(413);
    assertThat(huge.body()).isEqualTo("{\"message\":\"BODY_TOO_BIG\"}");
  }

  @Test
  void anOversizedBodyIsAnsweredBeforeItIsSentAndTheConnectionSurvivesIt() throws IOException {
    int size = 5 * 1024 * 1024 + 1;
    try (Socket socket =
        new Socket(broker.httpAddress().getAddress(), broker.httpAddress().getPort())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(
          ("POST /mpub?topic=t HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();

      String refusal = readResponse(in);
      // The client goes on sending what it announced; the broker must read it, not reset.
      out.write(new byte[size]);
      out.write("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String ping = readResponse(in);

      assertThat(refusal).startsWith("HTTP/1.1 413 ").endsWith("{\"message\":\"BODY_TOO_BIG\"}");
      assertThat(ping).startsWith("HTTP/1.1 200 ").endsWith("OK");
    }
  }

  /** One response whose body has a Content-Length, read up to its last byte. */
  private static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection ended after: " + head);
      }
      head.append((char) b);
    }
    Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
    if (!length.find()) {
      throw new IOException("no Content-Length in: " + head);
    }
    return head
        + new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.US_ASCII);
  }

  @Test
  void garbageInsteadOfHttpIsABadRequest() throws IOException {
    try (Socket socket =
        new Socket(broker.httpAddress().getAddress(), broker.httpAddress().getPort())) {
      socket.setSoTimeout(5_000);
      socket
          .getOutputStream()
          .write(
              ("GET /" + "x".repeat(10_000) + " HTTP/1.1\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));

      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

      assertThat(answer).startsWith("HTTP/1.1 400 Bad Request");
    }
    assertThat(HttpCalls.get(url("/ping")).body()).isEqualTo("OK");
  }

  @Test
  void aWrongMethodIs405WithTheAllowedOnes() {
    HttpResponse<String> response = HttpCalls.get(url("/pub?topic=t"));
    HttpResponse<String> options = HttpCalls.method("OPTIONS", url("/stats"));
    HttpResponse<String> redirect = HttpCalls.get(url("/stats/?format=json"));

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.body()).isEqualTo("{\"message\":\"METHOD_NOT_ALLOWED\"}");
    assertThat(response.headers().firstValue("Allow")).hasValue("OPTIONS, POST");
    assertThat(options.statusCode()).isEqualTo(200);
    assertThat(options.headers().firstValue("Allow")).hasValue("GET, OPTIONS");
    assertThat(redirect.statusCode()).isEqualTo(301);
    assertThat(redirect.headers().firstValue("Location")).hasValue("/stats?format=json");
  }

  @Test
  void topicAndChannelAdministration() {
    String topic = unique("t");
    assertThat(HttpCalls.post(url("/topic/create?topic=" + topic)).statusCode()).isEqualTo(200);
    assertThat(HttpCalls.post(url("/channel/create?topic=" + topic + "&channel=a")).statusCode())
        .isEqualTo(200);
    assertThat(HttpCalls.post(url("/channel/create?topic=" + topic + "&channel=b")).statusCode())
        .isEqualTo(200);
    HttpCalls.post(url("/pub?topic=" + topic), bytes("m"));
    assertThat(topicStats(topic).get("channels").findValuesAsText("channel_name"))
        .containsExactly("a", "b");

    HttpCalls.post(url("/channel/empty?topic=" + topic + "&channel=a"));
    assertThat(topicStats(topic).get("channels").findValues("depth").stream().map(JsonNode::asLong))
        .containsExactly(0L, 1L);
    HttpCalls.post(url("/channel/pause?topic=" + topic + "&channel=b"));
    assertThat(topicStats(topic).get("channels").get(1).get("paused").asBoolean()).isTrue();
    HttpCalls.post(url("/channel/unpause?topic=" + topic + "&channel=b"));
    assertThat(topicStats(topic).get("channels").get(1).get("paused").asBoolean()).isFalse();
    assertThat(HttpCalls.post(url("/channel/delete?topic=" + topic + "&channel=a")).statusCode())
        .isEqualTo(200);
    assertThat(HttpCalls.post(url("/channel/delete?topic=" + topic + "&channel=a")).body())
        .isEqualTo("{\"message\":\"CHANNEL_NOT_FOUND\"}");
    assertThat(topicStats(topic).get("channels").findValuesAsText("channel_name"))
        .containsExactly("b");

    assertThat(HttpCalls.post(url("/topic/delete?topic=" + topic)).statusCode()).isEqualTo(200);
    assertThat(topicStats(topic)).isNull();
  }

  @Test
  void aPausedTopicHoldsItsMessagesUntilUnpaused() {
    String topic = unique("t");
    HttpCalls.post(url("/topic/create?topic=" + topic));
    HttpCalls.post(url("/channel/create?topic=" + topic + "&channel=c"));
    HttpCalls.post(url("/topic/pause?topic=" + topic));
    HttpCalls.post(url("/pub?topic=" + topic), bytes("held"));

    JsonNode paused = topicStats(topic);
    assertThat(paused.get("paused").asBoolean()).isTrue();
    assertThat(paused.get("depth").asLong()).isEqualTo(1);
    assertThat(paused.get("channels").get(0).get("depth").asLong()).isZero();

    HttpCalls.post(url("/topic/unpause?topic=" + topic));
    JsonNode unpaused = topicStats(topic);
    assertThat(unpaused.get("depth").asLong()).isZero();
    assertThat(unpaused.get("channels").get(0).get("depth").asLong()).isEqualTo(1);

    HttpCalls.post(url("/topic/pause?topic=" + topic));
    HttpCalls.post(url("/pub?topic=" + topic), bytes("dropped"));
    HttpCalls.post(url("/topic/empty?topic=" + topic));
    JsonNode emptied = topicStats(topic);
    assertThat(emptied.get("depth").asLong()).isZero();
    assertThat(emptied.get("channels").get(0).get("depth").asLong()).isEqualTo(1);
  }

  @Test
  void statsHasNsqdsShapeAndFilters() {
    String topic = unique("t");
    try (WireClient consumer = WireClient.connect(broker.tcpAddress());
        WireClient producer = WireClient.connect(broker.tcpAddress())) {
      consumer.identify("{\"client_id\":\"me\",\"hostname\":\"box\",\"user_agent\":\"test/1\"}");
      consumer.subscribe(topic, "c");
      consumer.send("RDY 7");
      producer.publish(topic, "one");
      consumer.readMessage();

      JsonNode all = json(HttpCalls.get(url("/stats?format=json")));
      JsonNode filtered =
          json(HttpCalls.get(url("/stats?format=json&topic=" + topic + "&channel=c")));
      JsonNode noClients =
          json(HttpCalls.get(url("/stats?format=json&topic=" + topic + "&include_clients=false")));
      JsonNode missingTopic = json(HttpCalls.get(url("/stats?format=json&topic=nope")));
      String text = HttpCalls.get(url("/stats?topic=" + topic)).body();

      assertThat(all.fieldNames())
          .toIterable()
          .containsExactly("version", "health", "start_time", "topics", "memory", "producers");
      assertThat(all.get("health").asText()).isEqualTo("OK");
      JsonNode topicStats = filtered.get("topics").get(0);
      assertThat(topicStats.fieldNames())
          .toIterable()
          .containsExactly(
              "topic_name",
              "channels",
              "depth",
              "backend_depth",
              "message_count",
              "message_bytes",
              "paused",
              "e2e_processing_latency");
      JsonNode channel = topicStats.get("channels").get(0);
      assertThat(channel.fieldNames())
          .toIterable()
          .containsExactly(
              "channel_name",
              "depth",
              "backend_depth",
              "in_flight_count",
              "deferred_count",
              "message_count",
              "requeue_count",
              "timeout_count",
              "client_count",
              "clients",
              "paused",
              "e2e_processing_latency");
      assertThat(channel.get("in_flight_count").asInt()).isEqualTo(1);
      assertThat(channel.get("message_count").asInt()).isEqualTo(1);
      JsonNode client = channel.get("clients").get(0);
      assertThat(client.get("client_id").asText()).isEqualTo("me");
      assertThat(client.get("hostname").asText()).isEqualTo("box");
      assertThat(client.get("user_agent").asText()).isEqualTo("test/1");
      assertThat(client.get("ready_count").asInt()).isEqualTo(7);
      assertThat(client.get("state").asInt()).isEqualTo(3);
      JsonNode producerStats = filtered.get("producers").get(0);
      assertThat(producerStats.get("pub_counts").get(0).get("topic").asText()).isEqualTo(topic);
      assertThat(producerStats.get("pub_counts").get(0).get("count").asInt()).isEqualTo(1);
      assertThat(noClients.get("topics").get(0).get("channels").get(0).get("clients").isNull())
          .isTrue();
      assertThat(noClients.get("producers").isNull()).isTrue();
      assertThat(missingTopic.get("topics").isNull()).isTrue();
      assertThat(text).contains("[" + topic).contains("[c ").contains("inflt: 1");
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
