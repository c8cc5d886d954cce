package io.kubefuncs.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * nsqd's own account of a topic or channel, from {@code GET /stats?format=json}: what the broker
 * saw, independent of what a client believes it did.
 */
public final class NsqdStats {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private NsqdStats() {}

  /**
   * The topic's stats ({@code depth}, {@code message_count}, {@code channels}), or an empty node
   * when nsqd has no such topic.
   */
  public static JsonNode topic(String nsqdHttpUrl, String topic) {
    for (JsonNode t : stats(nsqdHttpUrl, "&topic=" + encode(topic)).path("topics")) {
      if (t.path("topic_name").asText().equals(topic)) {
        return t;
      }
    }
    return JSON.createObjectNode();
  }

  /**
   * The channel's stats ({@code depth}, {@code in_flight_count}, {@code deferred_count}, {@code
   * requeue_count}, {@code timeout_count}, {@code message_count}, {@code clients}), or an empty
   * node when nsqd has no such channel.
   */
  public static JsonNode channel(String nsqdHttpUrl, String topic, String channel) {
    JsonNode stats = stats(nsqdHttpUrl, "&topic=" + encode(topic) + "&channel=" + encode(channel));
    for (JsonNode t : stats.path("topics")) {
      if (t.path("topic_name").asText().equals(topic)) {
        for (JsonNode c : t.path("channels")) {
          if (c.path("channel_name").asText().equals(channel)) {
            return c;
          }
        }
      }
    }
    return JSON.createObjectNode();
  }

  /** Whether the channel exists and holds nothing: no message queued, in flight or deferred. */
  public static boolean channelEmpty(String nsqdHttpUrl, String topic, String channel) {
    JsonNode c = channel(nsqdHttpUrl, topic, channel);
    return c.has("depth")
        && c.path("depth").asLong() == 0
        && c.path("in_flight_count").asLong() == 0
        && c.path("deferred_count").asLong() == 0;
  }

  /** FINs nsqd counted from the channel's connected clients (nsqd keeps no channel-wide count). */
  public static long finished(String nsqdHttpUrl, String topic, String channel) {
    long sum = 0;
    for (JsonNode c : channel(nsqdHttpUrl, topic, channel).path("clients")) {
      sum += c.path("finish_count").asLong();
    }
    return sum;
  }

  /** The RDY count nsqd holds for each client of the channel. */
  public static java.util.List<Integer> readyCounts(
      String nsqdHttpUrl, String topic, String channel) {
    java.util.List<Integer> counts = new java.util.ArrayList<>();
    channel(nsqdHttpUrl, topic, channel)
        .path("clients")
        .forEach(c -> counts.add(c.path("ready_count").asInt()));
    return counts;
  }

  /** Messages waiting in the topic itself (not yet copied to channels). */
  public static long depth(String nsqdHttpUrl, String topic) {
    return topic(nsqdHttpUrl, topic).path("depth").asLong();
  }

  /** Messages ever published to the topic on that nsqd; 0 when it has no such topic. */
  public static long messageCount(String nsqdHttpUrl, String topic) {
    return topic(nsqdHttpUrl, topic).path("message_count").asLong();
  }

  /**
   * How many messages each producer connection now open on nsqd published to {@code topic}, one
   * entry per connection that published any: which connections a client's publishes went out on.
   */
  public static java.util.List<Long> publishCountsByConnection(String nsqdHttpUrl, String topic) {
    java.util.List<Long> counts = new java.util.ArrayList<>();
    for (JsonNode producer : stats(nsqdHttpUrl, "").path("producers")) {
      for (JsonNode c : producer.path("pub_counts")) {
        if (c.path("topic").asText().equals(topic)) {
          counts.add(c.path("count").asLong());
        }
      }
    }
    return counts;
  }

  /**
   * Messages ever published to each topic on nsqd whose name starts with {@code prefix}, by topic
   * name: a client's return topics, say.
   */
  public static java.util.Map<String, Long> messageCountsOfTopicsStartingWith(
      String nsqdHttpUrl, String prefix) {
    java.util.Map<String, Long> counts = new java.util.TreeMap<>();
    for (JsonNode t : stats(nsqdHttpUrl, "").path("topics")) {
      String name = t.path("topic_name").asText();
      if (name.startsWith(prefix)) {
        counts.put(name, t.path("message_count").asLong());
      }
    }
    return counts;
  }

  private static JsonNode stats(String nsqdHttpUrl, String query) {
    String url = nsqdHttpUrl + "/stats?format=json" + query;
    try {
      HttpResponse<byte[]> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("GET " + url + " answered " + response.statusCode());
      }
      JsonNode body = JSON.readTree(response.body());
      // nsqd before 1.0 wrapped its answers in {"status_code":..,"data":..}; 1.x does not.
      return body.has("data") ? body.get("data") : body;
    } catch (IOException e) {
      throw new IllegalStateException("GET " + url + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during GET " + url, e);
    }
  }

  /** Query values must be encoded: channel and topic names may end in {@code #ephemeral}. */
  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
