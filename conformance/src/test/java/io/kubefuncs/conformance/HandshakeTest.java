package io.kubefuncs.conformance;

import static io.kubefuncs.conformance.JsonShape.bool;
import static io.kubefuncs.conformance.JsonShape.number;
import static io.kubefuncs.conformance.JsonShape.string;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * The protocol magic and IDENTIFY, the first things every client sends.
 *
 * <p>TLS, snappy and deflate: nsqd v1.3.0 supports all three (TLS when given a certificate), while
 * the dev broker declines them, answering {@code false} when a client asks. The two therefore
 * differ for a client that asks, and that case is not part of the suite; what both must do, and
 * what the Kubefuncs client relies on, is to leave a client that does not ask with none of them.
 */
class HandshakeTest {
  private static final JsonShape IDENTIFY_ANSWER =
      JsonShape.of(
          number("max_rdy_count"),
          string("version"),
          number("max_msg_timeout"),
          number("msg_timeout"),
          bool("tls_v1"),
          bool("deflate"),
          number("deflate_level"),
          number("max_deflate_level"),
          bool("snappy"),
          number("sample_rate"),
          bool("auth_required"),
          number("output_buffer_size"),
          number("output_buffer_timeout"));

  @ConformanceTest
  void aWrongMagicIsAnsweredWithEBadProtocolAndAClose(Broker broker) {
    try (WireClient client = WireClient.open(broker.tcpAddress())) {
      client.write("  V1".getBytes(US_ASCII));
      client.expectError("E_BAD_PROTOCOL");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void identifyWithoutFeatureNegotiationIsAnsweredOk(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.sendIdentify(
          Map.of(
              "client_id",
              "conformance",
              "hostname",
              "conformance.local",
              "user_agent",
              "conformance/1"));
      client.expectOk();
      client.assertOpen();
    }
  }

  @ConformanceTest
  void featureNegotiationAnswersWithNsqdsDefaults(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      JsonNode answer = client.negotiate(Map.of("client_id", "conformance"));

      IDENTIFY_ANSWER.assertExactly(answer, "IDENTIFY answer");
      // nsqd's defaults: clients size RDY and their timeouts from these.
      assertThat(answer.get("max_rdy_count").asLong()).isEqualTo(2500);
      assertThat(answer.get("msg_timeout").asLong()).isEqualTo(60_000);
      assertThat(answer.get("max_msg_timeout").asLong()).isEqualTo(15 * 60_000);
      assertThat(answer.get("output_buffer_size").asLong()).isEqualTo(16 * 1024);
      assertThat(answer.get("output_buffer_timeout").asLong()).isEqualTo(250);
      assertThat(answer.get("sample_rate").asLong()).isZero();
      assertThat(answer.get("auth_required").asBoolean()).isFalse();
      // Not asked for, so not enabled; no upgrade frame follows.
      assertThat(answer.get("tls_v1").asBoolean()).isFalse();
      assertThat(answer.get("snappy").asBoolean()).isFalse();
      assertThat(answer.get("deflate").asBoolean()).isFalse();
      client.assertOpen();
    }
  }

  @ConformanceTest
  void featureNegotiationEchoesTheSettingsTheClientChose(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      JsonNode answer =
          client.negotiate(
              Map.of(
                  "msg_timeout", 5000,
                  "output_buffer_size", 4096,
                  "output_buffer_timeout", 100));

      assertThat(answer.get("msg_timeout").asLong()).isEqualTo(5000);
      assertThat(answer.get("output_buffer_size").asLong()).isEqualTo(4096);
      assertThat(answer.get("output_buffer_timeout").asLong()).isEqualTo(100);
    }
  }
}
