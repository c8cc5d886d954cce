package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubefuncs.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The environment a function reads: the original kubefuncs names, their defaults, and clear errors.
 */
class FunctionConfigTest {

  private static Map<String, String> env(String... keysAndValues) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      env.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return env;
  }

  @Test
  void onlyTopicIsRequiredAndEverythingElseHasTheDocumentedDefault() {
    FunctionConfig c = FunctionConfig.fromEnvironment(env("TOPIC", "hello"));

    assertThat(c.topic()).isEqualTo("hello");
    assertThat(c.channel()).isEqualTo("default");
    assertThat(c.nsqdAddress()).isEqualTo("127.0.0.1:4150");
    assertThat(c.lookupdAddress()).isNull();
    assertThat(c.healthzHost()).isEmpty();
    assertThat(c.healthzPort()).isEqualTo(8080);
    assertThat(c.maxInFlight()).isEqualTo(64);
    assertThat(c.maxAttempts()).isEqualTo(5);
    assertThat(c.deadLetterTopic()).isEqualTo("hello.dead");
    assertThat(c.handlerTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(25));
    assertThat(c.maxMessageSize()).as("nsqd's default --max-msg-size").isEqualTo(1048576);
  }

  @Test
  void everySettingIsRead() {
    FunctionConfig c =
        FunctionConfig.fromEnvironment(
            env(
                "TOPIC", "orders",
                "CHANNEL", "billing",
                "NSQ_NSQD_ADDR", "10.0.0.7",
                "NSQ_NSQD_PORT", "4250",
                "NSQ_LOOKUPD_ADDR", "nsqlookupd.nsq",
                "NSQ_LOOKUPD_PORT", "4261",
                "HEALTHZ_ADDR", "127.0.0.1:0",
                "KUBEFUNCS_MAX_IN_FLIGHT", "7",
                "KUBEFUNCS_MAX_ATTEMPTS", "3",
                "KUBEFUNCS_DEAD_LETTER_TOPIC", "graveyard",
                "KUBEFUNCS_HANDLER_TIMEOUT", "1500ms",
                "KUBEFUNCS_DRAIN_TIMEOUT", "2m",
                "KUBEFUNCS_MAX_MESSAGE_SIZE", "4194304",
                "KUBEFUNCS_CLIENT_ID", "pod-1"));

    assertThat(c.channel()).isEqualTo("billing");
    assertThat(c.nsqdAddress()).isEqualTo("10.0.0.7:4250");
    assertThat(c.lookupdAddress()).isEqualTo("nsqlookupd.nsq:4261");
    assertThat(c.healthzHost()).isEqualTo("127.0.0.1");
    assertThat(c.healthzPort()).isZero();
    assertThat(c.maxInFlight()).isEqualTo(7);
    assertThat(c.maxAttempts()).isEqualTo(3);
    assertThat(c.deadLetterTopic()).isEqualTo("graveyard");
    assertThat(c.handlerTimeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.drainTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.maxMessageSize()).isEqualTo(4194304);
    assertThat(c.clientId()).isEqualTo("pod-1");
  }

  @Test
  void deadLetterTopicStaysAValidTopicName() {
    assertThat(FunctionConfig.deadLetterFor("jobs#ephemeral")).isEqualTo("jobs.dead");
    String longest = "t".repeat(64);
    assertThat(FunctionConfig.deadLetterFor(longest)).hasSize(64).endsWith(".dead");
  }

  @Test
  void missingTopicIsNamed() {
    assertThatThrownBy(() -> FunctionConfig.fromEnvironment(env("CHANNEL", "x")))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.variable()).isEqualTo("TOPIC"))
        .hasMessageStartingWith("TOPIC");
    assertThatThrownBy(() -> FunctionConfig.fromEnvironment(env("TOPIC", "   ")))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.variable()).isEqualTo("TOPIC"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        // variable                  | value
        //        | quoted in the message
        "TOPIC                       | bad topic!                                                           | bad topic!",
        "TOPIC                       | a-very-long-topic-name-that-nsqd-would-refuse-because-it-is-over-64 | nsqd allows 64",
        "CHANNEL                     | no/slashes                                                           | no/slashes",
        "NSQ_NSQD_PORT               | abc                                                                  | abc",
        "NSQ_NSQD_PORT               | 0                                                                    | got '0'",
        "NSQ_NSQD_PORT               | 70000                                                                | 70000",
        "NSQ_LOOKUPD_PORT            | -1                                                                   | -1",
        "NSQ_NSQD_ADDR               | my nsqd                                                              | my nsqd",
        "NSQ_LOOKUPD_ADDR            | bad host!                                                            | bad host!",
        "HEALTHZ_ADDR                | nope                                                                 | nope",
        "HEALTHZ_ADDR                | :http                                                                | http",
        "HEALTHZ_ADDR                | 127.0.0.1:99999                                                      | 99999",
        "KUBEFUNCS_MAX_IN_FLIGHT     | 0                                                                    | got '0'",
        "KUBEFUNCS_MAX_IN_FLIGHT     | many                                                                 | many",
        "KUBEFUNCS_MAX_ATTEMPTS      | -2                                                                   | -2",
        "KUBEFUNCS_HANDLER_TIMEOUT   | soon                                                                 | soon",
        "KUBEFUNCS_HANDLER_TIMEOUT   | 0s                                                                   | 0s",
        "KUBEFUNCS_DRAIN_TIMEOUT     | 10                                                                   | got '10'",
        "KUBEFUNCS_DEAD_LETTER_TOPIC | dead letters                                                         | dead letters",
        "KUBEFUNCS_MAX_MESSAGE_SIZE  | 4MB                                                                  | got '4MB'",
        "KUBEFUNCS_MAX_MESSAGE_SIZE  | 8191                                                                 | from 8192 to 2147483647, got '8191'",
        "KUBEFUNCS_MAX_MESSAGE_SIZE  | 4294967296                                                           | 4294967296",
      })
  void badValueIsRejectedNamingTheVariable(String variable, String value, String quoted) {
    Map<String, String> env = env("TOPIC", "fine");
    env.put(variable, value);

    assertThatThrownBy(() -> FunctionConfig.fromEnvironment(env))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.variable()).isEqualTo(variable))
        .hasMessageStartingWith(variable + ":")
        .hasMessageContaining(quoted);
  }

  @Test
  void tlsAndAuthAreOffUnlessSet() {
    FunctionConfig c = FunctionConfig.fromEnvironment(env("TOPIC", "t", "NSQ_TLS", "false"));
    assertThat(c.tls()).isNull();
    assertThat(c.authSecret()).isNull();
  }

  @Test
  void tlsFilesAndTheAuthSecretAreRead() {
    TestCertificates certs = TestCertificates.generate();
    FunctionConfig c =
        FunctionConfig.fromEnvironment(
            env(
                "TOPIC", "t",
                "NSQ_TLS", "true",
                "NSQ_TLS_CA_FILE", certs.caCertificate().toString(),
                "NSQ_TLS_CERT_FILE", certs.clientCertificate().toString(),
                "NSQ_TLS_KEY_FILE", certs.clientKey().toString(),
                "NSQ_TLS_SERVER_NAME", "nsqd.nsq.svc",
                "NSQ_AUTH_SECRET", "s3cret"));
    assertThat(c.tls()).isNotNull();
    assertThat(c.authSecret()).isEqualTo("s3cret");
    assertThat(c.toString()).doesNotContain("s3cret");
  }

  @Test
  void badTlsSettingsAreRejectedNamingTheVariable() throws Exception {
    TestCertificates certs = TestCertificates.generate();
    Path notPem = Files.writeString(certs.directory().resolve("not.pem"), "hello\n");
    Path sec1Key = certs.directory().resolve("sec1.key");
    Files.writeString(
        sec1Key, "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
    String ca = certs.caCertificate().toString();
    String cert = certs.clientCertificate().toString();
    String key = certs.clientKey().toString();
    assertRejected("NSQ_TLS", "must be true or false, got 'yes'", "NSQ_TLS", "yes");
    assertRejected("NSQ_TLS_CA_FILE", "NSQ_TLS is not true", "NSQ_TLS_CA_FILE", ca);
    assertRejected(
        "NSQ_TLS_SERVER_NAME",
        "NSQ_TLS is not true",
        "NSQ_TLS",
        "false",
        "NSQ_TLS_SERVER_NAME",
        "nsqd");
    assertRejected(
        "NSQ_TLS_SERVER_NAME",
        "must be a host name or IP address, got 'nsqd/x'",
        "NSQ_TLS",
        "true",
        "NSQ_TLS_SERVER_NAME",
        "nsqd/x");
    assertRejected(
        "NSQ_TLS_KEY_FILE",
        "is not set but NSQ_TLS_CERT_FILE is",
        "NSQ_TLS",
        "true",
        "NSQ_TLS_CERT_FILE",
        cert);
    assertRejected(
        "NSQ_TLS_CERT_FILE",
        "is not set but NSQ_TLS_KEY_FILE is",
        "NSQ_TLS",
        "true",
        "NSQ_TLS_KEY_FILE",
        key);
    assertRejected(
        "NSQ_TLS_CA_FILE",
        "cannot read /nowhere/ca.crt",
        "NSQ_TLS",
        "true",
        "NSQ_TLS_CA_FILE",
        "/nowhere/ca.crt");
    assertRejected(
        "NSQ_TLS_CA_FILE",
        "holds no PEM certificate",
        "NSQ_TLS",
        "true",
        "NSQ_TLS_CA_FILE",
        notPem.toString());
    assertRejected(
        "NSQ_TLS_CERT_FILE",
        "holds no PEM certificate",
        "NSQ_TLS",
        "true",
        "NSQ_TLS_CERT_FILE",
        key,
        "NSQ_TLS_KEY_FILE",
        key);
    assertRejected(
        "NSQ_TLS_KEY_FILE",
        "not PKCS#8",
        "NSQ_TLS",
        "true",
        "NSQ_TLS_CERT_FILE",
        cert,
        "NSQ_TLS_KEY_FILE",
        sec1Key.toString());
    assertRejected(
        "NSQ_TLS_KEY_FILE",
        "holds no PEM private key",
        "NSQ_TLS",
        "true",
        "NSQ_TLS_CERT_FILE",
        cert,
        "NSQ_TLS_KEY_FILE",
        ca);
  }

  private static void assertRejected(String variable, String reason, String... settings) {
    Map<String, String> env = env(settings);
    env.put("TOPIC", "fine");
    assertThatThrownBy(() -> FunctionConfig.fromEnvironment(env))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.variable()).isEqualTo(variable))
        .hasMessageStartingWith(variable + ": ")
        .hasMessageContaining(reason)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }
}
