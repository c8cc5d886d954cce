package io.kubefuncs.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** nsqd's own count of what went through a topic, from its {@code /stats} endpoint. */
final class NsqdStats {
  private static final ObjectMapper JSON = new ObjectMapper();

  private NsqdStats() {}

  /** Messages ever published to {@code topic} on that nsqd; 0 when it has no such topic. */
  static long messageCount(String nsqdHttpUrl, String topic) throws IOException, InterruptedException {
    URI uri = URI.create(nsqdHttpUrl + "/stats?format=json&topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8));
    HttpResponse<String> r = TestGateway.HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    for (JsonNode t : JSON.readTree(r.body()).path("topics")) {
      if (t.path("topic_name").asText().equals(topic)) {
        return t.path("message_count").asLong();
      }
    }
    return 0;
  }
}
