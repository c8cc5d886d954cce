package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.Client;
import io.kubefuncs.internal.Tracing;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import io.kubefuncs.testkit.NsqExtension;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One trace across three processes' worth of code over a real nsqd: a client's traceparent → the
 * gateway (tracing set up from OTEL_* settings, exporting over OTLP) → a Java function (its own
 * SDK, an in-memory exporter) → its nested call → the Go pong of examples/go-pong, a process of its
 * own exporting over OTLP. The spans meet only in the test: the receiver and the in-memory
 * exporter.
 */
class TraceAcrossProcessesTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  @TempDir Path dir;

  @Test
  void oneTraceSpansTheGatewayAJavaFunctionItsNestedCallAndAGoFunction() throws Exception {
    Path go = onPath("go");
    assumeThat(go).as("Go is not installed").isNotNull();
    Path goPong = dir.resolve("go-pong");
    Process build =
        new ProcessBuilder(go.toString(), "build", "-o", goPong.toString(), ".")
            .directory(Path.of("..", "examples", "go-pong").toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("build.log").toFile())
            .start();
    assertThat(build.waitFor(5, TimeUnit.MINUTES) && build.exitValue() == 0)
        .as("go build: %s", log(dir.resolve("build.log")))
        .isTrue();

    String nsqd = nsq.nsqdProcess().tcpAddress();
    InMemorySpanExporter javaSpans = InMemorySpanExporter.create();
    try (OtlpReceiver receiver = new OtlpReceiver();
        OpenTelemetrySdk gatewaySdk =
            Tracing.fromEnvironment(
                    Map.of(
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                        receiver.endpoint(),
                        "OTEL_BSP_SCHEDULE_DELAY",
                        "50"),
                    "kubefuncs-gateway")
                .orElseThrow();
        OpenTelemetrySdk functionSdk =
            OpenTelemetrySdk.builder()
                .setTracerProvider(
                    SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(javaSpans))
                        .build())
                .build();
        Client function =
            Client.builder()
                .nsqd(nsqd)
                .clientId("trace-java")
                .registry(new PrometheusRegistry())
                .openTelemetry(functionSdk)
                .build()) {
      Process goFunction = startGoPong(goPong, receiver.endpoint());
      try (TestGateway gateway =
          TestGateway.builder(nsqd)
              .id("gw-trace")
              .openTelemetry(gatewaySdk)
              .routes("routes:\n  /trace/: trace-java\n")
              .start()
              .awaitHealthy()) {
        function
            .on(
                "trace-java",
                "default",
                msg ->
                    msg.respond(
                        function
                            .call(
                                "trace-go", msg.payload(HTTPRequest.class), Duration.ofSeconds(10))
                            .join()
                            .payload(HTTPResponse.class)))
            .ready()
            .join();

        String clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736", clientSpan = "00f067aa0ba902b7";
        var response =
            TestGateway.HTTP.send(
                gateway
                    .request("/trace/hello")
                    .header("traceparent", "00-" + clientTrace + "-" + clientSpan + "-01")
                    .GET()
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("pong\n");
        assertThat(response.headers().firstValue("traceresponse"))
            .hasValueSatisfying(v -> assertThat(v).startsWith("00-" + clientTrace + "-"));

        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    names(all(receiver, javaSpans))
                        .containsAll(
                            List.of(
                                "GET /trace/",
                                "publish trace-java",
                                "process trace-java",
                                "publish trace-go",
                                "process trace-go",
                                "answer trace-go",
                                "answer trace-java")));
        List<OtlpReceiver.Span> spans = all(receiver, javaSpans);
        assertThat(spans).extracting(OtlpReceiver.Span::traceId).containsOnly(clientTrace);

        OtlpReceiver.Span server = one(spans, "GET /trace/", clientSpan);
        assertThat(server.kind()).isEqualTo(OtlpReceiver.SERVER);
        assertThat(server.service()).isEqualTo("kubefuncs-gateway");
        assertThat(server.attributes())
            .containsEntry("kubefuncs.route", "/trace/")
            .containsEntry("http.response.status_code", "200")
            .containsEntry("http.request.method", "GET");
        OtlpReceiver.Span publish = one(spans, "publish trace-java", server.spanId());
        assertThat(publish.kind()).isEqualTo(OtlpReceiver.PRODUCER);
        OtlpReceiver.Span javaHandler = one(spans, "process trace-java", publish.spanId());
        assertThat(javaHandler.attributes()).containsEntry("kubefuncs.attempt", "1");
        OtlpReceiver.Span nested = one(spans, "publish trace-go", javaHandler.spanId());
        OtlpReceiver.Span goHandler = one(spans, "process trace-go", nested.spanId());
        assertThat(goHandler.service()).isEqualTo("trace-go");
        assertThat(goHandler.kind()).isEqualTo(OtlpReceiver.CONSUMER);
        assertThat(goHandler.attributes())
            .containsEntry("kubefuncs.attempt", "1")
            .containsEntry("messaging.destination.name", "trace-go")
            .containsEntry("messaging.system", "nsq");
        one(spans, "answer trace-go", goHandler.spanId());
        one(spans, "answer trace-java", javaHandler.spanId());
      } finally {
        goFunction.destroy();
        goFunction.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private Process startGoPong(Path binary, String otlpEndpoint) throws Exception {
    Path log = dir.resolve("go-pong.log");
    ProcessBuilder pb =
        new ProcessBuilder(binary.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    String[] nsqd = nsq.nsqdProcess().tcpAddress().split(":");
    pb.environment()
        .putAll(
            Map.of(
                "TOPIC",
                "trace-go",
                "NSQ_NSQD_ADDR",
                nsqd[0],
                "NSQ_NSQD_PORT",
                nsqd[1],
                "NSQ_LOOKUPD_ADDR",
                "",
                "HEALTHZ_ADDR",
                "127.0.0.1:0",
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                otlpEndpoint,
                "OTEL_BSP_SCHEDULE_DELAY",
                "50"));
    Process p = pb.start();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !p.isAlive() || log(log).contains("consuming trace-go/default"));
    assertThat(p.isAlive()).as("go-pong: %s", log(log)).isTrue();
    return p;
  }

  /** The receiver's spans and the Java function's, in the receiver's form. */
  private static List<OtlpReceiver.Span> all(
      OtlpReceiver receiver, InMemorySpanExporter javaSpans) {
    List<OtlpReceiver.Span> out = new ArrayList<>(receiver.spans());
    for (SpanData s : javaSpans.getFinishedSpanItems()) {
      Map<String, String> attributes = new java.util.LinkedHashMap<>();
      s.getAttributes().forEach((k, v) -> attributes.put(k.getKey(), String.valueOf(v)));
      out.add(
          new OtlpReceiver.Span(
              "trace-java",
              s.getTraceId(),
              s.getSpanId(),
              s.getParentSpanContext().isValid() ? s.getParentSpanId() : "",
              s.getName(),
              s.getKind().ordinal() + 1,
              attributes));
    }
    return out;
  }

  private static List<String> names(List<OtlpReceiver.Span> spans) {
    return spans.stream().map(OtlpReceiver.Span::name).toList();
  }

  private static OtlpReceiver.Span one(
      List<OtlpReceiver.Span> spans, String name, String parentSpanId) {
    List<OtlpReceiver.Span> named = spans.stream().filter(s -> s.name().equals(name)).toList();
    assertThat(named).as("spans named %s among %s", name, names(spans)).hasSize(1);
    assertThat(named.get(0).parentSpanId()).as("parent of %s", name).isEqualTo(parentSpanId);
    return named.get(0);
  }

  private static String log(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private static Path onPath(String program) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(d -> Path.of(d, program))
        .filter(Files::isExecutable)
        .findFirst()
        .orElse(null);
  }
}
