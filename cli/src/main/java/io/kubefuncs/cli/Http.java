package io.kubefuncs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Small HTTP requests to local admin endpoints (health checks, nsqd and nsqlookupd). The JDK's URL
 * connection rather than its HttpClient: that one takes a good part of a second to start, which
 * {@code kubefuncs dev} would pay before it is ready.
 */
final class Http {
  private static final int CONNECT_TIMEOUT_MILLIS = 500;
  private static final int READ_TIMEOUT_MILLIS = 2000;

  record Response(int status, String body) {}

  private Http() {}

  static Response send(String method, URI url) throws IOException {
    HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection();
    try {
      c.setRequestMethod(method);
      c.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
      c.setReadTimeout(READ_TIMEOUT_MILLIS);
      int status = c.getResponseCode();
      try (InputStream body = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
        return new Response(
            status, body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8));
      }
    } finally {
      c.disconnect();
    }
  }

  /** The status {@code GET url} answers, or -1 when nothing answers. */
  static int status(URI url) {
    try {
      return send("GET", url).status();
    } catch (IOException e) {
      return -1;
    }
  }
}
