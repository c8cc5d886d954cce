package io.kubefuncs.examples.pong;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.HandlerTester;
import io.kubefuncs.proto.HTTPResponse;
import org.junit.jupiter.api.Test;

class PongTest {
  @Test
  void answersPongToAnyRequest() {
    HTTPResponse r = HandlerTester.of(Pong.HANDLER).http("GET", "/test/hello");
    assertThat(r.getStatus()).isEqualTo(200);
    assertThat(r.getBody().toStringUtf8()).isEqualTo("pong\n");
  }
}
