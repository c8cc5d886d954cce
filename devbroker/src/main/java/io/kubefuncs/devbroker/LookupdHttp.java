package io.kubefuncs.devbroker;

import static io.netty.handler.codec.http.HttpMethod.GET;
import static io.netty.handler.codec.http.HttpMethod.POST;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** nsqlookupd's HTTP API, with nsqlookupd 1.3.0's JSON shapes, statuses and messages. */
final class LookupdHttp {
  private final Lookupd lookupd;

  LookupdHttp(Lookupd lookupd) {
    this.lookupd = lookupd;
  }

  HttpApi api() {
    return new HttpApi("nsqlookupd HTTP", lookupd.options.maxBodySize())
        .plainTextRoute(GET, "/ping", request -> "OK")
        .route(GET, "/info", request -> Map.of("version", Options.VERSION))
        .route(GET, "/debug", request -> debug())
        .route(GET, "/lookup", this::lookup)
        .route(
            GET,
            "/topics",
            request ->
                Map.of(
                    "topics",
                    Lookupd.keys(lookupd.findRegistrations(Lookupd.TOPIC, Lookupd.ANY, ""))))
        .route(
            GET,
            "/channels",
            request ->
                Map.of(
                    "channels",
                    Lookupd.subKeys(
                        lookupd.findRegistrations(Lookupd.CHANNEL, topic(request), Lookupd.ANY))))
        .route(GET, "/nodes", request -> nodes())
        .route(POST, "/topic/create", this::createTopic)
        .route(POST, "/topic/delete", this::deleteTopic)
        .route(POST, "/channel/create", this::createChannel)
        .route(POST, "/channel/delete", this::deleteChannel)
        .route(POST, "/topic/tombstone", this::tombstone);
  }

  private static String topic(HttpApi.Request request) throws HttpError {
    String topic = request.query().get("topic");
    if (topic == null) {
      throw new HttpError(400, "MISSING_ARG_TOPIC");
    }
    return topic;
  }

  private Object lookup(HttpApi.Request request) throws HttpError {
    String topic = topic(request);
    if (lookupd.findRegistrations(Lookupd.TOPIC, topic, "").isEmpty()) {
      throw new HttpError(404, "TOPIC_NOT_FOUND");
    }
    List<Lookupd.Producer> producers =
        Lookupd.active(
            lookupd.findProducers(Lookupd.TOPIC, topic, ""),
            Lookupd.INACTIVE_PRODUCER_TIMEOUT_NANOS,
            Lookupd.TOMBSTONE_LIFETIME_NANOS);
    List<Object> peers = new ArrayList<>();
    for (Lookupd.Producer producer : producers) {
      peers.add(peerInfo(producer.peer));
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put(
        "channels",
        Lookupd.subKeys(lookupd.findRegistrations(Lookupd.CHANNEL, topic, Lookupd.ANY)));
    result.put("producers", peers);
    return result;
  }

  private Object nodes() {
    // As nsqlookupd: tombstoned producers are listed, with their tombstones.
    List<Lookupd.Producer> producers =
        Lookupd.active(
            lookupd.findProducers(Lookupd.CLIENT, "", ""),
            Lookupd.INACTIVE_PRODUCER_TIMEOUT_NANOS,
            0);
    List<Object> nodes = new ArrayList<>();
    for (Lookupd.Producer producer : producers) {
      List<Lookupd.Registration> topicRegistrations = new ArrayList<>();
      for (Lookupd.Registration r : lookupd.registrationsOf(producer.peer.id)) {
        if (r.matches(Lookupd.TOPIC, Lookupd.ANY, "")) {
          topicRegistrations.add(r);
        }
      }
      List<String> topics = Lookupd.keys(topicRegistrations);
      List<Boolean> tombstones = new ArrayList<>();
      for (String topic : topics) {
        boolean tombstoned = false;
        for (Lookupd.Producer topicProducer : lookupd.findProducers(Lookupd.TOPIC, topic, "")) {
          if (topicProducer.peer == producer.peer) {
            tombstoned = topicProducer.isTombstoned(Lookupd.TOMBSTONE_LIFETIME_NANOS);
            break;
          }
        }
        tombstones.add(tombstoned);
      }
      Map<String, Object> node = peerInfo(producer.peer);
      node.put("tombstones", tombstones);
      node.put("topics", topics);
      nodes.add(node);
    }
    return Map.of("producers", nodes);
  }

  private Object debug() {
    Map<String, List<Object>> data = new LinkedHashMap<>();
    lookupd
        .all()
        .forEach(
            (r, producers) -> {
              List<Object> entries =
                  data.computeIfAbsent(
                      r.category() + ":" + r.key() + ":" + r.subKey(), k -> new ArrayList<>());
              for (Lookupd.Producer p : producers.values()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", p.peer.id);
                entry.put("hostname", p.peer.hostname);
                entry.put("broadcast_address", p.peer.broadcastAddress);
                entry.put("tcp_port", p.peer.tcpPort);
                entry.put("http_port", p.peer.httpPort);
                entry.put("version", p.peer.version);
                entry.put("tombstoned", p.isTombstoned(Long.MAX_VALUE));
                entries.add(entry);
              }
            });
    return data;
  }

  private Object createTopic(HttpApi.Request request) throws HttpError {
    String topic = topic(request);
    if (!Names.isValid(topic)) {
      throw new HttpError(400, "INVALID_ARG_TOPIC");
    }
    lookupd.addRegistration(new Lookupd.Registration(Lookupd.TOPIC, topic, ""));
    return null;
  }

  private Object deleteTopic(HttpApi.Request request) throws HttpError {
    String topic = topic(request);
    for (Lookupd.Registration r : lookupd.findRegistrations(Lookupd.CHANNEL, topic, Lookupd.ANY)) {
      lookupd.removeRegistration(r);
    }
    for (Lookupd.Registration r : lookupd.findRegistrations(Lookupd.TOPIC, topic, "")) {
      lookupd.removeRegistration(r);
    }
    return null;
  }

  private Object createChannel(HttpApi.Request request) throws HttpError {
    TopicAndChannel names = topicAndChannel(request);
    lookupd.addRegistration(
        new Lookupd.Registration(Lookupd.CHANNEL, names.topic(), names.channel()));
    lookupd.addRegistration(new Lookupd.Registration(Lookupd.TOPIC, names.topic(), ""));
    return null;
  }

  private Object deleteChannel(HttpApi.Request request) throws HttpError {
    TopicAndChannel names = topicAndChannel(request);
    List<Lookupd.Registration> registrations =
        lookupd.findRegistrations(Lookupd.CHANNEL, names.topic(), names.channel());
    if (registrations.isEmpty()) {
      throw new HttpError(404, "CHANNEL_NOT_FOUND");
    }
    registrations.forEach(lookupd::removeRegistration);
    return null;
  }

  private Object tombstone(HttpApi.Request request) throws HttpError {
    String topic = topic(request);
    String node = request.query().get("node");
    if (node == null) {
      throw new HttpError(400, "MISSING_ARG_NODE");
    }
    for (Lookupd.Producer producer : lookupd.findProducers(Lookupd.TOPIC, topic, "")) {
      if ((producer.peer.broadcastAddress + ":" + producer.peer.httpPort).equals(node)) {
        producer.tombstone();
      }
    }
    return null;
  }

  private record TopicAndChannel(String topic, String channel) {}

  /** nsqlookupd's GetTopicChannelArgs. */
  private static TopicAndChannel topicAndChannel(HttpApi.Request request) throws HttpError {
    QueryParams query = request.query();
    String topic = query.get("topic");
    if (topic == null) {
      throw new HttpError(400, "MISSING_ARG_TOPIC");
    }
    if (!Names.isValid(topic)) {
      throw new HttpError(400, "INVALID_ARG_TOPIC");
    }
    String channel = query.get("channel");
    if (channel == null) {
      throw new HttpError(400, "MISSING_ARG_CHANNEL");
    }
    if (!Names.isValid(channel)) {
      throw new HttpError(400, "INVALID_ARG_CHANNEL");
    }
    return new TopicAndChannel(topic, channel);
  }

  private static Map<String, Object> peerInfo(Lookupd.PeerInfo peer) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("remote_address", peer.remoteAddress);
    info.put("hostname", peer.hostname);
    info.put("broadcast_address", peer.broadcastAddress);
    info.put("tcp_port", peer.tcpPort);
    info.put("http_port", peer.httpPort);
    info.put("version", peer.version);
    return info;
  }
}
