package io.kubefuncs.nsq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.testkit.NsqAuthServer;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.TestCertificates;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * nsqd with {@code --auth-http-address}, over TLS as the charts run it: nsqd asks an auth server
 * about every AUTH. The auth server is the testkit's (nsqd's contract is a GET /auth returning
 * JSON); it grants the topic {@value #GRANTED} and nothing else. nsqd is real.
 */
class AuthTest {
  private static final String SECRET = "let-me-in";
  private static final String GRANTED = "granted";
  private static final String DENIED = "denied";
  private static NsqAuthServer authServer;
  private static NsqdProcess nsqd;
  private static NsqTls tls;

  @BeforeAll
  static void start() {
    authServer = NsqAuthServer.start(SECRET, "^" + GRANTED + "$");
    TestCertificates certs = TestCertificates.generate();
    tls = NsqTls.builder().caFile(certs.caCertificate()).build();
    nsqd =
        NsqdProcess.builder()
            .authHttpAddress(authServer.address())
            .tls(certs)
            .tlsRequired("tcp-https")
            .start();
  }

  @AfterAll
  static void stop() {
    nsqd.close();
    authServer.close();
  }

  private static NsqConfig.Builder config() {
    return NsqConfig.builder().tls(tls).publishTimeout(Duration.ofMillis(1500));
  }

  @Test
  void grantedTopicWorksAndADeniedOneFailsNamingItWhileTheGrantedOneGoesOn() throws Exception {
    // A reconnect backoff far over the publish timeout: a refusal must not cost one.
    NsqConfig config =
        config()
            .authSecret(SECRET)
            .reconnectDelay(Duration.ofSeconds(30), Duration.ofSeconds(30))
            .build();
    List<String> seen = new CopyOnWriteArrayList<>();
    try (LogCapture producerLog = LogCapture.of(NsqProducer.class);
        NsqProducer producer = NsqProducer.create(nsqd.tcpAddress(), config)) {
      producer.connect().join(); // kept connected, as the gateway's is
      producer.publish(GRANTED, "one".getBytes(UTF_8)).join();
      assertThat(authServer.secretsSeen()).contains(SECRET);

      assertThatThrownBy(() -> producer.publish(DENIED, new byte[] {1}).join())
          .cause()
          .isInstanceOfSatisfying(
              NsqErrorException.class, e -> assertThat(e.code()).isEqualTo("E_UNAUTHORIZED"))
          .hasMessageContaining("\"" + DENIED + "\"");

      // nsqd closed the connection on that refusal; the producer dials again at once (it is up).
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> producerLog.messages().stream().anyMatch(m -> m.startsWith("lost nsqd")));
      producer.publish(GRANTED, "two".getBytes(UTF_8)).get(5, TimeUnit.SECONDS);

      try (LogCapture log = LogCapture.of(NsqConsumer.class);
          NsqConsumer denied =
              NsqConsumer.builder(DENIED, "fn")
                  .nsqd(nsqd.tcpAddress())
                  .config(config)
                  .handler(m -> seen.add("denied"))
                  .build()
                  .start();
          NsqConsumer granted =
              NsqConsumer.builder(GRANTED, "fn")
                  .nsqd(nsqd.tcpAddress())
                  .config(config)
                  .handler(m -> seen.add(new String(m.body(), UTF_8)))
                  .build()
                  .start()) {
        granted.ready().join();
        denied.ready().join();
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.containsAll(List.of("one", "two")));
        assertThat(denied.stats().connections()).isZero();
        assertThat(log.messages())
            .anySatisfy(
                m ->
                    assertThat(m)
                        .contains("SUB " + DENIED + "/fn on nsqd " + nsqd.tcpAddress() + " failed")
                        .contains("E_UNAUTHORIZED"));
        producer.publish(GRANTED, "three".getBytes(UTF_8)).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("three"));
        assertThat(seen).doesNotContain("denied");
      }
    }
  }

  @Test
  void saysWhichSettingIsMissingWhenNsqdWantsASecretAndNoneIsSet() {
    try (NsqProducer p = NsqProducer.create(nsqd.tcpAddress(), config().build())) {
      assertThatThrownBy(() -> p.connect().join())
          .cause()
          .hasMessageContaining("nsqd " + nsqd.tcpAddress() + " requires AUTH")
          .hasMessageContaining("set NSQ_AUTH_SECRET");
    }
  }

  @Test
  void wrongSecretIsRefusedByNsqd() {
    try (NsqProducer p =
        NsqProducer.create(nsqd.tcpAddress(), config().authSecret("nope").build())) {
      assertThatThrownBy(() -> p.connect().join())
          .cause()
          .isInstanceOfSatisfying(
              NsqErrorException.class, e -> assertThat(e.code()).isEqualTo("E_AUTH_FAILED"))
          .hasMessageContaining("nsqd " + nsqd.tcpAddress())
          .hasMessageContaining("the auth server refused the secret (NSQ_AUTH_SECRET");
    }
  }

  @Test
  void secretThatNsqdDoesNotAskForIsLoggedOnceAndUnused() {
    NsqConfig config = NsqConfig.builder().authSecret(SECRET).build();
    try (NsqdProcess open = NsqdProcess.start();
        LogCapture log = LogCapture.of(NsqConnection.class);
        NsqProducer first = NsqProducer.create(open.tcpAddress(), config);
        NsqProducer second = NsqProducer.create(open.tcpAddress(), config)) {
      first.publish("open", new byte[] {1}).join();
      second.publish("open", new byte[] {2}).join();
      assertThat(log.messages()).filteredOn(m -> m.contains("AUTH secret is set")).hasSize(1);
    }
  }
}
