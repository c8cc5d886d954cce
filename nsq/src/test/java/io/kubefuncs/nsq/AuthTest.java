package io.kubefuncs.nsq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.kubefuncs.testkit.NsqdProcess;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * nsqd with {@code --auth-http-address}: nsqd asks an auth server about every AUTH. The auth
 * server here is the test's own (nsqd's contract is a GET /auth returning JSON); nsqd is real.
 */
class AuthTest {
  private static final String SECRET = "let-me-in";
  private static final List<String> secretsSeen = new CopyOnWriteArrayList<>();
  private static HttpServer authServer;
  private static NsqdProcess nsqd;

  @BeforeAll
  static void start() throws Exception {
    authServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    authServer.createContext("/auth", exchange -> {
      String query = exchange.getRequestURI().getQuery();
      String secret = query.replaceAll(".*secret=([^&]*).*", "$1");
      secretsSeen.add(secret);
      byte[] body;
      int status;
      if (secret.equals(SECRET)) {
        status = 200;
        body = """
            {"ttl":3600,"identity":"tester","identity_url":"","authorizations":
             [{"topic":".*","channels":[".*"],"permissions":["subscribe","publish"]}]}"""
            .getBytes(StandardCharsets.UTF_8);
      } else {
        status = 403;
        body = "{\"message\":\"NOT_AUTHORIZED\"}".getBytes(StandardCharsets.UTF_8);
      }
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    authServer.start();
    nsqd = NsqdProcess.builder().option("--auth-http-address=127.0.0.1:" + authServer.getAddress().getPort()).start();
  }

  @AfterAll
  static void stop() {
    nsqd.close();
    authServer.stop(0);
  }

  @Test
  void publishesWithTheRightSecret() {
    NsqConfig config = NsqConfig.builder().authSecret(SECRET).build();
    try (NsqProducer p = NsqProducer.create(nsqd.tcpAddress(), config)) {
      p.publish("secured", new byte[] {1}).join();
    }
    assertThat(secretsSeen).contains(SECRET);
  }

  @Test
  void saysSoWhenNsqdWantsASecretAndNoneIsSet() {
    NsqConfig config = NsqConfig.builder().publishTimeout(Duration.ofMillis(500)).build();
    try (NsqProducer p = NsqProducer.create(nsqd.tcpAddress(), config)) {
      assertThatThrownBy(() -> p.connect().join()).cause().hasMessageContaining("requires AUTH: set an auth secret");
    }
  }

  @Test
  void wrongSecretIsRefusedByNsqd() {
    NsqConfig config = NsqConfig.builder().authSecret("nope").publishTimeout(Duration.ofMillis(500)).build();
    try (NsqProducer p = NsqProducer.create(nsqd.tcpAddress(), config)) {
      assertThatThrownBy(() -> p.connect().join())
          .cause()
          .isInstanceOfSatisfying(NsqErrorException.class, e -> assertThat(e.code()).isEqualTo("E_AUTH_FAILED"));
    }
  }
}
