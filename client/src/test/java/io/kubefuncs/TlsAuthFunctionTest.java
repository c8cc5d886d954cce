package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.StringValue;
import io.kubefuncs.nsq.NsqTls;
import io.kubefuncs.testkit.NsqAuthServer;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.TestCertificates;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A function set up only through its environment (NSQ_TLS, NSQ_TLS_CA_FILE, NSQ_TLS_SERVER_NAME,
 * NSQ_AUTH_SECRET) against an nsqd that requires TLS and AUTH, as the charts run it, answers a
 * call.
 */
class TlsAuthFunctionTest {
  @Test
  void functionConfiguredByTheEnvironmentAnswersOverTlsAndAuth() throws Exception {
    TestCertificates certs = TestCertificates.generate();
    // The function's topic, and the return topics of callers ("<id>.return" style names), are
    // granted.
    try (NsqAuthServer auth = NsqAuthServer.start("fn-secret", ".*");
        NsqdProcess nsqd =
            NsqdProcess.builder()
                .tls(certs)
                .tlsRequired("true")
                .authHttpAddress(auth.address())
                .start()) {
      Map<String, String> env = nsqd.functionEnvironment("greet");
      env.put("NSQ_TLS", "true");
      env.put("NSQ_TLS_CA_FILE", certs.caCertificate().toString());
      env.put("NSQ_TLS_SERVER_NAME", TestCertificates.SERVER_NAME);
      env.put("NSQ_AUTH_SECRET", "fn-secret");
      Function function =
          new Function(
              FunctionConfig.fromEnvironment(env),
              msg ->
                  msg.respond(StringValue.of("hello " + msg.payload(StringValue.class).getValue())),
              new PrometheusRegistry());
      try (Client caller =
          Client.builder()
              .nsqd(nsqd.tcpAddress())
              .clientId("caller")
              .registry(new PrometheusRegistry())
              .nsqSecurity(NsqTls.builder().caFile(certs.caCertificate()).build(), "fn-secret")
              .build()) {
        await("/healthz 200: subscribed over TLS and AUTH")
            .atMost(Duration.ofSeconds(10))
            .until(() -> Probe.healthz(function.healthPort()) == 200);
        Delivery answer =
            caller
                .call("greet", StringValue.of("tls"), Duration.ofSeconds(10))
                .get(15, TimeUnit.SECONDS);
        assertThat(answer.payload(StringValue.class).getValue()).isEqualTo("hello tls");
        assertThat(auth.secretsSeen()).containsOnly("fn-secret");
      } finally {
        function.drain();
      }
    }
  }
}
