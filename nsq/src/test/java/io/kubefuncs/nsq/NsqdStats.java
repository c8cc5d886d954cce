package io.kubefuncs.nsq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** Reads nsqd's own view of a channel from {@code /stats?format=json}: what the broker saw, not what the client says. */
final class NsqdStats {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  private NsqdStats() {}

  static JsonNode channel(String httpUrl, String topic, String channel) {
    JsonNode stats = get(httpUrl + "/stats?format=json&topic=" + encode(topic) + "&channel=" + encode(channel));
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

  /** FINs nsqd counted from the channel's connected clients (nsqd keeps no channel-wide count). */
  static long finished(String httpUrl, String topic, String channel) {
    long sum = 0;
    for (JsonNode c : channel(httpUrl, topic, channel).path("clients")) {
      sum += c.path("finish_count").asLong();
    }
    return sum;
  }

  /** RDY count nsqd holds for each client of the channel. */
  static List<Integer> readyCounts(String httpUrl, String topic, String channel) {
    List<Integer> counts = new ArrayList<>();
    channel(httpUrl, topic, channel).path("clients").forEach(c -> counts.add(c.path("ready_count").asInt()));
    return counts;
  }

  static long depth(String httpUrl, String topic) {
    JsonNode stats = get(httpUrl + "/stats?format=json&topic=" + encode(topic));
    for (JsonNode t : stats.path("topics")) {
      if (t.path("topic_name").asText().equals(topic)) {
        return t.path("depth").asLong();
      }
    }
    return 0;
  }

  private static String encode(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static JsonNode get(String url) {
    try {
      HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
      JsonNode body = JSON.readTree(r.body());
      return body.has("data") ? body.get("data") : body;
    } catch (IOException e) {
      throw new IllegalStateException("GET " + url + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
