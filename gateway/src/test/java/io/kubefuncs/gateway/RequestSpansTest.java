package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.testkit.NsqExtension;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The gateway's SERVER spans over a real nsqd, with an in-memory exporter. */
class RequestSpansTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
  private static OpenTelemetrySdk sdk;
  private static Client function;
  private static TestGateway traced;
  private static TestGateway untraced;

  @BeforeAll
  static void start() throws Exception {
    sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(SPANS))
                    .build())
            .build();
    String nsqd = nsq.nsqdProcess().tcpAddress();
    function =
        Client.builder().nsqd(nsqd).clientId("spans-fn").registry(new PrometheusRegistry()).build();
    function
        .on("spans-ok", "default", msg -> msg.respond(GatewayResponse.ok("ok\n")))
        .ready()
        .join();
    String routes =
        "routes:\n  /ok/: spans-ok\n  /silent/: {topic: spans-nobody, timeout: 200ms}\n";
    traced =
        TestGateway.builder(nsqd)
            .id("gw-spans")
            .openTelemetry(sdk)
            .routes(routes)
            .start()
            .awaitHealthy();
    untraced = TestGateway.builder(nsqd).id("gw-nospans").routes(routes).start().awaitHealthy();
  }

  @AfterAll
  static void stop() {
    traced.close();
    untraced.close();
    function.close();
    sdk.close();
  }

  @Test
  void aRequestWithoutTraceparentStartsATraceThatTheAnswerNames() {
    var r = traced.get("/ok/x?y=1");

    assertThat(r.statusCode()).isEqualTo(200);
    SpanData server =
        await().atMost(Duration.ofSeconds(10)).until(() -> serverSpan("/ok/"), s -> s != null);
    assertThat(server.getParentSpanContext().isValid()).as("a root").isFalse();
    assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(server.getAttributes().get(RequestSpans.PATH)).isEqualTo("/ok/x");
    assertThat(server.getAttributes().get(RequestSpans.STATUS)).isEqualTo(200L);
    assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(r.headers().firstValue("traceresponse"))
        .hasValue(
            "00-"
                + server.getTraceId()
                + "-"
                + server.getSpanId()
                + "-"
                + server.getSpanContext().getTraceFlags().asHex());
  }

  @Test
  void aTimeoutIsAnErrorSpanWithItsStatus() {
    var r = traced.get("/silent/");

    assertThat(r.statusCode()).isEqualTo(504);
    SpanData server =
        await().atMost(Duration.ofSeconds(10)).until(() -> serverSpan("/silent/"), s -> s != null);
    assertThat(server.getAttributes().get(RequestSpans.STATUS)).isEqualTo(504L);
    assertThat(server.getAttributes().get(RequestSpans.TOPIC)).isEqualTo("spans-nobody");
    assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
  }

  @Test
  void withoutTracingTheAnswerNamesNoTrace() {
    var r = untraced.get("/ok/");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("traceresponse")).isEmpty();
  }

  private static SpanData serverSpan(String route) {
    List<SpanData> found =
        SPANS.getFinishedSpanItems().stream()
            .filter(
                s ->
                    s.getKind() == SpanKind.SERVER
                        && route.equals(s.getAttributes().get(RequestSpans.ROUTE)))
            .toList();
    return found.isEmpty() ? null : found.get(found.size() - 1);
  }
}
