package io.kubefuncs.nsq;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * nsqlookupd's HTTP API: {@code /lookup}, {@code /channels}, {@code /nodes} and {@code /topics}. Reads both the
 * plain v1 response bodies and the older {@code {"status_code":..,"data":{..}}} envelope.
 */
public final class LookupdClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final Duration timeout;

  public LookupdClient(Duration timeout) {
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
  }

  /** The nsqds that have {@code topic}; empty when nsqlookupd does not know the topic. */
  public CompletableFuture<List<NsqdNode>> lookup(String lookupdAddress, String topic) {
    String path = "/lookup?topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8);
    return get(lookupdAddress, path, true).thenApply(body -> body == null ? List.of() : producers(body));
  }

  /** The channels of {@code topic} on every nsqd; empty when nsqlookupd knows no channel of it. */
  public CompletableFuture<List<String>> channels(String lookupdAddress, String topic) {
    String path = "/channels?topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8);
    return get(lookupdAddress, path, true).thenApply(body -> body == null ? List.of() : strings(body, "channels"));
  }

  /** Every nsqd registered with nsqlookupd. */
  public CompletableFuture<List<NsqdNode>> nodes(String lookupdAddress) {
    return get(lookupdAddress, "/nodes", false).thenApply(LookupdClient::producers);
  }

  /** Every topic nsqlookupd knows. */
  public CompletableFuture<List<String>> topics(String lookupdAddress) {
    return get(lookupdAddress, "/topics", false).thenApply(body -> strings(body, "topics"));
  }

  private static List<String> strings(JsonNode body, String field) {
    List<String> values = new ArrayList<>();
    body.path(field).forEach(v -> values.add(v.asText()));
    return values;
  }

  private static List<NsqdNode> producers(JsonNode body) {
    List<NsqdNode> nodes = new ArrayList<>();
    for (JsonNode p : body.path("producers")) {
      nodes.add(JSON.convertValue(p, NsqdNode.class));
    }
    return nodes;
  }

  /** GETs a path; {@code null} for a 404 when {@code notFoundIsEmpty}. Unwraps the old envelope. */
  private CompletableFuture<JsonNode> get(String lookupdAddress, String path, boolean notFoundIsEmpty) {
    HostPort hp = HostPort.parse(lookupdAddress, "nsqlookupd address");
    URI uri = URI.create("http://" + hp + path);
    HttpRequest request =
        HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/vnd.nsq; version=1.0").GET().build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
        .handle(
            (response, error) -> {
              if (error != null) {
                throw new NsqException("nsqlookupd " + hp + " did not answer GET " + path + ": " + error.getMessage(), error);
              }
              if (response.statusCode() == 404 && notFoundIsEmpty) {
                return null;
              }
              if (response.statusCode() != 200) {
                throw new NsqException("nsqlookupd " + hp + " answered GET " + path + " with HTTP "
                    + response.statusCode() + ": " + new String(response.body(), StandardCharsets.UTF_8).strip());
              }
              try {
                JsonNode body = JSON.readTree(response.body());
                return body.has("status_code") && body.has("data") ? body.get("data") : body;
              } catch (IOException e) {
                throw new NsqException("nsqlookupd " + hp + " answered GET " + path + " with a body that is not JSON", e);
              }
            });
  }
}
