package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 9112 as a client library would never break it, on raw sockets: the version, the method, the
 * Host header and the request target, checked at the headers; and the path the routes and the
 * function see, with its dot segments removed.
 */
class StrictHttpTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  static final ObjectMapper JSON = new ObjectMapper();
  static Client functions;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws IOException {
    String nsqd = nsq.nsqdProcess().tcpAddress();
    functions =
        Client.builder()
            .nsqd(nsqd)
            .clientId("functions")
            .registry(new PrometheusRegistry())
            .build();
    functions
        .on(
            "url",
            "default",
            msg -> msg.respond(GatewayResponse.ok(msg.http().method() + " " + msg.http().url())))
        .ready()
        .join();
    gateway =
        TestGateway.builder(nsqd)
            .id("gw-strict")
            .routes("routes:\n  /echo/: url\n  /public/: url\n")
            .start()
            .awaitHealthy();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (functions != null) {
      functions.close();
    }
  }

  private static RawHttp.Response exchange(String request) throws IOException {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      return raw.send(request).read();
    }
  }

  private static void refused(String request, int status, String error) throws IOException {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      RawHttp.Response r = raw.send(request).read();
      assertThat(r.status()).as(r.body()).isEqualTo(status);
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.path("status").asInt()).isEqualTo(status);
      assertThat(body.path("error").asText()).isEqualTo(error);
      assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void http11WithoutHostIs400() throws IOException {
    refused("GET /echo/ HTTP/1.1\r\n\r\n", 400, "bad_request");
  }

  @Test
  void aRepeatedHostIs400() throws IOException {
    refused("GET /echo/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request");
  }

  @Test
  void http10WithoutHostIsServed() throws IOException {
    RawHttp.Response r = exchange("GET /echo/old HTTP/1.0\r\n\r\n");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("GET /echo/old");
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/9.9", "HTTP/2.0", "HTTP/1.2", "HTTP/0.9"})
  void versionsOtherThan10And11Are505(String version) throws IOException {
    refused("GET /echo/ " + version + "\r\nHost: t\r\n\r\n", 505, "http_version_not_supported");
  }

  @ParameterizedTest
  @ValueSource(strings = {"FOO", "CONNECT", "PROPFIND"})
  void methodsTheGatewayDoesNotServeAre501(String method) throws IOException {
    refused(method + " /echo/ HTTP/1.1\r\nHost: t\r\n\r\n", 501, "method_not_implemented");
  }

  /** Asserts the function answered, having seen {@code method} and {@code url}. */
  private static void reached(String method, String target, String url) throws IOException {
    RawHttp.Response r =
        exchange(
            method
                + " "
                + target
                + " HTTP/1.1\r\nHost: gateway.example\r\nContent-Length: 0\r\n\r\n");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(method + " " + url);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"
      }) // HEAD: an answer without a body
  void theServedMethodsReachTheFunction(String method) throws IOException {
    reached(method, "/echo/m", "/echo/m");
  }

  @ParameterizedTest
  @CsvSource({
    "http://gateway.example/echo/x?q=1, /echo/x?q=1",
    "HTTPS://gateway.example:8443/echo/y, /echo/y",
    "http://gateway.example/public/../echo/z, /echo/z"
  })
  void anAbsoluteFormTargetIsRoutedByItsPath(String target, String url) throws IOException {
    reached("GET", target, url);
  }

  @ParameterizedTest
  @ValueSource(strings = {"*", "echo/", "ftp://gateway.example/echo/", "http:///echo/"})
  void aTargetThatIsNeitherAPathNorAnHttpUrlIs400(String target) throws IOException {
    refused("GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad_request");
  }

  @ParameterizedTest
  @CsvSource({
    "/echo/a/./b/../c, /echo/a/c",
    "/echo/a/b/.., /echo/a/",
    "/public/../echo/p?x=/../y, /echo/p?x=/../y",
    "/public/%2e%2E/echo/q, /echo/q",
    "/echo/..., /echo/...",
    "/../../echo/r, /echo/r"
  })
  void dotSegmentsAreRemovedBeforeRoutingAndTheFunctionSeesTheResult(String target, String url)
      throws IOException {
    reached("GET", target, url);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/echo/../admin",
        "/echo/%2E%2E/admin",
        "/echo/.%2e/admin",
        "/echo/sub/../../admin"
      })
  void aPathThatLeavesItsPrefixIsNotRoutedThere(String target) throws IOException {
    RawHttp.Response r = exchange("GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n");
    assertThat(r.status()).isEqualTo(404);
    assertThat(JSON.readTree(r.body()).path("message").asText()).isEqualTo("no route for /admin");
  }
}
