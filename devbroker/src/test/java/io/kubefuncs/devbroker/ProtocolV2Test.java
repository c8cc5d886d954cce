package io.kubefuncs.devbroker;

import static io.kubefuncs.devbroker.TestBrokers.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The TCP protocol frame by frame, on raw sockets: what a client sends and exactly what comes back.
 */
class ProtocolV2Test {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static DevBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = TestBrokers.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  private static WireClient client() {
    return WireClient.connect(broker.tcpAddress());
  }

  /** A subscriber of its own topic/channel, with the given IDENTIFY. */
  private static WireClient subscriber(String identify, String topic, String channel) {
    WireClient client = client();
    client.identify(identify);
    return client.subscribe(topic, channel);
  }

  // ---- handshake ----

  @Test
  void identifyNegotiatesFeaturesAndDeclinesTlsSnappyAndDeflate() throws IOException {
    try (WireClient client = client()) {
      JsonNode response =
          JSON.readTree(
              client.identify(
                  """
                  {"feature_negotiation":true,"tls_v1":true,"snappy":true,"deflate":true,"deflate_level":3,
                   "msg_timeout":5000,"heartbeat_interval":2000,"output_buffer_size":2048,
                   "output_buffer_timeout":100,"sample_rate":0,"client_id":"c","user_agent":"test/1"}"""));

      assertThat(response.get("tls_v1").asBoolean()).isFalse();
      assertThat(response.get("snappy").asBoolean()).isFalse();
      assertThat(response.get("deflate").asBoolean()).isFalse();
      assertThat(response.get("auth_required").asBoolean()).isFalse();
      assertThat(response.get("msg_timeout").asLong()).isEqualTo(5000);
      assertThat(response.get("max_msg_timeout").asLong()).isEqualTo(900_000);
      assertThat(response.get("max_rdy_count").asLong()).isEqualTo(2500);
      assertThat(response.get("output_buffer_size").asLong()).isEqualTo(2048);
      assertThat(response.get("output_buffer_timeout").asLong()).isEqualTo(100);
      assertThat(response.get("version").asText()).isEqualTo("1.3.0");
      // Declined means the connection carries on in plain text.
      client.publish(unique("t"), "plain");
    }
  }

  @Test
  void identifyWithoutNegotiationAnswersOk() {
    try (WireClient client = client();
        WireClient nullBody = client()) {
      assertThat(client.identify("{\"client_id\":\"x\"}")).isEqualTo("OK");
      assertThat(nullBody.identify("null")).isEqualTo("OK");
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"heartbeat_interval\":999}|E_BAD_BODY IDENTIFY heartbeat interval (999) is invalid",
        "{\"heartbeat_interval\":60001}|E_BAD_BODY IDENTIFY heartbeat interval (60001) is invalid",
        "{\"output_buffer_timeout\":24}|E_BAD_BODY IDENTIFY output buffer timeout (24) is invalid",
        "{\"output_buffer_size\":63}|E_BAD_BODY IDENTIFY output buffer size (63) is invalid",
        "{\"sample_rate\":100}|E_BAD_BODY IDENTIFY sample rate (100) is invalid",
        "{\"msg_timeout\":999}|E_BAD_BODY IDENTIFY msg timeout (999) is invalid",
        "{\"msg_timeout\":\"5000\"}|E_BAD_BODY IDENTIFY failed to decode JSON body",
        "{\"msg_timeout\":1.5}|E_BAD_BODY IDENTIFY failed to decode JSON body",
        "[]|E_BAD_BODY IDENTIFY failed to decode JSON body",
        "{|E_BAD_BODY IDENTIFY failed to decode JSON body",
      })
  void identifyRefusesWhatNsqdRefusesAndCloses(String body, String error) {
    try (WireClient client = client()) {
      client.send("IDENTIFY", body.getBytes(StandardCharsets.UTF_8));

      assertThat(client.readError()).isEqualTo(error);
      assertThat(client.closedByBrokerWithin(Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void authIsDisabledAndClosesTheConnection() {
    try (WireClient client = client()) {
      client.send("AUTH", "secret".getBytes(StandardCharsets.UTF_8));

      assertThat(client.readError()).isEqualTo("E_AUTH_DISABLED AUTH disabled");
      assertThat(client.closedByBrokerWithin(Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void aWrongMagicIsRefused() {
    try (WireClient client = WireClient.connectWithoutMagic(broker.tcpAddress())) {
      client.write("  V1".getBytes(StandardCharsets.US_ASCII));

      assertThat(client.readError()).isEqualTo("E_BAD_PROTOCOL");
      assertThat(client.closedByBrokerWithin(Duration.ofSeconds(5))).isTrue();
    }
  }

  // ---- bad input ----

  @Test
  void anUnknownCommandClosesThatConnectionOnly() {
    String topic = unique("t");
    try (WireClient bystander = client();
        WireClient client = client()) {
      bystander.publish(topic, "before");

      client.send("HELLO world");

      assertThat(client.readError()).isEqualTo("E_INVALID invalid command HELLO");
      assertThat(client.closedByBrokerWithin(Duration.ofSeconds(5))).isTrue();
      bystander.publish(topic, "after");
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "PUB bad!|E_BAD_TOPIC PUB topic name \"bad!\" is not valid",
        "PUB #ephemeral|E_BAD_TOPIC PUB topic name \"#ephemeral\" is not valid",
        "PUB aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            + "|E_BAD_TOPIC PUB topic name \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" is not valid",
        "MPUB a*b|E_BAD_TOPIC E_BAD_TOPIC MPUB topic name \"a*b\" is not valid",
        "DPUB a*b 10|E_BAD_TOPIC DPUB topic name \"a*b\" is not valid",
        "DPUB t x|E_INVALID DPUB could not parse timeout x",
        "DPUB t 3600001|E_INVALID DPUB timeout 3600001 out of range 0-3600000",
        "SUB t bad/channel|E_BAD_CHANNEL SUB channel name \"bad/channel\" is not valid",
        "SUB t|E_INVALID SUB insufficient number of parameters",
        "PUB|E_INVALID PUB insufficient number of parameters",
        "RDY 1|E_INVALID cannot RDY in current state",
        "FIN 0123456789abcdef|E_INVALID cannot FIN in current state",
        "CLS|E_INVALID cannot CLS in current state",
      })
  void badCommandsGetNsqdsFatalError(String line, String error) {
    try (WireClient client = client()) {
      client.send(line);

      assertThat(client.readError()).isEqualTo(error);
      assertThat(client.closedByBrokerWithin(Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void nonPrintableBytesInANameAreQuotedAsGoQuotesThem() {
    try (WireClient client = client()) {
      client.write("PUB t\u0001\u00e9\n".getBytes(StandardCharsets.UTF_8));

      assertThat(client.readError())
          .isEqualTo("E_BAD_TOPIC PUB topic name \"t\\x01\u00c3\u00a9\" is not valid");
    }
  }

  @Test
  void messagesOverMaxMsgSizeAreRefused() throws IOException {
    try (DevBroker small = TestBrokers.onFreePorts().maxMsgSize(100).start();
        WireClient pub = WireClient.connect(small.tcpAddress());
        WireClient mpub = WireClient.connect(small.tcpAddress());
        WireClient empty = WireClient.connect(small.tcpAddress())) {
      pub.send("PUB t", new byte[101]);
      mpub.send("MPUB t", WireClient.mpubBody("ok", "x".repeat(101)));
      empty.send("PUB t", new byte[0]);

      assertThat(pub.readError()).isEqualTo("E_BAD_MESSAGE PUB message too big 101 > 100");
      assertThat(mpub.readError()).isEqualTo("E_BAD_MESSAGE MPUB message too big 101 > 100");
      assertThat(empty.readError()).isEqualTo("E_BAD_MESSAGE PUB invalid message body size 0");
      assertThat(pub.closedByBrokerWithin(Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void aBodyCutShortByTheClientGetsNsqdsReadError() {
    try (WireClient pub = client();
        WireClient mpub = client()) {
      byte[] whole = WireClient.withBody("PUB t", "0123456789".getBytes(StandardCharsets.US_ASCII));
      pub.write(Arrays.copyOf(whole, whole.length - 4)).shutdownOutput();
      byte[] wholeMpub = WireClient.withBody("MPUB t", WireClient.mpubBody("one", "two"));
      mpub.write(Arrays.copyOf(wholeMpub, wholeMpub.length - 6)).shutdownOutput();

      assertThat(pub.readError()).isEqualTo("E_BAD_MESSAGE PUB failed to read message body");
      assertThat(mpub.readError())
          .isEqualTo("E_BAD_MESSAGE MPUB failed to read message(1) body size");
      assertThat(pub.closedByBrokerWithin(Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void aLineLongerThanNsqdsReadBufferEndsTheConnection() {
    try (WireClient client = client()) {
      client.write(("PUB " + "a".repeat(20_000)).getBytes(StandardCharsets.US_ASCII));

      assertThat(client.closedByBrokerWithin(Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void rdyOutOfRangeIsFatal() {
    try (WireClient client = subscriber("{}", unique("t"), "c")) {
      client.send("RDY 2501");

      assertThat(client.readError()).isEqualTo("E_INVALID RDY count 2501 out of range 0-2500");
      assertThat(client.closedByBrokerWithin(Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void heartbeatsDisabledMeansNoSubscription() {
    try (WireClient client = client()) {
      client.identify("{\"heartbeat_interval\":-1}");
      client.send("SUB t c");

      assertThat(client.readError()).isEqualTo("E_INVALID cannot SUB with heartbeats disabled");
    }
  }

  // ---- framing ----

  @Test
  void anMpubArrivingOneByteAtATimeIsReadWhole() {
    String topic = unique("t");
    try (WireClient consumer = subscriber("{}", topic, "c");
        WireClient producer = client()) {
      for (byte b : WireClient.withBody("MPUB " + topic, WireClient.mpubBody("a", "bb", "ccc"))) {
        producer.write(new byte[] {b});
      }
      assertThat(producer.readResponse()).isEqualTo("OK");

      consumer.send("RDY 3");
      List<String> bodies = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        bodies.add(consumer.readMessage().bodyText());
      }
      assertThat(bodies).containsExactly("a", "bb", "ccc");
    }
  }

  @Test
  void pipelinedCommandsAreAnsweredInOrder() {
    String topic = unique("t");
    try (WireClient client = client()) {
      byte[] one = WireClient.withBody("PUB " + topic, "1".getBytes(StandardCharsets.US_ASCII));
      byte[] nop = "NOP\n".getBytes(StandardCharsets.US_ASCII);
      byte[] bad = "FIN 0123456789abcdef\n".getBytes(StandardCharsets.US_ASCII);
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      all.writeBytes(one);
      all.writeBytes(nop);
      all.writeBytes(one);
      all.writeBytes(bad);

      client.write(all.toByteArray());

      assertThat(client.readResponse()).isEqualTo("OK");
      assertThat(client.readResponse()).isEqualTo("OK");
      assertThat(client.readError()).isEqualTo("E_INVALID cannot FIN in current state");
    }
  }

  @Test
  void messageFramesCarryNsqdsTimestampAttemptsAndHexId() {
    String topic = unique("t");
    try (WireClient consumer = subscriber("{}", topic, "c");
        WireClient producer = client()) {
      long before = System.currentTimeMillis() * 1_000_000;
      producer.publish(topic, "first").publish(topic, "second");
      long after = (System.currentTimeMillis() + 1) * 1_000_000;

      consumer.send("RDY 2");
      WireClient.Message first = consumer.readMessage();
      WireClient.Message second = consumer.readMessage();

      assertThat(first.bodyText()).isEqualTo("first");
      assertThat(first.attempts()).isEqualTo(1);
      assertThat(first.timestamp()).isBetween(before - 50_000_000, after + 50_000_000);
      assertThat(first.id()).matches("[0-9a-f]{16}");
      assertThat(Long.parseUnsignedLong(second.id(), 16))
          .isGreaterThan(Long.parseUnsignedLong(first.id(), 16));
    }
  }

  // ---- answers ----

  @Test
  void finOfAnUnknownIdFailsWithoutClosing() {
    String topic = unique("t");
    try (WireClient consumer = subscriber("{}", topic, "c");
        WireClient other = subscriber("{}", topic, "c")) {
      client().publish(topic, "m");
      consumer.send("RDY 1");
      WireClient.Message message = consumer.readMessage();

      consumer.send("FIN 0000000000000000");
      assertThat(consumer.readError())
          .isEqualTo("E_FIN_FAILED FIN 0000000000000000 failed ID not in flight");
      other.send("FIN " + message.id());
      assertThat(other.readError())
          .isEqualTo("E_FIN_FAILED FIN " + message.id() + " failed client does not own message");
      other.send("TOUCH " + message.id());
      assertThat(other.readError())
          .isEqualTo(
              "E_TOUCH_FAILED TOUCH " + message.id() + " failed client does not own message");
      other.send("REQ " + message.id() + " 0");
      assertThat(other.readError())
          .isEqualTo("E_REQ_FAILED REQ " + message.id() + " failed client does not own message");

      consumer.send("FIN " + message.id()).send("NOP");
      assertThat(consumer.silentFor(Duration.ofMillis(200))).isTrue();
      consumer.send("FIN abc");
      assertThat(consumer.readError()).isEqualTo("E_INVALID invalid message ID");
    }
  }

  @Test
  void reqRedeliversWithTheNextAttemptAndAfterItsDelay() {
    String topic = unique("t");
    try (WireClient consumer = subscriber("{}", topic, "c")) {
      client().publish(topic, "again");
      consumer.send("RDY 1");
      WireClient.Message first = consumer.readMessage();

      consumer.send("REQ " + first.id() + " 0");
      WireClient.Message second = consumer.readMessage();
      long requeuedAt = System.nanoTime();
      consumer.send("REQ " + second.id() + " 300");
      WireClient.Message third = consumer.readMessage();
      long delay = System.nanoTime() - requeuedAt;

      assertThat(List.of(first.attempts(), second.attempts(), third.attempts()))
          .containsExactly(1, 2, 3);
      assertThat(third.id()).isEqualTo(first.id());
      assertThat(Duration.ofNanos(delay)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
      JsonNode channel = channelStats(topic, "c");
      assertThat(channel.get("requeue_count").asLong()).isEqualTo(2);
      assertThat(channel.get("in_flight_count").asLong()).isEqualTo(1);
    }
  }

  @Test
  void anUnansweredMessageIsRedeliveredAfterMsgTimeout() {
    String topic = unique("t");
    try (WireClient consumer = subscriber("{\"msg_timeout\":1000}", topic, "c")) {
      client().publish(topic, "slow");
      consumer.send("RDY 1");
      WireClient.Message first = consumer.readMessage();
      long deliveredAt = System.nanoTime();

      WireClient.Message again = consumer.readMessage();

      assertThat(Duration.ofNanos(System.nanoTime() - deliveredAt))
          .isGreaterThanOrEqualTo(Duration.ofMillis(900));
      assertThat(again.id()).isEqualTo(first.id());
      assertThat(again.attempts()).isEqualTo(2);
      assertThat(channelStats(topic, "c").get("timeout_count").asLong()).isEqualTo(1);
    }
  }

  @Test
  void touchKeepsAMessageInFlightBeyondMsgTimeout() {
    String topic = unique("t");
    try (WireClient consumer = subscriber("{\"msg_timeout\":1000}", topic, "c")) {
      client().publish(topic, "long job");
      consumer.send("RDY 1");
      WireClient.Message message = consumer.readMessage();

      // 2.5 s of work, three times the timeout, touching every half second.
      for (int i = 0; i < 5; i++) {
        assertThat(consumer.silentFor(Duration.ofMillis(500)))
            .as("redelivered despite TOUCH")
            .isTrue();
        consumer.send("TOUCH " + message.id());
      }
      consumer.send("FIN " + message.id()).send("NOP");

      assertThat(consumer.silentFor(Duration.ofMillis(300)))
          .as("FIN refused: the message was not in flight")
          .isTrue();
      assertThat(channelStats(topic, "c").get("timeout_count").asLong()).isZero();
    }
  }

  @Test
  void anUnbufferedClientGetsEveryMessageAtOnce() {
    String topic = unique("t");
    try (WireClient consumer = subscriber("{\"output_buffer_size\":-1}", topic, "c");
        WireClient producer = client()) {
      consumer.send("RDY 3");
      producer.publish(topic, "1").publish(topic, "2").publish(topic, "3");

      assertThat(
              List.of(
                  consumer.readMessage().bodyText(),
                  consumer.readMessage().bodyText(),
                  consumer.readMessage().bodyText()))
          .containsExactly("1", "2", "3");
    }
  }

  @Test
  void rdyZeroStopsDeliveryUntilRdyAgain() {
    String topic = unique("t");
    try (WireClient consumer = subscriber("{}", topic, "c");
        WireClient producer = client()) {
      producer.publish(topic, "1");
      consumer.send("RDY 1");
      WireClient.Message first = consumer.readMessage();
      consumer.send("RDY 0").send("FIN " + first.id());
      producer.publish(topic, "2");

      assertThat(consumer.silentFor(Duration.ofMillis(300))).isTrue();
      consumer.send("RDY 1");
      assertThat(consumer.readMessage().bodyText()).isEqualTo("2");
    }
  }

  @Test
  void clsAnswersCloseWaitAndEndsDelivery() {
    String topic = unique("t");
    try (WireClient consumer = subscriber("{}", topic, "c");
        WireClient producer = client()) {
      producer.publish(topic, "1");
      consumer.send("RDY 10");
      WireClient.Message inFlight = consumer.readMessage();

      consumer.send("CLS");
      assertThat(consumer.readResponse()).isEqualTo("CLOSE_WAIT");
      producer.publish(topic, "2");
      consumer.send("RDY 5"); // ignored after CLS, as by nsqd
      assertThat(consumer.silentFor(Duration.ofMillis(300))).isTrue();
      consumer.send("FIN " + inFlight.id()).send("NOP");
      assertThat(consumer.silentFor(Duration.ofMillis(100))).isTrue();
      assertThat(channelStats(topic, "c").get("depth").asLong()).isEqualTo(1);
    }
  }

  @Test
  void aConsumerThatDisconnectsHasItsMessagesRedeliveredAtOnce() {
    String topic = unique("t");
    try (WireClient survivor = subscriber("{}", topic, "c")) {
      WireClient.Message lost;
      try (WireClient leaving = subscriber("{}", topic, "c")) {
        leaving.send("RDY 1");
        client().publish(topic, "work");
        lost = leaving.readMessage();
      }
      survivor.send("RDY 1");

      // The default msg_timeout is 60 s: arriving within the read timeout means it was not waited
      // for.
      WireClient.Message redelivered = survivor.readMessage();
      assertThat(redelivered.id()).isEqualTo(lost.id());
      assertThat(redelivered.attempts()).isEqualTo(2);
    }
  }

  @Test
  void aSilentClientIsClosedAfterTwoMissedHeartbeats() {
    try (WireClient silent = client();
        WireClient alive = client()) {
      silent.identify("{\"heartbeat_interval\":1000}");
      alive.identify("{\"heartbeat_interval\":1000}");
      long start = System.nanoTime();

      for (int beats = 0; beats < 3; beats++) {
        assertThat(alive.read().text()).isEqualTo("_heartbeat_");
        alive.send("NOP");
      }
      assertThat(silent.closedByBrokerWithin(Duration.ofSeconds(5))).isTrue();
      long closedAfter = System.nanoTime() - start;

      assertThat(Duration.ofNanos(closedAfter))
          .isBetween(Duration.ofMillis(1500), Duration.ofMillis(4500));
      assertThat(alive.closedByBrokerWithin(Duration.ofMillis(100))).isFalse();
    }
  }

  // ---- topics and channels ----

  @Test
  void messagesPublishedBeforeAnyChannelWaitForTheFirstOne() {
    String topic = unique("t");
    try (WireClient producer = client()) {
      producer.publish(topic, "1").publish(topic, "2").publish(topic, "3");
      try (WireClient consumer = subscriber("{}", topic, "late")) {
        consumer.send("RDY 3");

        assertThat(
                List.of(
                    consumer.readMessage().bodyText(),
                    consumer.readMessage().bodyText(),
                    consumer.readMessage().bodyText()))
            .containsExactly("1", "2", "3");
      }
    }
  }

  @Test
  void everyChannelGetsEveryMessageAndAChannelSharesThemOut() {
    String topic = unique("t");
    try (WireClient audit = subscriber("{}", topic, "audit");
        WireClient worker1 = subscriber("{}", topic, "work");
        WireClient worker2 = subscriber("{}", topic, "work");
        WireClient producer = client()) {
      audit.send("RDY 100");
      worker1.send("RDY 100");
      worker2.send("RDY 100");
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  channelStats(topic, "work").get("clients").findValues("ready_count").stream()
                      .allMatch(rdy -> rdy.asLong() == 100));
      for (int i = 0; i < 20; i++) {
        producer.publish(topic, "m" + i);
      }

      Set<String> audited = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        audited.add(audit.readMessage().bodyText());
      }
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> channelStats(topic, "work").get("in_flight_count").asLong() == 20);
      JsonNode clients = channelStats(topic, "work").get("clients");
      assertThat(audited).hasSize(20);
      assertThat(clients.get(0).get("in_flight_count").asLong()).isEqualTo(10);
      assertThat(clients.get(1).get("in_flight_count").asLong()).isEqualTo(10);
    }
  }

  @Test
  void ephemeralChannelsAndTopicsGoWithTheirLastClient() {
    String topic = unique("t") + "#ephemeral";
    try (WireClient consumer = subscriber("{}", topic, "c#ephemeral")) {
      assertThat(channelStats(topic, "c#ephemeral")).isNotNull();
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                stats("").get("topics").findValuesAsText("topic_name").stream()
                    .noneMatch(topic::equals));
  }

  @Test
  void aFullQueueRefusesPublishesButAnEphemeralOneDropsTheExcess() throws IOException {
    try (DevBroker small = TestBrokers.onFreePorts().memQueueSize(3).start();
        WireClient client = WireClient.connect(small.tcpAddress());
        WireClient ephemeral = WireClient.connect(small.tcpAddress())) {
      for (int i = 0; i < 3; i++) {
        client.publish("kept", "m" + i);
      }
      for (int i = 0; i < 5; i++) {
        ephemeral.publish("gone#ephemeral", "m" + i);
      }
      client.send("PUB kept", "one too many".getBytes(StandardCharsets.UTF_8));

      assertThat(client.readError()).startsWith("E_PUB_FAILED PUB failed topic kept is full");
      JsonNode stats =
          JSON.readTree(
              HttpCalls.get(TestBrokers.url(small.httpAddress(), "/stats?format=json")).body());
      assertThat(stats.get("topics").findValuesAsText("topic_name"))
          .containsExactly("gone#ephemeral", "kept");
      assertThat(stats.get("topics").findValues("depth").stream().map(JsonNode::asLong))
          .containsExactly(3L, 3L);
      assertThat(stats.get("topics").findValues("message_count").stream().map(JsonNode::asLong))
          .containsExactly(5L, 3L);
    }
  }

  @Test
  void dpubHoldsTheMessageBackForItsDelay() {
    String topic = unique("t");
    try (WireClient consumer = subscriber("{}", topic, "c");
        WireClient producer = client()) {
      consumer.send("RDY 1");
      long sentAt = System.nanoTime();
      producer.send("DPUB " + topic + " 400", "later".getBytes(StandardCharsets.UTF_8));
      assertThat(producer.readResponse()).isEqualTo("OK");

      assertThat(consumer.readMessage().bodyText()).isEqualTo("later");
      assertThat(Duration.ofNanos(System.nanoTime() - sentAt))
          .isGreaterThanOrEqualTo(Duration.ofMillis(400));
    }
  }

  private static JsonNode stats(String query) {
    try {
      return JSON.readTree(
          HttpCalls.get(TestBrokers.url(broker.httpAddress(), "/stats?format=json" + query))
              .body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode channelStats(String topic, String channel) {
    JsonNode topics =
        stats("&topic=" + topic.replace("#", "%23") + "&channel=" + channel.replace("#", "%23"))
            .get("topics");
    return topics == null || topics.isEmpty() ? null : topics.get(0).get("channels").get(0);
  }
}
