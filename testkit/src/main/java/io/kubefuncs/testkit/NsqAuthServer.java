package io.kubefuncs.testkit;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An auth server for nsqd's {@code --auth-http-address} on 127.0.0.1 and a free port: it answers
 * {@code GET /auth?secret=...} as nsqd expects, granting one secret subscribe and publish on the
 * topics that match one regular expression (every channel), and 403 to any other secret. Small on
 * purpose: it stands in for Kubefuncs' nsq-auth in tests of the clients.
 *
 * <pre>{@code
 * try (NsqAuthServer auth = NsqAuthServer.start("s3cret", "^orders$");
 *     NsqdProcess nsqd = NsqdProcess.builder().authHttpAddress(auth.address()).start()) { ... }
 * }</pre>
 */
public final class NsqAuthServer implements AutoCloseable {
  private final HttpServer server;
  private final List<String> secretsSeen = new CopyOnWriteArrayList<>();

  private NsqAuthServer(String secret, String topicRegex) throws IOException {
    server =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName(ManagedProcess.HOST), 0), 0);
    String grant =
        """
        {"ttl":3600,"identity":"tester","identity_url":"","authorizations":
         [{"topic":"%s","channels":[".*"],"permissions":["subscribe","publish"]}]}"""
            .formatted(topicRegex.replace("\\", "\\\\").replace("\"", "\\\""));
    server.createContext(
        "/auth",
        exchange -> {
          String given = "";
          String query = exchange.getRequestURI().getRawQuery();
          for (String pair : query == null ? new String[0] : query.split("&")) {
            if (pair.startsWith("secret=")) {
              given = URLDecoder.decode(pair.substring("secret=".length()), StandardCharsets.UTF_8);
            }
          }
          secretsSeen.add(given);
          boolean known = given.equals(secret);
          byte[] body =
              (known ? grant : "{\"message\":\"NOT_AUTHORIZED\"}").getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(known ? 200 : 403, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  /** Grants {@code secret} the topics matching {@code topicRegex} (nsqd's regex syntax, Go's). */
  public static NsqAuthServer start(String secret, String topicRegex) {
    try {
      return new NsqAuthServer(secret, topicRegex);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the auth server on " + ManagedProcess.HOST, e);
    }
  }

  /** {@code 127.0.0.1:<port>}, for {@link NsqdProcess.Builder#authHttpAddress}. */
  public String address() {
    return ManagedProcess.HOST + ":" + server.getAddress().getPort();
  }

  /** The secrets nsqd asked about, in order: proof that a client sent AUTH at all. */
  public List<String> secretsSeen() {
    return secretsSeen;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
