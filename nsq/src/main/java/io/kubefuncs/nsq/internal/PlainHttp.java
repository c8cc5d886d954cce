package io.kubefuncs.nsq.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.time.Duration;

/**
 * One request to an NSQ daemon's plain-HTTP API (nsqlookupd's lookups, nsqd's topic creation) with
 * the JDK's {@link HttpURLConnection}. Not java.net.http: building its client sets up TLS (the
 * default SSLContext and the trust store) and starts a selector thread, which was about a third of
 * a function's start, for requests made every few seconds at most. No proxy, no cache, and {@code
 * Connection: close}: a kept-alive connection would only start the JDK's keep-alive timer thread.
 */
public final class PlainHttp {
  /**
   * An answer: its status (-1 when what came back is not HTTP) and its body, of which at most
   * {@code maxBody + 1} bytes are read, so that a longer one shows as longer than {@code maxBody}.
   */
  public record Answer(int status, byte[] body) {}

  private final int connectMillis;
  private final int readMillis;
  private final int maxBody;

  /** {@code readTimeout}: for each read of the answer. */
  public PlainHttp(Duration connectTimeout, Duration readTimeout, int maxBody) {
    this.connectMillis = Math.toIntExact(connectTimeout.toMillis());
    this.readMillis = Math.toIntExact(readTimeout.toMillis());
    this.maxBody = maxBody;
  }

  /**
   * {@code method} {@code path} (with its query) to {@code to}; {@code accept}, when not null, is
   * the Accept header.
   *
   * @throws IllegalArgumentException when {@code path} does not make a URL
   */
  public Answer send(String method, HostPort to, String path, String accept) throws IOException {
    HttpURLConnection http =
        (HttpURLConnection)
            URI.create("http://" + to + path).toURL().openConnection(Proxy.NO_PROXY);
    try {
      http.setConnectTimeout(connectMillis);
      http.setReadTimeout(readMillis);
      http.setUseCaches(false);
      http.setRequestMethod(method);
      if (accept != null) {
        http.setRequestProperty("Accept", accept);
      }
      http.setRequestProperty("Connection", "close");
      int status = http.getResponseCode();
      try (InputStream in = status < 400 ? http.getInputStream() : http.getErrorStream()) {
        return new Answer(status, in == null ? new byte[0] : in.readNBytes(maxBody + 1));
      }
    } finally {
      http.disconnect();
    }
  }
}
