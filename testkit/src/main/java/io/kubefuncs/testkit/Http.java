package io.kubefuncs.testkit;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A small HTTP/1.1 client for the admin endpoints of nsqd and nsqlookupd. One is created per
 * process launch, so that connections pooled to a process that was killed are never reused for a
 * POST (which the JDK client would not retry).
 */
final class Http implements AutoCloseable {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  record Response(int status, String body) {
    boolean isOk() {
      return status == 200 && body.trim().equals("OK");
    }

    /** nsqd with {@code --tls-required=true} answers every plain HTTP request so, /ping too. */
    boolean isTlsRequired() {
      return status == 403 && body.contains("TLS_REQUIRED");
    }
  }

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  Response get(String url) throws IOException {
    return send(HttpRequest.newBuilder(URI.create(url)).GET());
  }

  Response post(String url, byte[] body) throws IOException {
    return send(
        HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** Whether {@code url} answers 200 "OK" right now; any failure to connect counts as no. */
  boolean answersOk(String url) {
    try {
      return get(url).isOk();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * As {@link #answersOk}, but a ping that says the program serves only over TLS counts as up too.
   */
  boolean isUp(String pingUrl) {
    try {
      Response response = get(pingUrl);
      return response.isOk() || response.isTlsRequired();
    } catch (IOException e) {
      return false;
    }
  }

  static String encode(String queryValue) {
    return URLEncoder.encode(queryValue, StandardCharsets.UTF_8);
  }

  private Response send(HttpRequest.Builder request) throws IOException {
    try {
      HttpResponse<String> response =
          client.send(
              request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted =
          new InterruptedIOException("interrupted during HTTP request");
      interrupted.initCause(e);
      throw interrupted;
    }
  }

  @Override
  public void close() {
    client.shutdownNow();
  }
}
