package io.kubefuncs.nsq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The NSQ JSON documents read and written with the streaming parser: what nsqd and nsqlookupd send
 * (the happy paths also run against real ones in the other tests), and what is not them.
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
            new IdentifyResponse("1.3.0", 2500, 900_000, 60_000, true, false, false, false, 0));
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

  @Test
  void lookupdBodiesWithAndWithoutTheOldEnvelopeReadTheSame() throws IOException {
    String producer =
        "{\"remote_address\":\"10.0.0.7:40000\",\"hostname\":\"node-a\",\"broadcast_address\":\"10.0.0.7\","
            + "\"tcp_port\":4150,\"http_port\":4151,\"version\":\"1.3.0\",\"tombstones\":[false],\"topics\":[\"t\"]}";
    String v1 = "{\"channels\":[\"fn\",\"other\"],\"producers\":[" + producer + "]}";
    String envelope = "{\"status_code\":200,\"status_txt\":\"OK\",\"data\":" + v1 + "}";
    NsqdNode node = new NsqdNode("10.0.0.7", "node-a", 4150, 4151, "1.3.0");
    for (String body : new String[] {v1, envelope}) {
      NsqJson.LookupdBody read = NsqJson.lookupdBody(body.getBytes(UTF_8));
      assertThat(read.producers()).as(body).containsExactly(node);
      assertThat(read.channels()).as(body).containsExactly("fn", "other");
      assertThat(read.producers().get(0).tcpAddress()).isEqualTo("10.0.0.7:4150");
    }
  }

  @Test
  void lookupdListsThatGoSendsAsNullAreEmpty() throws IOException {
    NsqJson.LookupdBody read =
        NsqJson.lookupdBody("{\"topics\":null,\"producers\":[]}".getBytes(UTF_8));
    assertThat(read.topics()).isEmpty();
    assertThat(read.producers()).isEmpty();
  }

  @Test
  void lookupdBodyOfTheWrongShapeIsAnError() {
    assertThatThrownBy(() -> NsqJson.lookupdBody("{\"producers\":{}}".getBytes(UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected START_ARRAY");
    assertThatThrownBy(
            () -> NsqJson.lookupdBody("{\"producers\":[{\"tcp_port\":\"4150\"}]}".getBytes(UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected VALUE_NUMBER_INT");
    assertThatThrownBy(() -> NsqJson.lookupdBody("{\"topics\":[1]}".getBytes(UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected VALUE_STRING");
    assertThatThrownBy(() -> NsqJson.lookupdBody("<html>".getBytes(UTF_8)))
        .isInstanceOf(IOException.class);
  }
}
