package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubefuncs.Client;
import io.kubefuncs.Delivery;
import io.kubefuncs.GatewayRequest;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.Handler;
import io.kubefuncs.SubscriptionOptions;
import io.kubefuncs.testkit.ClosedPort;
import io.kubefuncs.testkit.MetricsText;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway over real sockets against a real nsqd, with in-process functions (a second {@link
 * Client} subscribed with {@link Client#on}): what goes in and out of HTTP, routing, and every
 * error status with its JSON shape.
 */
class GatewayHttpTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_BODY = 1024;
  static final String ROUTES =
      """
      routes:
        /echo/: echo
        /bytes/: bytes
        # the longer prefix first in the file, the shorter first in the other gateway's: order must not matter
        /a/b/: topic-b
        /a/: topic-a
        /slow/: {topic: slow, timeout: 300ms}
        /fail/: failing
        /jobs/: {topic: jobs, async: true}
        /later/: {topic: later, async: false}
        /hold/: hold
        /bad/: bad-answers
        /release/: release
      """;

  static Client functions;
  static TestGateway gateway;
  static TestGateway quietGateway;
  static final CountDownLatch releaseSlow = new CountDownLatch(1);
  static final CountDownLatch released = new CountDownLatch(1);
  static final BlockingQueue<Delivery> jobs = new LinkedBlockingQueue<>();
  static final BlockingQueue<Delivery> later = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start() throws IOException {
    String nsqd = nsq.nsqdProcess().tcpAddress();
    functions =
        Client.builder()
            .nsqd(nsqd)
            .clientId("functions")
            .registry(new PrometheusRegistry())
            .build();
    subscribe("echo", GatewayHttpTest::echo);
    subscribe(
        "bytes",
        msg ->
            msg.respond(
                GatewayResponse.ok(msg.http().body())
                    .withHeader("Content-Type", "application/octet-stream")));
    subscribe("topic-a", msg -> msg.respond(GatewayResponse.ok("A")));
    subscribe("topic-b", msg -> msg.respond(GatewayResponse.ok("B")));
    subscribe(
        "slow",
        msg -> {
          // Answers only once the test is over: always later than the route's 300 ms.
          releaseSlow.await(10, TimeUnit.SECONDS);
          msg.respond(GatewayResponse.ok("too late"));
        });
    subscribe(
        "failing",
        msg -> {
          throw new IllegalStateException("out of stock: sku-7");
        });
    subscribe("jobs", jobs::add);
    subscribe(
        "later",
        msg -> {
          later.add(msg);
          msg.respond(GatewayResponse.ok("done now"));
        });
    subscribe(
        "hold",
        msg -> {
          // Waits (at most 2 s) for /release/ to have been answered first.
          released.await(2, TimeUnit.SECONDS);
          msg.respond(GatewayResponse.ok("held " + msg.http().path()));
        });
    subscribe(
        "release",
        msg -> {
          msg.respond(GatewayResponse.ok("released " + msg.http().path()));
          released.countDown();
        });
    subscribe(
        "bad-answers",
        msg -> {
          GatewayResponse ok = GatewayResponse.ok("hi");
          msg.respond(
              switch (msg.http().path()) {
                case "/bad/header-value" ->
                    ok.withHeader("X-Evil", "a\r\nSet-Cookie: session=stolen");
                case "/bad/header-name" -> ok.withHeader("Bad Name", "v");
                case "/bad/status-100" -> ok.withStatus(100);
                case "/bad/status-1000" -> ok.withStatus(1000);
                case "/bad/status-negative" -> ok.withStatus(-5);
                case "/bad/framing" ->
                    ok.withHeader("Transfer-Encoding", "chunked")
                        .withHeader("Content-Length", "5")
                        .withHeader("Connection", "close")
                        .withHeader("Keep-Alive", "timeout=1")
                        .withHeader("X-Kept", "yes");
                default -> ok;
              });
        });
    subscribe("big", msg -> msg.respond(GatewayResponse.ok("got " + msg.http().body().length)));
    gateway =
        TestGateway.builder(nsqd)
            .id("gw-http")
            .routes(ROUTES)
            .maxBodyBytes(MAX_BODY)
            .start()
            .awaitHealthy();
    quietGateway =
        TestGateway.builder(nsqd)
            .id("gw-quiet")
            .exposeFunctionErrors(false)
            .routes("routes:\n  /fail/: failing\n")
            .start()
            .awaitHealthy();
  }

  @AfterAll
  static void stop() {
    releaseSlow.countDown();
    if (quietGateway != null) {
      quietGateway.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (functions != null) {
      functions.close();
    }
  }

  private static void subscribe(String topic, Handler handler) {
    functions
        .on(
            topic,
            "default",
            16,
            SubscriptionOptions.defaults(topic).withDrainTimeout(Duration.ofSeconds(2)),
            handler)
        .ready()
        .join();
  }

  /** Answers 201 with what it was sent, and a header of its own. */
  private static void echo(Delivery msg) {
    GatewayRequest req = msg.http();
    Map<String, Object> seen = new LinkedHashMap<>();
    seen.put("method", req.method());
    seen.put("url", req.url());
    seen.put("path", req.path());
    seen.put("query", req.query());
    seen.put("q", req.queryParameter("q"));
    seen.put("test", req.header("X-Test"));
    seen.put("multi", req.header("X-Multi"));
    seen.put("body", req.bodyAsString());
    seen.put("remote", req.remoteAddress());
    msg.respond(GatewayResponse.json(201, seen).withHeader("X-Function", "echo"));
  }

  private static JsonNode json(java.net.http.HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }

  /** The error shape every gateway-made error has. */
  private static JsonNode error(java.net.http.HttpResponse<String> r, int status, String code)
      throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode body = json(r);
    assertThat(body.path("status").asInt()).isEqualTo(status);
    assertThat(body.path("error").asText()).isEqualTo(code);
    assertThat(body.path("message").isTextual()).as("message is a string: %s", body).isTrue();
    assertThat(body.size()).as("exactly status, error and message: %s", body).isEqualTo(3);
    return body;
  }

  // ---- round trips ----

  @Test
  void getForwardsMethodPathQueryAndHeadersAndAnswersWithTheFunctionsStatusAndHeaders()
      throws Exception {
    var r =
        TestGateway.send(
            gateway
                .request("/echo/items?q=a%20b&page=2")
                .header("X-Test", "t-1")
                .header("X-Multi", "one")
                .header("X-Multi", "two")
                .GET()
                .build());

    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.headers().firstValue("X-Function")).hasValue("echo");
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode seen = json(r);
    assertThat(seen.path("method").asText()).isEqualTo("GET");
    assertThat(seen.path("url").asText()).isEqualTo("/echo/items?q=a%20b&page=2");
    assertThat(seen.path("path").asText()).isEqualTo("/echo/items");
    assertThat(seen.path("query").asText()).isEqualTo("q=a%20b&page=2");
    assertThat(seen.path("q").asText()).isEqualTo("a b");
    assertThat(seen.path("test").asText()).isEqualTo("t-1");
    assertThat(seen.path("multi").asText())
        .as("repeated headers folded in order")
        .isEqualTo("one, two");
    assertThat(seen.path("body").asText()).isEmpty();
    assertThat(seen.path("remote").asText()).startsWith("127.0.0.1:");
  }

  @Test
  void postAndPutForwardTheirBody() throws Exception {
    var post =
        TestGateway.send(
            gateway
                .request("/echo/orders")
                .header("X-Test", "p")
                .POST(BodyPublishers.ofString("{\"sku\":\"x-1\",\"qty\":2}"))
                .build());
    var put =
        TestGateway.send(
            gateway.request("/echo/orders/7").PUT(BodyPublishers.ofString("ünïcødé")).build());

    assertThat(post.statusCode()).isEqualTo(201);
    assertThat(json(post).path("method").asText()).isEqualTo("POST");
    assertThat(json(post).path("body").asText()).isEqualTo("{\"sku\":\"x-1\",\"qty\":2}");
    assertThat(json(post).path("test").asText()).isEqualTo("p");
    assertThat(put.statusCode()).isEqualTo(201);
    assertThat(json(put).path("method").asText()).isEqualTo("PUT");
    assertThat(json(put).path("body").asText()).isEqualTo("ünïcødé");
  }

  @Test
  void bodiesAreForwardedAndAnsweredByteForByte() {
    byte[] all = new byte[256 * 3];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    var r =
        TestGateway.sendForBytes(
            gateway.request("/bytes/").POST(BodyPublishers.ofByteArray(all)).build());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
    assertThat(r.body()).isEqualTo(all);
  }

  @Test
  void theLongestMatchingPrefixWinsWhateverTheOrderInTheFile() throws IOException {
    try (TestGateway reversed =
        TestGateway.builder(nsq.nsqdProcess().tcpAddress())
            .id("gw-reversed")
            .routes("routes:\n  /a/: topic-a\n  /a/b/: topic-b\n")
            .start()
            .awaitHealthy()) {
      for (TestGateway g : new TestGateway[] {gateway, reversed}) {
        // Several times each: the original gateway picked one of the matches at random.
        for (int i = 0; i < 5; i++) {
          assertThat(g.get("/a/b/c").body()).isEqualTo("B");
          assertThat(g.get("/a/b/").body()).isEqualTo("B");
          assertThat(g.get("/a/x").body()).isEqualTo("A");
          assertThat(g.get("/a/b").body()).as("/a/b does not start with /a/b/").isEqualTo("A");
        }
        assertThat(g.get("/a").statusCode()).as("/a does not start with /a/").isEqualTo(404);
      }
    }
  }

  // ---- errors ----

  @Test
  void aPathNoRouteMatchesIs404NoRoute() throws Exception {
    JsonNode body = error(gateway.get("/nowhere/x?y=1"), 404, "no_route");
    assertThat(body.path("message").asText()).contains("/nowhere/x");
  }

  @Test
  void aFunctionSlowerThanTheRouteTimeoutIs504AndCounted() throws Exception {
    double before =
        gateway.metrics().value("kubefuncs_gateway_timeouts_total", Map.of("route", "/slow/"));
    long start = System.nanoTime();

    var r = gateway.get("/slow/report");

    long millis = (System.nanoTime() - start) / 1_000_000;
    JsonNode body = error(r, 504, "timeout");
    assertThat(body.path("message").asText()).contains("slow").contains("300 ms");
    assertThat(millis)
        .as("answered after the route's 300 ms timeout, not the 5 s default")
        .isBetween(300L, 3_000L);
    MetricsText after = gateway.metrics();
    assertThat(after.value("kubefuncs_gateway_timeouts_total", Map.of("route", "/slow/")))
        .isEqualTo(before + 1);
    assertThat(
            after.value(
                "kubefuncs_gateway_requests_total", Map.of("route", "/slow/", "status", "504")))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void aThrowingFunctionIs502WithItsMessage() throws Exception {
    JsonNode body = error(gateway.get("/fail/"), 502, "function_error");
    assertThat(body.path("message").asText()).contains("out of stock: sku-7");
  }

  @Test
  void withFunctionErrorsHiddenA502SaysNothingOfTheFunctionsMessage() throws Exception {
    var r = quietGateway.get("/fail/");

    JsonNode body = error(r, 502, "function_error");
    assertThat(body.path("message").asText()).isEqualTo("the function failed");
    assertThat(r.body())
        .doesNotContain("sku-7")
        .doesNotContain("out of stock")
        .doesNotContain("IllegalState");
  }

  @Test
  void withNsqdUnreachableRoutedRequestsAre503AndHealthzIs503() throws Exception {
    try (ClosedPort nsqd = ClosedPort.reserve();
        TestGateway orphan =
            TestGateway.builder(nsqd.address()).id("gw-orphan").routes(ROUTES).start()) {
      long start = System.nanoTime();
      JsonNode body = error(orphan.get("/echo/x"), 503, "nsq_unavailable");
      assertThat((System.nanoTime() - start) / 1_000_000)
          .as("fails fast, not after the route timeout")
          .isLessThan(2_000);
      assertThat(body.path("message").asText()).contains("NSQ");
      assertThat(orphan.get("/healthz").statusCode()).isEqualTo(503);
      // Routing does not need NSQ: an unknown path is still a 404.
      error(orphan.get("/nowhere"), 404, "no_route");
    }
  }

  @Test
  void aBodyOverTheLimitIs413WithTheJsonBodyAndOneAtTheLimitPasses() throws Exception {
    var atLimit = gateway.post("/echo/", "x".repeat(MAX_BODY));
    var over = gateway.post("/echo/", "x".repeat(MAX_BODY + 1));

    assertThat(atLimit.statusCode()).isEqualTo(201);
    assertThat(json(atLimit).path("body").asText()).hasSize(MAX_BODY);
    JsonNode body = error(over, 413, "body_too_large");
    assertThat(body.path("message").asText()).contains(String.valueOf(MAX_BODY));
  }

  @Test
  void aLargeBodyOverTheLimitIsAlways413NeverAResetConnection() throws Exception {
    // Far over the limit: the gateway answers before the body is in, and must not close with it
    // unread (the kernel would reset the connection and the client lose the 413), nor leave a
    // closed connection in the client's pool (the next POST would fail).
    byte[] big = new byte[512 * 1024];
    for (int i = 0; i < 10; i++) {
      var r =
          TestGateway.send(gateway.request("/echo/").POST(BodyPublishers.ofByteArray(big)).build());
      error(r, 413, "body_too_large");
    }
    assertThat(gateway.post("/echo/", "after").statusCode()).isEqualTo(201);
  }

  /**
   * AdminEndpoints sits ahead of the body stages: a probe's body, however large, is neither limited
   * nor read.
   */
  @Test
  void healthAndMetricsAreAnsweredFromTheHeadWhateverBodyTheyCarryAndInTurn() throws Exception {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      RawHttp.Response health =
          raw.send(
                  "POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: "
                      + (3 * MAX_BODY)
                      + "\r\n\r\n"
                      + "h".repeat(3 * MAX_BODY))
              .read();
      assertThat(health.status()).as("not 413: the body limit never sees it").isEqualTo(200);
      assertThat(health.body()).isEqualTo("ok\n");
      // Pipelined behind a call, the scrape's answer waits for the call's: HTTP/1.1 answers in
      // order.
      raw.send(
          "GET /echo/first HTTP/1.1\r\nHost: t\r\n\r\nGET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
      RawHttp.Response first = raw.read();
      assertThat(first.status()).isEqualTo(201);
      assertThat(JSON.readTree(first.body()).path("path").asText()).isEqualTo("/echo/first");
      RawHttp.Response metrics = raw.read();
      assertThat(metrics.status()).isEqualTo(200);
      assertThat(metrics.body()).contains("kubefuncs_gateway_");
    }
  }

  @Test
  void after413TheRestOfTheBodyIsDiscardedAndTheConnectionServesTheNextRequest() throws Exception {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      RawHttp.Response tooLarge =
          raw.send(
                  "POST /echo/ HTTP/1.1\r\nHost: t\r\nContent-Length: "
                      + (3 * MAX_BODY)
                      + "\r\n\r\n"
                      + "b".repeat(3 * MAX_BODY))
              .read();
      assertThat(tooLarge.status()).isEqualTo(413);
      assertThat(JSON.readTree(tooLarge.body()).path("error").asText()).isEqualTo("body_too_large");

      RawHttp.Response next = raw.send("GET /echo/next HTTP/1.1\r\nHost: t\r\n\r\n").read();
      assertThat(next.status()).isEqualTo(201);
      assertThat(JSON.readTree(next.body()).path("path").asText()).isEqualTo("/echo/next");
    }
    // A chunked body that grows over the limit cannot be skipped by its length: 413, then closed.
    try (RawHttp raw = new RawHttp(gateway.port())) {
      String chunk = Integer.toHexString(MAX_BODY) + "\r\n" + "c".repeat(MAX_BODY) + "\r\n";
      RawHttp.Response r =
          raw.send(
                  "POST /echo/ HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + chunk
                      + chunk
                      + "0\r\n\r\n")
              .read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("body_too_large");
      assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void aBodyOverTheLimitWithExpect100ContinueIs413WithTheJsonBodyBeforeTheBodyIsSent()
      throws Exception {
    var atLimit =
        TestGateway.send(
            gateway
                .request("/echo/")
                .expectContinue(true)
                .POST(BodyPublishers.ofString("y".repeat(MAX_BODY)))
                .build());
    var over =
        TestGateway.send(
            gateway
                .request("/echo/")
                .expectContinue(true)
                .POST(BodyPublishers.ofString("y".repeat(MAX_BODY + 1)))
                .build());

    assertThat(atLimit.statusCode()).isEqualTo(201);
    assertThat(json(atLimit).path("body").asText()).hasSize(MAX_BODY);
    error(over, 413, "body_too_large");

    // On the wire: the 413 comes instead of "100 Continue", without waiting for the body.
    try (RawHttp raw = new RawHttp(gateway.port())) {
      RawHttp.Response r =
          raw.send(
                  "POST /echo/ HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: "
                      + (MAX_BODY + 1)
                      + "\r\n\r\n")
              .read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("body_too_large");
      assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
      assertThat(raw.closedByServer()).as("the body was never sent: nothing to wait for").isTrue();
    }
    // Within the limit, 100 Continue first, then the answer.
    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send(
          "POST /echo/ HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
      assertThat(raw.read().status()).isEqualTo(100);
      RawHttp.Response r = raw.send("hello").read();
      assertThat(r.status()).isEqualTo(201);
      assertThat(JSON.readTree(r.body()).path("body").asText()).isEqualTo("hello");
    }
  }

  @Test
  void aMalformedRequestLineIs400AndTheConnectionClosed() throws Exception {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      RawHttp.Response r = raw.send("GET /echo/ HTTP/1.1 and more\r\nHost: t\r\n\r\n").read();

      assertThat(r.status()).isEqualTo(400);
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.path("status").asInt()).isEqualTo(400);
      assertThat(body.path("error").asText()).isEqualTo("bad_request");
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void aHugeHeaderIs431AndTheConnectionClosed() throws Exception {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      RawHttp.Response r =
          raw.send(
                  "GET /echo/ HTTP/1.1\r\nHost: t\r\nX-Huge: "
                      + "h".repeat(Gateway.MAX_HEADER_SIZE + 100)
                      + "\r\n\r\n")
              .read();

      assertThat(r.status()).isEqualTo(431);
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.path("status").asInt()).isEqualTo(431);
      assertThat(body.path("error").asText()).isEqualTo("headers_too_large");
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void aRequestLineOverTheLimitIs414() throws Exception {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      RawHttp.Response r =
          raw.send(
                  "GET /echo/"
                      + "u".repeat(Gateway.MAX_INITIAL_LINE)
                      + " HTTP/1.1\r\nHost: t\r\n\r\n")
              .read();

      assertThat(r.status()).isEqualTo(414);
      assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("uri_too_long");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"header-value", "header-name", "status-100", "status-1000", "status-negative"})
  void aFunctionAnswerHttpCannotCarryIs502NotAHang(String kind) throws Exception {
    var r = gateway.get("/bad/" + kind);

    JsonNode body = error(r, 502, "function_error");
    assertThat(body.path("message").asText()).contains("not a valid HTTP response");
    assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
    // The connection is fine afterwards.
    assertThat(gateway.get("/bad/fine").statusCode()).isEqualTo(200);
  }

  @Test
  void framingHeadersFromAFunctionAreDroppedAndTheGatewayFramesTheResponse() throws Exception {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      RawHttp.Response r = raw.send("GET /bad/framing HTTP/1.1\r\nHost: t\r\n\r\n").read();

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("hi");
      assertThat(r.header("Content-Length")).isEqualTo("2");
      assertThat(r.header("Transfer-Encoding")).isNull();
      assertThat(r.header("Keep-Alive")).isNull();
      assertThat(r.header("Connection")).isNull();
      assertThat(r.header("X-Kept")).isEqualTo("yes");
      // The function's "Connection: close" did not close the client's connection.
      assertThat(raw.send("GET /bad/fine HTTP/1.1\r\nHost: t\r\n\r\n").read().body())
          .isEqualTo("hi");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/big/", "/big-async/"})
  void aBodyUnderTheLimitButTooLargeForOneNsqMessageIs413(String path) throws Exception {
    try (TestGateway large =
        TestGateway.builder(nsq.nsqdProcess().tcpAddress())
            .id("gw-large")
            .maxBodyBytes(4 << 20)
            .routes("routes:\n  /big/: big\n  /big-async/: {topic: big, async: true}\n")
            .start()
            .awaitHealthy()) {
      assertThat(large.post(path, "x".repeat(900_000)).statusCode())
          .as("fits in one NSQ message")
          .isIn(200, 202);

      var r =
          TestGateway.send(
              large.request(path).POST(BodyPublishers.ofByteArray(new byte[2_000_000])).build());

      error(r, 413, "body_too_large");
    }
  }

  @Test
  void byDefaultABodyOneNsqMessageCannotCarryIs413AtOnceAnnouncedOrChunked() throws Exception {
    int limit = GatewayConfig.Limits.NSQ_MESSAGE_BODY;
    try (TestGateway defaults =
        TestGateway.builder(nsq.nsqdProcess().tcpAddress())
            .id("gw-defaults")
            .routes("routes:\n  /big/: big\n")
            .start()
            .awaitHealthy()) {
      // Announced: answered on the headers alone, the body never sent.
      try (RawHttp raw = new RawHttp(defaults.port())) {
        RawHttp.Response r =
            raw.send(
                    "POST /big/ HTTP/1.1\r\nHost: t\r\nContent-Length: " + (limit + 1) + "\r\n\r\n")
                .read();
        assertThat(r.status()).isEqualTo(413);
        assertThat(JSON.readTree(r.body()).path("message").asText())
            .contains(String.valueOf(limit));
      }
      // Chunked: answered as soon as the chunks go over, the last chunk never sent.
      try (RawHttp raw = new RawHttp(defaults.port())) {
        String chunk = Integer.toHexString(64 * 1024) + "\r\n" + "c".repeat(64 * 1024) + "\r\n";
        raw.send(
            "POST /big/ HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunk.repeat(limit / (64 * 1024) + 1));
        RawHttp.Response r = raw.read();
        assertThat(r.status()).isEqualTo(413);
        assertThat(raw.closedByServer()).isTrue();
      }
      assertThat(defaults.post("/big/", "x".repeat(limit - 64 * 1024)).statusCode())
          .as("under the limit")
          .isEqualTo(200);
    }
  }

  // ---- connections ----

  @Test
  void oneConnectionCarriesManyRequestsErrorsIncluded() throws Exception {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      for (int i = 0; i < 3; i++) {
        RawHttp.Response ok = raw.send("GET /echo/" + i + " HTTP/1.1\r\nHost: t\r\n\r\n").read();
        assertThat(ok.status()).isEqualTo(201);
        assertThat(JSON.readTree(ok.body()).path("path").asText()).isEqualTo("/echo/" + i);
        RawHttp.Response notFound = raw.send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n").read();
        assertThat(notFound.status()).isEqualTo(404);
        RawHttp.Response failed =
            raw.send("POST /fail/ HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi").read();
        assertThat(failed.status()).isEqualTo(502);
      }
      RawHttp.Response last =
          raw.send("GET /echo/last HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").read();
      assertThat(last.status()).isEqualTo(201);
      assertThat(last.header("Connection")).isEqualToIgnoringCase("close");
      assertThat(raw.closedByServer())
          .as("closed after the response to 'Connection: close'")
          .isTrue();
    }
  }

  @Test
  void theJdkClientReusesOneConnectionForSequentialRequests() throws Exception {
    Set<String> remotes = new HashSet<>();
    // A client of its own, whose pool holds no connection from other tests.
    try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      for (int i = 0; i < 5; i++) {
        var r =
            client.send(
                gateway.request("/echo/keep-alive/" + i).GET().build(), BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(201);
        remotes.add(json(r).path("remote").asText());
      }
    }
    assertThat(remotes)
        .as("the function saw one client address:port, so one connection")
        .hasSize(1);
  }

  @Test
  void pipelinedRequestsAreAnsweredInRequestOrder() throws Exception {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      // One write, two requests: the first one's function answers only after the second one's did.
      raw.send(
          "GET /hold/first HTTP/1.1\r\nHost: t\r\n\r\nGET /release/second HTTP/1.1\r\nHost: t\r\n\r\n");

      RawHttp.Response first = raw.read();
      RawHttp.Response second = raw.read();

      assertThat(first.body()).as("the answer to GET /hold/first").isEqualTo("held /hold/first");
      assertThat(second.body())
          .as("the answer to GET /release/second")
          .isEqualTo("released /release/second");
    }
  }

  @Test
  void aDeepPipelineIsAnsweredInFullAndInOrder() throws Exception {
    // More requests in one write than the gateway publishes before it stops reading, as many as
    // it lets wait: the deepest pipeline it serves (one more closes the connection).
    int n = ConnectionTimeouts.MAX_PIPELINE_DEPTH - 1;
    StringBuilder requests = new StringBuilder();
    for (int i = 0; i < n; i++) {
      requests.append("GET /echo/pipe/").append(i).append(" HTTP/1.1\r\nHost: t\r\n\r\n");
    }
    requests.append("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n");
    try (RawHttp raw = new RawHttp(gateway.port())) {
      raw.send(requests.toString());

      for (int i = 0; i < n; i++) {
        RawHttp.Response r = raw.read();
        assertThat(JSON.readTree(r.body()).path("url").asText())
            .as("answer %d", i)
            .isEqualTo("/echo/pipe/" + i);
      }
      assertThat(raw.read().status()).as("the last request's: no route").isEqualTo(404);
    }
  }

  // ---- async ----

  @Test
  void anAsyncRouteAnswers202WithTheEventIdAndTheFunctionGetsTheEventWithoutReturnTopic()
      throws Exception {
    var r =
        TestGateway.send(
            gateway.request("/jobs/report?month=3").POST(BodyPublishers.ofString("r-1")).build());

    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.body()).isEmpty();
    String id = r.headers().firstValue("X-Kubefuncs-Event-Id").orElseThrow();
    Delivery got = jobs.poll(10, TimeUnit.SECONDS);
    assertThat(got).as("the function received the event").isNotNull();
    assertThat(got.id()).isEqualTo(id);
    assertThat(got.expectsResponse()).isFalse();
    assertThat(got.returnTopic()).isEmpty();
    assertThat(got.http().method()).isEqualTo("POST");
    assertThat(got.http().url()).isEqualTo("/jobs/report?month=3");
    assertThat(got.http().bodyAsString()).isEqualTo("r-1");
  }

  @Test
  void preferRespondAsyncMakesASynchronousRouteAnswer202() throws Exception {
    var sync = gateway.get("/later/now");
    assertThat(sync.statusCode()).isEqualTo(200);
    assertThat(sync.body()).isEqualTo("done now");
    assertThat(later.poll(10, TimeUnit.SECONDS).expectsResponse()).isTrue();

    var r =
        TestGateway.send(
            gateway
                .request("/later/please")
                .header("Prefer", "respond-async")
                .POST(BodyPublishers.ofString("whenever"))
                .build());

    assertThat(r.statusCode()).isEqualTo(202);
    String id = r.headers().firstValue("X-Kubefuncs-Event-Id").orElseThrow();
    Delivery got = later.poll(10, TimeUnit.SECONDS);
    assertThat(got).isNotNull();
    assertThat(got.id()).isEqualTo(id);
    assertThat(got.expectsResponse()).isFalse();
    assertThat(got.returnTopic()).isEmpty();
    assertThat(got.http().bodyAsString()).isEqualTo("whenever");
  }

  // ---- health and metrics ----

  @Test
  void healthzIsOkWhileConnectedAndMetricsCountRequestsByRouteAndStatus() throws Exception {
    var health = gateway.get("/healthz");
    assertThat(health.statusCode()).isEqualTo(200);

    gateway.get("/echo/counted");
    gateway.get("/nowhere/counted");
    gateway.post("/echo/", "z".repeat(MAX_BODY + 1));

    var page = gateway.get("/metrics");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    MetricsText m = new MetricsText(page.body());
    assertThat(
            m.value("kubefuncs_gateway_requests_total", Map.of("route", "/echo/", "status", "201")))
        .isGreaterThanOrEqualTo(1);
    assertThat(
            m.value("kubefuncs_gateway_requests_total", Map.of("route", "none", "status", "404")))
        .isGreaterThanOrEqualTo(1);
    assertThat(
            m.value("kubefuncs_gateway_request_duration_seconds_count", Map.of("route", "/echo/")))
        .isGreaterThanOrEqualTo(1);
    assertThat(
            m.has(
                "kubefuncs_gateway_request_duration_seconds_bucket",
                Map.of("route", "/echo/", "le", "0.1")))
        .isTrue();
    assertThat(m.has("kubefuncs_gateway_calls_in_flight", Map.of())).isTrue();
    assertThat(
            m.value("kubefuncs_gateway_requests_total", Map.of("route", "none", "status", "413")))
        .isGreaterThanOrEqualTo(1);
    // Known outcomes are exposed before they first happen, so that increase() sees the first one.
    assertThat(m.has("kubefuncs_gateway_route_reloads_total", Map.of("result", "ok"))).isTrue();
    assertThat(m.has("kubefuncs_gateway_route_reloads_total", Map.of("result", "rejected")))
        .isTrue();
    assertThat(m.text()).contains("# TYPE kubefuncs_gateway_timeouts_total counter");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> gateway.metrics().value("kubefuncs_gateway_calls_in_flight", Map.of()) == 0);
  }

  /**
   * As Prometheus asks for it: OpenMetrics, gzipped; on the traffic port, in the request's turn.
   */
  @Test
  void metricsAreInTheFormatAndEncodingTheScraperAsksFor() throws Exception {
    HttpResponse<byte[]> page =
        TestGateway.sendForBytes(
            gateway
                .request("/metrics?name[]=kubefuncs_gateway_calls_in_flight")
                .header(
                    "Accept",
                    "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.1")
                .header("Accept-Encoding", "gzip")
                .build());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/openmetrics-text");
    assertThat(page.headers().firstValue("Content-Encoding")).hasValue("gzip");
    String text;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(page.body()))) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(text)
        .contains("# TYPE kubefuncs_gateway_calls_in_flight gauge")
        .doesNotContain("kubefuncs_gateway_requests_total")
        .endsWith("# EOF\n");
  }
}
