package io.kubefuncs.nsq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.testkit.NsqLookupdProcess;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.TestCertificates;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS to real nsqd with certificates made for the run: one nsqd that requires TLS everywhere
 * ({@code --tls-required=true}) and registers with an nsqlookupd, and one that requires it on TCP
 * only and checks client certificates ({@code tcp-https}, {@code require-verify}), as the charts
 * run nsqd with client auth on.
 */
class TlsTest {
  private static final Duration QUICK = Duration.ofMillis(1500);

  private static TestCertificates certs;
  private static NsqLookupdProcess lookupd;
  private static NsqdProcess nsqd;
  private static NsqdProcess clientAuthNsqd;

  @BeforeAll
  static void start() {
    certs = TestCertificates.generate();
    lookupd = NsqLookupdProcess.start();
    nsqd = NsqdProcess.builder().lookupd(lookupd).tls(certs).tlsRequired("true").start();
    clientAuthNsqd =
        NsqdProcess.builder()
            .tls(certs)
            .tlsRequired("tcp-https")
            .tlsClientAuthPolicy("require-verify")
            .start();
  }

  @AfterAll
  static void stop() {
    clientAuthNsqd.close();
    nsqd.close();
    lookupd.close();
  }

  private static NsqConfig config(NsqTls.Builder tls) {
    return NsqConfig.builder().tls(tls.build()).publishTimeout(QUICK).build();
  }

  private static NsqTls.Builder trustingOurCa() {
    return NsqTls.builder().caFile(certs.caCertificate());
  }

  @Test
  void publishesAndConsumesThroughNsqlookupdOverTls() {
    NsqConfig config = config(trustingOurCa());
    List<String> seen = new CopyOnWriteArrayList<>();
    try (NsqProducer producer = NsqProducer.create(nsqd.tcpAddress(), config)) {
      // The topic comes into being, and is registered with nsqlookupd, on this first publish.
      producer.publish("secret-orders", "first".getBytes(UTF_8)).join();
      try (NsqConsumer consumer =
          NsqConsumer.builder("secret-orders", "billing")
              .lookupd(lookupd.httpAddress())
              .config(config)
              .handler(m -> seen.add(new String(m.body(), UTF_8)))
              .build()
              .start()) {
        consumer.ready().join();
        assertThat(consumer.stats().connections()).isEqualTo(1);
        producer.publish("secret-orders", "second".getBytes(UTF_8)).join();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> seen.containsAll(List.of("first", "second")));
      }
    }
  }

  @Test
  void plainClientIsRefusedByAnNsqdThatRequiresTls() {
    NsqConfig plain = NsqConfig.builder().publishTimeout(QUICK).build();
    try (NsqProducer producer = NsqProducer.create(nsqd.tcpAddress(), plain)) {
      assertThatThrownBy(() -> producer.publish("t", new byte[] {1}).join())
          .cause()
          .isInstanceOfSatisfying(
              NsqErrorException.class, e -> assertThat(e.code()).isEqualTo("E_INVALID"))
          .hasMessageContaining("TLS required");
    }
  }

  /** Dialling {@code address} with {@code config} fails, and the error says all of {@code said}. */
  private static void assertRefused(String address, NsqConfig config, String... said) {
    try (NsqProducer producer = NsqProducer.create(address, config)) {
      assertThatThrownBy(() -> producer.connect().join())
          .cause()
          .satisfies(e -> assertThat(e.getMessage()).contains(said));
    }
  }

  @Test
  void nsqdSignedByAnotherCaIsRefused() {
    assertRefused(
        nsqd.tcpAddress(),
        config(NsqTls.builder().caFile(certs.otherCaCertificate())),
        "TLS with nsqd " + nsqd.tcpAddress() + " (server name 127.0.0.1) failed",
        "certificate is not trusted: it does not chain to the CA file given");
  }

  @Test
  void defaultTrustStoreDoesNotTrustATestCa() {
    assertRefused(
        nsqd.tcpAddress(),
        config(NsqTls.builder()),
        "certificate is not trusted: it does not chain to the platform's trust store");
  }

  @Test
  void certificateWithoutTheServerNameIsRefused() {
    assertRefused(
        nsqd.tcpAddress(),
        config(trustingOurCa().serverName("nsqd.elsewhere")),
        "(server name nsqd.elsewhere)",
        "does not carry the server name nsqd.elsewhere");
  }

  @Test
  void serverNameIsCheckedInsteadOfTheDialledAddress() {
    // On Kubernetes nsqlookupd hands out pod IPs, and the certificate names the Service.
    NsqConfig config = config(trustingOurCa().serverName(TestCertificates.SERVER_NAME));
    try (NsqProducer producer = NsqProducer.create(nsqd.tcpAddress(), config)) {
      producer.publish("by-name", new byte[] {1}).join();
    }
  }

  @Test
  void nsqdWithoutTlsIsRefusedWhenTlsIsAskedFor() {
    try (NsqdProcess plainNsqd = NsqdProcess.start()) {
      assertRefused(
          plainNsqd.tcpAddress(),
          config(trustingOurCa()),
          "nsqd " + plainNsqd.tcpAddress() + " did not agree to TLS");
    }
  }

  @Test
  void nsqdThatChecksClientCertificatesRefusesAClientWithout() {
    assertRefused(
        clientAuthNsqd.tcpAddress(),
        config(trustingOurCa()),
        "TLS with nsqd " + clientAuthNsqd.tcpAddress(),
        "nsqd requires a client certificate and none was given");
  }

  @Test
  void nsqdThatChecksClientCertificatesRefusesOneFromAnotherCa() {
    assertRefused(
        clientAuthNsqd.tcpAddress(),
        config(
            trustingOurCa()
                .certFile(certs.otherClientCertificate())
                .keyFile(certs.otherClientKey())),
        "TLS with nsqd " + clientAuthNsqd.tcpAddress(),
        "nsqd requires a client certificate signed by a CA it trusts (its --tls-root-ca-file), and the one given is not");
  }

  @Test
  void clientCertificateIsAcceptedAndPlainHttpStaysOpenWithTcpHttps() {
    NsqConfig config =
        config(trustingOurCa().certFile(certs.clientCertificate()).keyFile(certs.clientKey()));
    List<String> seen = new CopyOnWriteArrayList<>();
    clientAuthNsqd.createTopic("signed");
    try (NsqProducer producer = NsqProducer.create(clientAuthNsqd.tcpAddress(), config);
        NsqConsumer consumer =
            NsqConsumer.builder("signed", "fn")
                .nsqd(clientAuthNsqd.tcpAddress())
                .config(config)
                .handler(m -> seen.add(new String(m.body(), UTF_8)))
                .build()
                .start()) {
      consumer.ready().join();
      producer.publish("signed", "over tls".getBytes(UTF_8)).join();
      clientAuthNsqd.publish("signed", "over plain http".getBytes(UTF_8));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> seen.containsAll(List.of("over tls", "over plain http")));
    }
  }
}
