package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubefuncs.testkit.MetricsText;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The health server over real sockets, as the kubelet, Prometheus and a misbehaving client reach
 * it: health by state, the exporter's content negotiation, and bad requests answered without
 * harming the next ones.
 */
class HealthServerTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final AtomicBoolean connected = new AtomicBoolean(true);
  private HealthServer server;

  @BeforeEach
  void start() {
    Counter.builder().name("pongs_total").help("pongs").register(registry).inc(3);
    Counter.builder().name("pings_total").help("pings").register(registry).inc();
    server = new HealthServer("127.0.0.1", 0, registry, connected::get, Duration.ofSeconds(1));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void healthFollowsTheFunctionsStateAndItsNsqdConnection() throws Exception {
    assertThat(get("/healthz")).satisfies(r -> answer(r, 503, "starting\n"));
    server.state(HealthServer.State.SERVING);
    assertThat(get("/healthz")).satisfies(r -> answer(r, 200, "serving\n"));
    connected.set(false);
    assertThat(get("/healthz")).satisfies(r -> answer(r, 503, "not connected to nsqd\n"));
    connected.set(true);
    server.state(HealthServer.State.DRAINING);
    assertThat(get("/healthz")).satisfies(r -> answer(r, 503, "draining\n"));
    assertThat(get("/nope"))
        .satisfies(r -> answer(r, 404, "not found: try /healthz or /metrics\n"));
  }

  @Test
  void metricsAreInTheFormatTheScraperAsksFor() throws Exception {
    HttpResponse<String> text = get("/metrics");
    assertThat(text.statusCode()).isEqualTo(200);
    assertThat(text.headers().firstValue("content-type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(new MetricsText(text.body()).value("pongs_total", Map.of())).isEqualTo(3.0);

    HttpResponse<String> openMetrics =
        send(
            request("/metrics")
                .header(
                    "Accept",
                    "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.1"));
    assertThat(openMetrics.headers().firstValue("content-type").orElseThrow())
        .startsWith("application/openmetrics-text");
    assertThat(openMetrics.body()).contains("pongs_total 3.0").endsWith("# EOF\n");

    HttpResponse<byte[]> gzipped =
        HTTP.send(
            request("/metrics").header("Accept-Encoding", "gzip").build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(gzipped.headers().firstValue("content-encoding")).hasValue("gzip");
    assertThat(gzipped.headers().firstValueAsLong("content-length"))
        .hasValue(gzipped.body().length);
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped.body()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(text.body());
    }

    String onlyPings = get("/metrics?name[]=pings_total").body();
    assertThat(onlyPings).contains("pings_total 1.0").doesNotContain("pongs");
  }

  @Test
  void aCollectorThatFailsIsA500ThatSaysWhyAndHealthGoesOn() throws Exception {
    registry.register(
        (MultiCollector)
            () -> {
              throw new IllegalStateException("the database is gone");
            });
    HttpResponse<String> scrape = get("/metrics");
    assertThat(scrape.statusCode()).isEqualTo(500);
    assertThat(scrape.body())
        .contains("cannot collect the metrics")
        .contains("the database is gone");
    server.state(HealthServer.State.SERVING);
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void pipelinedRequestsAreAnsweredInTurnAndBodiesAreDropped() throws Exception {
    server.state(HealthServer.State.SERVING);
    try (Socket s = connect()) {
      s.getOutputStream()
          .write(
              ("POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
                      + "GET /metrics?name[]=pongs_total HTTP/1.1\r\nHost: t\r\n\r\n"
                      + "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(all.split("HTTP/1.1 ", -1)).hasSize(4);
      assertThat(all.indexOf("serving\n"))
          .isLessThan(all.indexOf("pongs_total 3.0"))
          .isLessThan(all.lastIndexOf("serving\n"));
    }
  }

  @Test
  void aMalformedRequestIsA400AndItsConnectionIsClosed() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream()
          .write(
              ("GET /" + "x".repeat(10_000) + " HTTP/1.1\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(all).startsWith("HTTP/1.1 400 ").contains("bad request");
    }
    assertThat(get("/healthz").statusCode()).as("the next client").isEqualTo(503);
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() throws Exception {
    try (Socket s = connect()) {
      s.setSoTimeout(10_000);
      long start = System.nanoTime();
      assertThat(s.getInputStream().read()).as("end of stream").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(9));
    }
  }

  @Test
  void aPortInUseIsAConfigurationErrorThatNamesTheSetting() throws IOException {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      assertThatThrownBy(
              () -> new HealthServer("127.0.0.1", taken.getLocalPort(), registry, () -> true))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("HEALTHZ_ADDR")
          .hasMessageContaining("pick a free port");
    }
  }

  @Test
  void anUnknownHostIsAConfigurationErrorThatNamesTheSetting() {
    assertThatThrownBy(() -> new HealthServer("no-such-host.invalid", 0, registry, () -> true))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("HEALTHZ_ADDR")
        .hasMessageContaining("no such host");
  }

  private Socket connect() throws IOException {
    return new Socket("127.0.0.1", server.port());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(5));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(request(path));
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void answer(HttpResponse<String> r, int status, String body) {
    assertThat(r.statusCode()).as("status").isEqualTo(status);
    assertThat(r.body()).as("body").isEqualTo(body);
  }
}
