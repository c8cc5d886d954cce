package io.kubefuncs.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Plain HTTP/1.1 calls to the admin APIs of nsqd and nsqlookupd. */
final class Http {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private Http() {}

  record Response(String request, int status, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError(
            request + " answered " + status + " with a body that is not JSON: " + body, e);
      }
    }

    @Override
    public String toString() {
      return request + " -> " + status + " " + body;
    }
  }

  static Response get(String url) {
    return send("GET", url, HttpRequest.BodyPublishers.noBody());
  }

  static Response post(String url) {
    return post(url, new byte[0]);
  }

  static Response post(String url, byte[] body) {
    return send("POST", url, HttpRequest.BodyPublishers.ofByteArray(body));
  }

  static Response send(String method, String url, HttpRequest.BodyPublisher body) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .method(method, body)
            .timeout(Duration.ofSeconds(5))
            .build();
    try {
      HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(method + " " + url, response.statusCode(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + url + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during " + method + " " + url, e);
    }
  }

  /**
   * A refusal as nsqd and nsqlookupd answer it: the status, and a JSON body whose {@code message}
   * is a code such as {@code TOPIC_NOT_FOUND}, compared exactly because tools print and match it.
   */
  static void assertRefused(Response response, int status, String message) {
    assertThat(response.status()).as("%s", response).isEqualTo(status);
    assertThat(response.json().path("message").asText()).as("%s", response).isEqualTo(message);
  }

  /** Topic and channel names may end in {@code #ephemeral}, which must be escaped in a query. */
  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
