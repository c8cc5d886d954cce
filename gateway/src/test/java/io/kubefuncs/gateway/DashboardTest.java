package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.testkit.NsqCluster;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dashboard's endpoints on a real gateway, a real nsqd and nsqlookupd, and a function: the live
 * state (routes, the functions it is given, queues and dead letters from nsqd, the requests
 * answered), the invoke that goes through the gateway's public port, and what it refuses: other
 * sites' pages, other host names, and more watchers than it serves. The page itself is tested in a
 * browser by the CLI's DashboardBrowserIT.
 */
class DashboardTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.cluster(1, 1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<FunctionStatus> FUNCTIONS =
      List.of(new FunctionStatus("pong", List.of(new FunctionStatus.Replica("pong-0", true, 2))));

  @Test
  void theLiveStateShowsRoutesFunctionsQueuesDeadLettersAndEachAnsweredRequest() throws Exception {
    NsqCluster cluster = nsq.nsqCluster();
    var nsqd = cluster.nsqds().get(0);
    try (TestGateway gateway =
            TestGateway.builder(nsqd.tcpAddress())
                .lookupds(cluster.lookupdHttpAddresses())
                .routes("routes:\n  /pong/: pong\n")
                .dashboard(() -> FUNCTIONS)
                .start()
                .awaitHealthy();
        Client function =
            Client.builder()
                .nsqd(nsqd.tcpAddress())
                .clientId("pong-fn")
                .registry(new PrometheusRegistry())
                .build()) {
      function.on("pong", "default", msg -> msg.respond(GatewayResponse.ok("pong"))).ready().join();
      nsqd.publish("pong.dead", "dead 1".getBytes(StandardCharsets.UTF_8));
      nsqd.publish("pong.dead", "dead 2".getBytes(StandardCharsets.UTF_8));
      List<JsonNode> states = new CopyOnWriteArrayList<>();
      try (Stream<String> events = watch(gateway)) {
        Thread.ofVirtual()
            .start(
                () ->
                    events
                        .filter(l -> l.startsWith("data: "))
                        .forEach(l -> states.add(read(l.substring(6)))));

        assertThat(gateway.get("/pong/one").statusCode()).isEqualTo(200);
        assertThat(gateway.get("/nowhere").statusCode()).isEqualTo(404);
        assertThat(gateway.get("/healthz").statusCode()).isEqualTo(200);

        await("both requests in the live log")
            .atMost(Duration.ofSeconds(10))
            .until(() -> requests(states).size() >= 2);
        List<JsonNode> requests = requests(states);
        assertThat(requests).hasSize(2); // health checks are left out
        assertThat(requests.get(0).path("path").asText()).isEqualTo("/pong/one");
        assertThat(requests.get(0).path("route").asText()).isEqualTo("/pong/");
        assertThat(requests.get(0).path("status").asInt()).isEqualTo(200);
        assertThat(requests.get(0).path("ms").asDouble()).isPositive();
        assertThat(requests.get(1).path("route").isNull()).isTrue();
        assertThat(requests.get(1).path("status").asInt()).isEqualTo(404);

        JsonNode last = states.getLast();
        assertThat(last.path("routes").get(0).path("prefix").asText()).isEqualTo("/pong/");
        assertThat(last.path("routes").get(0).path("topic").asText()).isEqualTo("pong");
        assertThat(last.path("functions").get(0).path("replicas").get(0).path("restarts").asInt())
            .isEqualTo(2);
        JsonNode pong = topic(last, "pong");
        assertThat(pong.path("deadLetters").asLong())
            .as("pong.dead's depth, folded into pong's row")
            .isEqualTo(2);
        assertThat(pong.path("channels").get(0).path("name").asText()).isEqualTo("default");
        assertThat(pong.path("channels").get(0).path("consumers").asLong()).isEqualTo(1);
        assertThat(topic(last, "pong.dead")).as("no row of its own").isNull();
        assertThat(last.path("nsqErrors")).isEmpty();
      }
    }
  }

  @Test
  void anInvokeGoesThroughTheGatewaysPublicPortAndRefusesWhatIsNotItsOwnPage() throws Exception {
    NsqCluster cluster = nsq.nsqCluster();
    var nsqd = cluster.nsqds().get(0);
    try (TestGateway gateway =
            TestGateway.builder(nsqd.tcpAddress())
                .routes("routes:\n  /echo/: echo\n")
                .dashboard(null)
                .start()
                .awaitHealthy();
        Client function =
            Client.builder()
                .nsqd(nsqd.tcpAddress())
                .clientId("echo-fn")
                .registry(new PrometheusRegistry())
                .build()) {
      function
          .on(
              "echo",
              "default",
              msg ->
                  msg.respond(
                      GatewayResponse.ok(
                          msg.http().method()
                              + " "
                              + msg.http().path()
                              + " "
                              + msg.http().bodyAsString())))
          .ready()
          .join();

      var answer =
          invoke(
              gateway, "{\"method\": \"POST\", \"path\": \"/echo/x?y=1\", \"body\": \"hi\"}", null);
      assertThat(answer.statusCode()).isEqualTo(200);
      JsonNode r = JSON.readTree(answer.body());
      assertThat(r.path("status").asInt()).isEqualTo(200);
      assertThat(r.path("body").asText()).isEqualTo("POST /echo/x hi");
      assertThat(
              gateway
                  .metrics()
                  .value(
                      "kubefuncs_gateway_requests_total",
                      java.util.Map.of("route", "/echo/", "status", "200")))
          .as("counted as any request to the gateway")
          .isEqualTo(1);

      assertThat(invoke(gateway, "{\"path\": \"//elsewhere.example/\"}", null).statusCode())
          .isEqualTo(400);
      assertThat(
              invoke(gateway, "{\"method\": \"CONNECT\", \"path\": \"/echo/\"}", null).statusCode())
          .isEqualTo(400);
      assertThat(invoke(gateway, "{\"path\": \"/echo/\"}", "http://evil.example").statusCode())
          .isEqualTo(403);
      var form =
          TestGateway.send(
              dashboard(gateway, "/api/invoke")
                  .header("Content-Type", "text/plain")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"path\": \"/echo/\"}"))
                  .build());
      assertThat(form.statusCode()).as("a cross-site form cannot send JSON").isEqualTo(415);
      assertThat(DashboardServer.isLocalName("evil.example:8081"))
          .as("a rebound DNS name")
          .isFalse();
      assertThat(DashboardServer.isLocalName("localhost:8081")).isTrue();
      assertThat(DashboardServer.isLocalName("10.1.2.3:8081")).isTrue();
      assertThat(DashboardServer.isLocalName("[::1]:8081")).isTrue();

      var page = TestGateway.send(dashboard(gateway, "/").GET().build());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<script type=\"module\" src=\"dashboard.js\">");
      assertThat(TestGateway.send(dashboard(gateway, "/dashboard.js").GET().build()).statusCode())
          .isEqualTo(200);
      assertThat(TestGateway.send(dashboard(gateway, "/pong/").GET().build()).statusCode())
          .as("never routed to functions")
          .isEqualTo(404);
      assertThat(gateway.get("/api/events").statusCode())
          .as("nor served on the public port")
          .isEqualTo(404);
    }
  }

  @Test
  void moreWatchersThanItServesGet503() throws Exception {
    try (TestGateway gateway = TestGateway.builder("127.0.0.1:1").dashboard(null).start()) {
      List<Stream<String>> watching = new ArrayList<>();
      try {
        for (int i = 0; i < DashboardServer.MAX_WATCHERS; i++) {
          watching.add(watch(gateway));
        }
        var refused = openEvents(gateway);
        try (Stream<String> body = refused.body()) {
          assertThat(refused.statusCode()).isEqualTo(503);
          assertThat(body.collect(Collectors.joining()))
              .contains(DashboardServer.MAX_WATCHERS + " dashboards are open already");
        }
      } finally {
        watching.forEach(Stream::close);
      }
      // Closed watchers make room again.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                try (Stream<String> again = watch(gateway)) {
                  List<String> first = again.limit(2).toList();
                  assertThat(first.get(0)).isEqualTo("event: state");
                  assertThat(
                          read(first.get(1).substring("data: ".length()))
                              .path("nsqErrors")
                              .get(0)
                              .asText())
                      .as("a gateway without nsqlookupd or nsqd's HTTP address says so")
                      .startsWith("no nsqd to ask");
                }
              });
    }
  }

  /** Pages that come at once are held to the bound too, whatever a tick is doing meanwhile. */
  @Test
  void aBurstOfWatchersIsHeldToTheBound() throws Exception {
    try (TestGateway gateway = TestGateway.builder("127.0.0.1:1").dashboard(null).start();
        ExecutorService pages = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<java.net.http.HttpResponse<Stream<String>>>> opened = new ArrayList<>();
      for (int i = 0; i < 4 * DashboardServer.MAX_WATCHERS; i++) {
        opened.add(pages.submit(() -> openEvents(gateway)));
      }
      // Every answer first: a page closed early would make room for another.
      List<java.net.http.HttpResponse<Stream<String>>> answers = new ArrayList<>();
      for (var page : opened) {
        answers.add(page.get(30, TimeUnit.SECONDS));
      }
      answers.forEach(a -> a.body().close());
      List<Integer> statuses =
          answers.stream().map(java.net.http.HttpResponse::statusCode).toList();
      assertThat(statuses.stream().filter(s -> s == 200).count())
          .isEqualTo(DashboardServer.MAX_WATCHERS);
      assertThat(statuses).containsOnly(200, 503);
    }
  }

  private static HttpRequest.Builder dashboard(TestGateway gateway, String path) {
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + gateway.gateway.dashboardPort() + path))
        .timeout(TestGateway.REQUEST_TIMEOUT);
  }

  private static java.net.http.HttpResponse<String> invoke(
      TestGateway gateway, String json, String origin) {
    HttpRequest.Builder b =
        dashboard(gateway, "/api/invoke")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (origin != null) {
      b.header("Origin", origin);
    }
    return TestGateway.send(b.build());
  }

  /** The event stream's lines; closing the stream closes the connection. */
  private static Stream<String> watch(TestGateway gateway) throws Exception {
    var r = openEvents(gateway);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
    return r.body();
  }

  /**
   * Asks for the live events; the body is read as a stream, as a page reads it, so that an answer
   * that never ends is not waited out.
   */
  private static java.net.http.HttpResponse<Stream<String>> openEvents(TestGateway gateway)
      throws Exception {
    return TestGateway.HTTP.send(
        dashboard(gateway, "/api/events").GET().build(),
        java.net.http.HttpResponse.BodyHandlers.ofLines());
  }

  private static List<JsonNode> requests(List<JsonNode> states) {
    List<JsonNode> all = new ArrayList<>();
    states.forEach(s -> s.path("requests").forEach(all::add));
    return all;
  }

  private static JsonNode topic(JsonNode state, String name) {
    for (JsonNode t : state.path("topics")) {
      if (t.path("name").asText().equals(name)) {
        return t;
      }
    }
    return null;
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
