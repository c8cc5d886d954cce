package io.kubefuncs.devbroker;

import static io.kubefuncs.devbroker.TestBrokers.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubefuncs.testkit.NsqdProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded nsqlookupd: its HTTP API, and a real nsqd registering over protocol V1. */
class LookupdTest {
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

  private static HttpResponse<String> get(String pathAndQuery) {
    return HttpCalls.get(TestBrokers.url(broker.lookupdHttpAddress(), pathAndQuery));
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(element -> texts.add(element.asText()));
    return texts;
  }

  @Test
  void pingAndInfo() {
    assertThat(get("/ping").body()).isEqualTo("OK");
    assertThat(json(get("/info")).get("version").asText()).isEqualTo("1.3.0");
  }

  @Test
  void theEmbeddedNsqdIsListedForItsTopicsAndChannels() {
    String topic = unique("t");
    try (WireClient consumer = WireClient.connect(broker.tcpAddress())) {
      consumer.identify("{}");
      consumer.subscribe(topic, "c");

      JsonNode lookup = json(get("/lookup?topic=" + topic));
      JsonNode producer = lookup.get("producers").get(0);
      assertThat(texts(lookup.get("channels"))).containsExactly("c");
      assertThat(lookup.get("producers")).hasSize(1);
      assertThat(producer.fieldNames())
          .toIterable()
          .containsExactly(
              "remote_address",
              "hostname",
              "broadcast_address",
              "tcp_port",
              "http_port",
              "version");
      assertThat(producer.get("broadcast_address").asText()).isEqualTo("127.0.0.1");
      assertThat(producer.get("tcp_port").asInt()).isEqualTo(broker.tcpAddress().getPort());
      assertThat(producer.get("http_port").asInt()).isEqualTo(broker.httpAddress().getPort());
      assertThat(texts(json(get("/topics")).get("topics"))).contains(topic);
      assertThat(texts(json(get("/channels?topic=" + topic)).get("channels"))).containsExactly("c");
      JsonNode node = json(get("/nodes")).get("producers").get(0);
      assertThat(texts(node.get("topics"))).contains(topic);
      assertThat(node.get("tombstones")).hasSameSizeAs(node.get("topics"));
    }
  }

  @Test
  void unknownTopicsAndMissingArguments() {
    HttpResponse<String> unknown = get("/lookup?topic=" + unique("never"));
    HttpResponse<String> missing = get("/lookup");

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).isEqualTo("{\"message\":\"TOPIC_NOT_FOUND\"}");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.body()).isEqualTo("{\"message\":\"MISSING_ARG_TOPIC\"}");
    assertThat(json(get("/channels?topic=" + unique("never"))).get("channels")).isEmpty();
  }

  @Test
  void registrationsCanBeAdministeredOverHttp() {
    String topic = unique("t");
    String base = TestBrokers.url(broker.lookupdHttpAddress(), "");
    assertThat(HttpCalls.post(base + "/channel/create?topic=" + topic + "&channel=c").statusCode())
        .isEqualTo(200);
    JsonNode lookup = json(get("/lookup?topic=" + topic));
    assertThat(texts(lookup.get("channels"))).containsExactly("c");
    assertThat(lookup.get("producers")).isEmpty();

    assertThat(HttpCalls.post(base + "/channel/delete?topic=" + topic + "&channel=c").statusCode())
        .isEqualTo(200);
    assertThat(HttpCalls.post(base + "/channel/delete?topic=" + topic + "&channel=c").body())
        .isEqualTo("{\"message\":\"CHANNEL_NOT_FOUND\"}");
    assertThat(HttpCalls.post(base + "/topic/create?topic=bad!").body())
        .isEqualTo("{\"message\":\"INVALID_ARG_TOPIC\"}");
    assertThat(HttpCalls.post(base + "/topic/delete?topic=" + topic).statusCode()).isEqualTo(200);
    assertThat(get("/lookup?topic=" + topic).statusCode()).isEqualTo(404);
  }

  @Test
  void aTombstonedProducerLeavesLookupButStaysInNodes() {
    String topic = unique("t");
    HttpCalls.post(TestBrokers.url(broker.httpAddress(), "/topic/create?topic=" + topic));
    String node = "127.0.0.1:" + broker.httpAddress().getPort();

    HttpResponse<String> tombstoned =
        HttpCalls.post(
            TestBrokers.url(
                broker.lookupdHttpAddress(), "/topic/tombstone?topic=" + topic + "&node=" + node));

    assertThat(tombstoned.statusCode()).isEqualTo(200);
    assertThat(json(get("/lookup?topic=" + topic)).get("producers")).isEmpty();
    JsonNode producer = json(get("/nodes")).get("producers").get(0);
    int index = texts(producer.get("topics")).indexOf(topic);
    assertThat(producer.get("tombstones").get(index).asBoolean()).isTrue();
    assertThat(json(get("/debug")).get("topic:" + topic + ":").get(0).get("tombstoned").asBoolean())
        .isTrue();
  }

  @Test
  void aTopicRecreatedOnTheNsqdGetsTheChannelsLookupdKnows() {
    String topic = unique("t");
    String nsqd = TestBrokers.url(broker.httpAddress(), "");
    HttpCalls.post(nsqd + "/topic/create?topic=" + topic);
    HttpCalls.post(nsqd + "/channel/create?topic=" + topic + "&channel=kept");
    HttpCalls.post(nsqd + "/topic/delete?topic=" + topic);

    // As with a real nsqd and nsqlookupd: the channel registration outlives the topic.
    HttpCalls.post(nsqd + "/pub?topic=" + topic, new byte[] {'m'});

    JsonNode stats = json(HttpCalls.get(nsqd + "/stats?format=json&topic=" + topic));
    JsonNode channel = stats.get("topics").get(0).get("channels").get(0);
    assertThat(channel.get("channel_name").asText()).isEqualTo("kept");
    assertThat(channel.get("depth").asInt()).isEqualTo(1);
  }

  @Test
  void aRealNsqdRegistersOverTcpAndIsForgottenWhenItStops() {
    String topic = unique("t");
    String lookupdTcp = TestBrokers.hostPort(broker.lookupdTcpAddress());
    try (NsqdProcess nsqd = NsqdProcess.builder().lookupdTcpAddress(lookupdTcp).start()) {
      nsqd.createTopic(topic);
      HttpCalls.post(nsqd.httpUrl() + "/channel/create?topic=" + topic + "&channel=real");

      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  get("/lookup?topic=" + topic).statusCode() == 200
                      && json(get("/lookup?topic=" + topic)).get("channels").size() == 1);
      JsonNode producer = json(get("/lookup?topic=" + topic)).get("producers").get(0);
      assertThat(producer.get("tcp_port").asInt()).isEqualTo(nsqd.tcpPort());
      assertThat(producer.get("http_port").asInt()).isEqualTo(nsqd.httpPort());
      assertThat(producer.get("version").asText()).isEqualTo("1.3.0");
      assertThat(json(get("/nodes")).get("producers")).hasSize(2);

      nsqd.stop();

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> json(get("/lookup?topic=" + topic)).get("producers").isEmpty());
      assertThat(json(get("/nodes")).get("producers")).hasSize(1);
    }
  }
}
