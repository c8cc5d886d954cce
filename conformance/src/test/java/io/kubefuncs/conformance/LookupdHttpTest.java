package io.kubefuncs.conformance;

import static io.kubefuncs.conformance.Http.assertRefused;
import static io.kubefuncs.conformance.JsonShape.array;
import static io.kubefuncs.conformance.JsonShape.number;
import static io.kubefuncs.conformance.JsonShape.string;
import static io.kubefuncs.conformance.JsonShape.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * nsqlookupd's HTTP API in its v1.3.0 shape, which consumers (go-nsq, the Kubefuncs client) and
 * NSQ's tools decode. Registrations reach it from nsqd asynchronously, hence the waits.
 */
class LookupdHttpTest {
  private static final JsonShape LOOKUP = JsonShape.of(array("channels"), array("producers"));
  private static final JsonShape PRODUCER =
      JsonShape.of(
          string("remote_address"),
          string("hostname"),
          string("broadcast_address"),
          number("tcp_port"),
          number("http_port"),
          string("version"));
  private static final JsonShape NODE =
      JsonShape.of(
          string("remote_address"),
          string("hostname"),
          string("broadcast_address"),
          number("tcp_port"),
          number("http_port"),
          string("version"),
          array("tombstones"),
          array("topics"));

  @ConformanceTest
  void pingAnswersOk(Broker broker) {
    Http.Response response = Http.get(broker.lookupdHttpUrl() + "/ping");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("OK");
  }

  @ConformanceTest
  void infoHasTheVersion(Broker broker) {
    Http.Response response = Http.get(broker.lookupdHttpUrl() + "/info");
    assertThat(response.status()).isEqualTo(200);
    JsonShape.of(string("version")).assertExactly(response.json(), "/info");
  }

  @ConformanceTest
  void lookupListsTheNsqdsOfATopicAndItsChannels(Broker broker) {
    String topic = UniqueNames.topic("lookup");
    Http.post(broker.httpUrl() + "/topic/create?topic=" + topic);
    Http.post(broker.httpUrl() + "/channel/create?topic=" + topic + "&channel=ch");

    LookupdRegistration.awaitTopic(broker, topic);
    JsonNode[] lookup = new JsonNode[1];
    await()
        .atMost(LookupdRegistration.TIMEOUT)
        .until(
            () -> {
              lookup[0] = Http.get(broker.lookupdHttpUrl() + "/lookup?topic=" + topic).json();
              return strings(lookup[0].path("channels")).contains("ch");
            });

    LOOKUP.assertExactly(lookup[0], "/lookup");
    assertThat(strings(lookup[0].get("channels"))).containsExactly("ch");
    assertThat(lookup[0].get("producers")).hasSize(1);
    JsonNode producer = lookup[0].get("producers").get(0);
    PRODUCER.assertExactly(producer, "producer");
    // Consumers connect to broadcast_address:tcp_port, and tools to broadcast_address:http_port.
    assertThat(producer.get("broadcast_address").asText())
        .isEqualTo(broker.tcpAddress().getHostString());
    assertThat(producer.get("tcp_port").asInt()).isEqualTo(broker.tcpAddress().getPort());
    assertThat(producer.get("http_port").asInt()).isEqualTo(broker.httpAddress().getPort());
  }

  @ConformanceTest
  void lookupOfAnUnknownTopicIsNotFound(Broker broker) {
    assertRefused(
        Http.get(broker.lookupdHttpUrl() + "/lookup?topic=" + UniqueNames.topic("never")),
        404,
        "TOPIC_NOT_FOUND");
    assertRefused(Http.get(broker.lookupdHttpUrl() + "/lookup"), 400, "MISSING_ARG_TOPIC");
  }

  @ConformanceTest
  void aDeletedTopicKeepsNoProducer(Broker broker) {
    String topic = UniqueNames.topic("lookup-deleted");
    Http.post(broker.httpUrl() + "/topic/create?topic=" + topic);
    LookupdRegistration.awaitTopic(broker, topic);

    Http.post(broker.httpUrl() + "/topic/delete?topic=" + topic);
    await()
        .atMost(LookupdRegistration.TIMEOUT)
        .untilAsserted(
            () -> {
              Http.Response response = Http.get(broker.lookupdHttpUrl() + "/lookup?topic=" + topic);
              assertThat(response.status()).as("%s", response).isEqualTo(200);
              assertThat(response.json().path("producers")).as("%s", response).isEmpty();
            });
  }

  @ConformanceTest
  void topicsListsEveryRegisteredTopic(Broker broker) {
    String first = UniqueNames.topic("listed");
    String second = UniqueNames.topic("listed");
    Http.post(broker.httpUrl() + "/topic/create?topic=" + first);
    Http.post(broker.httpUrl() + "/topic/create?topic=" + second);

    await()
        .atMost(LookupdRegistration.TIMEOUT)
        .untilAsserted(
            () -> {
              JsonNode topics = Http.get(broker.lookupdHttpUrl() + "/topics").json();
              JsonShape.of(array("topics")).assertExactly(topics, "/topics");
              assertThat(strings(topics.get("topics"))).contains(first, second);
            });
  }

  @ConformanceTest
  @SuppressWarnings("try") // the connections only need to exist
  void channelsListsTheChannelsOfATopicAndForgetsEphemeralOnes(Broker broker) {
    String topic = UniqueNames.topic("channels");
    String channels = broker.lookupdHttpUrl() + "/channels?topic=" + topic;
    try (WireClient durable = WireClient.consumer(broker, topic, "durable", 0);
        WireClient ephemeral = WireClient.consumer(broker, topic, "temp#ephemeral", 0)) {
      await()
          .atMost(LookupdRegistration.TIMEOUT)
          .untilAsserted(
              () -> {
                JsonNode answer = Http.get(channels).json();
                JsonShape.of(array("channels")).assertExactly(answer, "/channels");
                assertThat(strings(answer.get("channels")))
                    .containsExactlyInAnyOrder("durable", "temp#ephemeral");
              });
    }
    await()
        .atMost(LookupdRegistration.TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(strings(Http.get(channels).json().get("channels")))
                    .doesNotContain("temp#ephemeral"));

    Http.Response unknown =
        Http.get(broker.lookupdHttpUrl() + "/channels?topic=" + UniqueNames.topic("none"));
    assertThat(unknown.status()).isEqualTo(200);
    assertThat(unknown.json().get("channels")).isEmpty();
    assertRefused(Http.get(broker.lookupdHttpUrl() + "/channels"), 400, "MISSING_ARG_TOPIC");
  }

  @ConformanceTest
  void nodesListsTheNsqdWithItsTopics(Broker broker) {
    String topic = UniqueNames.topic("nodes");
    Http.post(broker.httpUrl() + "/topic/create?topic=" + topic);

    await()
        .atMost(LookupdRegistration.TIMEOUT)
        .untilAsserted(
            () -> {
              JsonNode nodes = Http.get(broker.lookupdHttpUrl() + "/nodes").json();
              JsonShape.of(array("producers")).assertExactly(nodes, "/nodes");
              assertThat(nodes.get("producers")).hasSize(1);
              JsonNode node = nodes.get("producers").get(0);
              NODE.assertExactly(node, "node");
              assertThat(node.get("tcp_port").asInt()).isEqualTo(broker.tcpAddress().getPort());
              assertThat(node.get("http_port").asInt()).isEqualTo(broker.httpAddress().getPort());
              assertThat(strings(node.get("topics"))).contains(topic);
              assertThat(node.get("tombstones"))
                  .as("one tombstone flag per topic")
                  .hasSameSizeAs(node.get("topics"));
            });
  }

  @ConformanceTest
  void unknownPathsAndWrongMethodsAreRefused(Broker broker) {
    assertRefused(Http.get(broker.lookupdHttpUrl() + "/no/such/path"), 404, "NOT_FOUND");
    assertRefused(
        Http.post(broker.lookupdHttpUrl() + "/lookup?topic=t"), 405, "METHOD_NOT_ALLOWED");
  }
}
