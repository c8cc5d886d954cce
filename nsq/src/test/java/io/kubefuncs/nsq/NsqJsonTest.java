package io.kubefuncs.nsq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The IDENTIFY documents read and written with the streaming parser: what nsqd sends (the happy
 * paths also run against real ones in the other tests), and what is not it.
 */
class NsqJsonTest {
  /** nsqd v1.3.0's answer to the SDK's IDENTIFY, as it sends it. */
  private static final String NSQD_IDENTIFY =
      "{\"max_rdy_count\":2500,\"version\":\"1.3.0\",\"max_msg_timeout\":900000,\"msg_timeout\":60000,"
          + "\"tls_v1\":false,\"deflate\":false,\"deflate_level\":6,\"max_deflate_level\":6,\"snappy\":false,"
          + "\"sample_rate\":0,\"auth_required\":true,\"output_buffer_size\":16384,\"output_buffer_timeout\":250}";

  @Test
  void identifyResponseOfNsqdIsRead() throws IOException {
    assertThat(NsqJson.identifyResponse(NSQD_IDENTIFY.getBytes(UTF_8)))
        .isEqualTo(
            new IdentifyResponse(
                "1.3.0", 2500, 900_000, 60_000, true, false, false, false, 0, 16384));
  }

  @Test
  void identifyResponseSkipsFieldsItDoesNotKnowWhateverTheirShape() throws IOException {
    String json =
        "{\"future\":{\"nested\":[1,{\"x\":null}]},\"max_msg_size\":5242880,\"tls_v1\":true}";
    IdentifyResponse r = NsqJson.identifyResponse(json.getBytes(UTF_8));
    assertThat(r.maxMsgSize()).isEqualTo(5_242_880);
    assertThat(r.tls()).isTrue();
  }

  @Test
  void identifyResponseThatIsNotTheExpectedJsonIsAnErrorSayingWhere() {
    assertThatThrownBy(() -> NsqJson.identifyResponse("E_BAD_BODY".getBytes(UTF_8)))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> NsqJson.identifyResponse("[1]".getBytes(UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected START_OBJECT");
    assertThatThrownBy(
            () -> NsqJson.identifyResponse("{\"max_rdy_count\":\"many\"}".getBytes(UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected VALUE_NUMBER_INT")
        .hasMessageContaining("found VALUE_STRING");
    assertThatThrownBy(() -> NsqJson.identifyResponse("{\"tls_v1\":1}".getBytes(UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("found VALUE_NUMBER_INT");
    assertThatThrownBy(() -> NsqJson.identifyResponse("{\"version\":\"1.3.0\"".getBytes(UTF_8)))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> NsqJson.identifyResponse("{} {}".getBytes(UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("after the object");
  }

  @Test
  void identifyBodyHasTheNegotiatedFeaturesAndOnlyTheSettingsThatAreSet() {
    NsqConfig config =
        NsqConfig.builder()
            .clientId("fn-1")
            .hostname("fn-1.local")
            .userAgent("test/1")
            .heartbeatInterval(Duration.ofSeconds(30))
            .outputBufferSize(-1)
            .build();
    assertThat(new String(NsqJson.identifyBody(config), UTF_8))
        .isEqualTo(
            "{\"client_id\":\"fn-1\",\"hostname\":\"fn-1.local\",\"user_agent\":\"test/1\",\"feature_negotiation\":true,"
                + "\"heartbeat_interval\":30000,\"tls_v1\":false,\"snappy\":false,\"deflate\":false,\"output_buffer_size\":-1}");
  }
}
