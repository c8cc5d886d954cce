package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP ⇄ event rules of the gateway, without a connection. */
class HttpEventsTest {
  private static final InetSocketAddress CLIENT = new InetSocketAddress("10.1.2.3", 40123);

  private static FullHttpRequest request(
      HttpMethod method, String uri, String body, String... headers) {
    FullHttpRequest r =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, method, uri, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    for (int i = 0; i < headers.length; i += 2) {
      r.headers().add(headers[i], headers[i + 1]);
    }
    return r;
  }

  @Test
  void aRequestCarriesItsMethodTargetHeadersBodyAndClient() {
    FullHttpRequest r =
        request(
            HttpMethod.POST,
            "/orders/a/../b?x=1",
            "{\"n\":1}",
            "Host",
            "api",
            "Content-Type",
            "application/json");
    try {
      HTTPRequest e = HttpEvents.request(r, "/orders/b?x=1", CLIENT);
      assertThat(e.getMethod()).isEqualTo("POST");
      assertThat(e.getUrl())
          .as("the normalised target, not the one sent")
          .isEqualTo("/orders/b?x=1");
      assertThat(e.getHeadersMap())
          .isEqualTo(Map.of("Host", "api", "Content-Type", "application/json"));
      assertThat(e.getBody().toStringUtf8()).isEqualTo("{\"n\":1}");
      assertThat(e.getRemoteAddr()).isEqualTo("10.1.2.3:40123");
    } finally {
      r.release();
    }
  }

  @Test
  void repeatedHeadersFoldIntoOneAndAnEmptyBodyIsNone() {
    FullHttpRequest r =
        request(HttpMethod.GET, "/", "", "Accept", "text/html", "Accept", "application/json");
    try {
      HTTPRequest e = HttpEvents.request(r, "/", null);
      assertThat(e.getHeadersMap()).containsEntry("Accept", "text/html, application/json");
      assertThat(e.getBody()).isEqualTo(ByteString.EMPTY);
      assertThat(e.getRemoteAddr()).isEmpty();
    } finally {
      r.release();
    }
  }

  @Test
  void anAnswerWithoutHttpIsAnEmpty200() {
    FullHttpResponse r = HttpEvents.response(null);
    assertThat(r.status().code()).isEqualTo(200);
    assertThat(r.content().readableBytes()).isZero();
  }

  @ParameterizedTest(name = "status {0} is answered {1}")
  @CsvSource({"0, 200", "200, 200", "201, 201", "204, 204", "302, 302", "404, 404", "599, 599"})
  void theFunctionsStatusIsKeptAndZeroMeans200(int status, int answered) {
    FullHttpResponse r =
        HttpEvents.response(
            HTTPResponse.newBuilder()
                .setStatus(status)
                .setBody(ByteString.copyFromUtf8("hi"))
                .build());
    assertThat(r.status().code()).isEqualTo(answered);
    assertThat(r.content().toString(StandardCharsets.UTF_8)).isEqualTo("hi");
  }

  @ParameterizedTest(name = "status {0} is refused")
  @CsvSource({"100", "101", "199", "600", "-1"})
  void aStatusThatIsNoFinalResponseIsRefused(int status) {
    assertThatThrownBy(
            () -> HttpEvents.response(HTTPResponse.newBuilder().setStatus(status).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(status));
  }

  @Test
  void theFunctionsFramingAndHopByHopHeadersAreDropped() {
    FullHttpResponse r =
        HttpEvents.response(
            HTTPResponse.newBuilder()
                .setStatus(200)
                .putHeaders("Content-Type", "text/plain")
                .putHeaders("X-Trace", "abc")
                .putHeaders("Content-Length", "999")
                .putHeaders("Transfer-Encoding", "chunked")
                .putHeaders("Connection", "close")
                .putHeaders("Keep-Alive", "timeout=5")
                .putHeaders("Upgrade", "h2c")
                .putHeaders("TE", "trailers")
                .putHeaders("Trailer", "X")
                .putHeaders("Proxy-Connection", "keep-alive")
                .build());
    assertThat(r.headers().names()).containsExactlyInAnyOrder("Content-Type", "X-Trace");
  }
}
