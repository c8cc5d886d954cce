package io.kubefuncs.nsq.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * nsqlookupd's answers read with the streaming parser: what nsqlookupd sends (the happy paths also
 * run against a real one in the other tests), and what is not it.
 */
class LookupdBodyTest {
  @Test
  void lookupdBodiesWithAndWithoutTheOldEnvelopeReadTheSame() throws IOException {
    String producer =
        "{\"remote_address\":\"10.0.0.7:40000\",\"hostname\":\"node-a\",\"broadcast_address\":\"10.0.0.7\","
            + "\"tcp_port\":4150,\"http_port\":4151,\"version\":\"1.3.0\",\"tombstones\":[false],\"topics\":[\"t\"]}";
    String v1 = "{\"channels\":[\"fn\",\"other\"],\"producers\":[" + producer + "]}";
    String envelope = "{\"status_code\":200,\"status_txt\":\"OK\",\"data\":" + v1 + "}";
    NsqdNode node = new NsqdNode("10.0.0.7", "node-a", 4150, 4151, "1.3.0");
    for (String body : new String[] {v1, envelope}) {
      LookupdBody read = LookupdBody.parse(body.getBytes(UTF_8));
      assertThat(read.producers()).as(body).containsExactly(node);
      assertThat(read.channels()).as(body).containsExactly("fn", "other");
      assertThat(read.producers().get(0).tcpAddress()).isEqualTo("10.0.0.7:4150");
    }
  }

  @Test
  void lookupdListsThatGoSendsAsNullAreEmpty() throws IOException {
    LookupdBody read = LookupdBody.parse("{\"topics\":null,\"producers\":[]}".getBytes(UTF_8));
    assertThat(read.topics()).isEmpty();
    assertThat(read.producers()).isEmpty();
  }

  @Test
  void lookupdBodyOfTheWrongShapeIsAnError() {
    assertThatThrownBy(() -> LookupdBody.parse("{\"producers\":{}}".getBytes(UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected START_ARRAY");
    assertThatThrownBy(
            () -> LookupdBody.parse("{\"producers\":[{\"tcp_port\":\"4150\"}]}".getBytes(UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected VALUE_NUMBER_INT");
    assertThatThrownBy(() -> LookupdBody.parse("{\"topics\":[1]}".getBytes(UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected VALUE_STRING");
    assertThatThrownBy(() -> LookupdBody.parse("<html>".getBytes(UTF_8)))
        .isInstanceOf(IOException.class);
  }
}
