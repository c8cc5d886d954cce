package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.StringValue;
import io.kubefuncs.testkit.NsqExtension;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Trace context through events, between clients over a real nsqd: each client has its own
 * OpenTelemetry SDK, as separate processes would, and they share only what the events carry.
 */
class TracingTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private OpenTelemetrySdk outerSdk;
  private OpenTelemetrySdk innerSdk;
  private Client outer;
  private Client inner;

  @BeforeEach
  void clients() {
    outerSdk = sdk(spans);
    innerSdk = sdk(spans);
    outer = client("outer").openTelemetry(outerSdk).build();
    inner = client("inner").openTelemetry(innerSdk).build();
  }

  @AfterEach
  void close() {
    outer.close();
    inner.close();
    outerSdk.close();
    innerSdk.close();
  }

  static OpenTelemetrySdk sdk(InMemorySpanExporter exporter) {
    return OpenTelemetrySdk.builder()
        .setTracerProvider(
            SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build())
        .build();
  }

  private static Client.Builder client(String id) {
    return Client.builder()
        .nsqd(nsq.nsqdProcess().tcpAddress())
        .clientId(id)
        .registry(new PrometheusRegistry());
  }

  @Test
  void aCallInsideAHandlerContinuesTheTraceOfTheEventThatRanIt() {
    String outerTopic = "trace-outer", innerTopic = "trace-inner";
    AtomicReference<Map<String, String>> innerMetadata = new AtomicReference<>();
    inner
        .on(
            innerTopic,
            "default",
            msg -> {
              innerMetadata.set(msg.metadata());
              msg.respond(StringValue.of("inner"));
            })
        .ready()
        .join();
    outer
        .on(
            outerTopic,
            "default",
            msg ->
                msg.respond(
                    StringValue.of(
                        "outer+"
                            + outer
                                .call(innerTopic, StringValue.of("x"), Duration.ofSeconds(10))
                                .join()
                                .payload(StringValue.class)
                                .getValue())))
        .ready()
        .join();

    Span root = outerSdk.getTracer("test").spanBuilder("test root").startSpan();
    Delivery answer;
    try (Scope ignored = root.makeCurrent()) {
      answer = outer.call(outerTopic, StringValue.of("go"), Duration.ofSeconds(10)).join();
    } finally {
      root.end();
    }
    assertThat(answer.payload(StringValue.class).getValue()).isEqualTo("outer+inner");

    // caller publish -> outer process -> (nested publish -> inner process -> inner answer), outer
    // answer
    await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().size() >= 7);
    List<SpanData> all = spans.getFinishedSpanItems();
    assertThat(all)
        .extracting(s -> s.getTraceId())
        .containsOnly(root.getSpanContext().getTraceId());
    SpanData callerPublish = only(all, "publish " + outerTopic, root.getSpanContext());
    SpanData outerProcess = only(all, "process " + outerTopic, callerPublish.getSpanContext());
    SpanData nestedPublish = only(all, "publish " + innerTopic, outerProcess.getSpanContext());
    SpanData innerProcess = only(all, "process " + innerTopic, nestedPublish.getSpanContext());
    SpanData innerAnswer = only(all, "answer " + innerTopic, innerProcess.getSpanContext());
    SpanData outerAnswer = only(all, "answer " + outerTopic, outerProcess.getSpanContext());

    assertThat(callerPublish.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(outerProcess.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(innerAnswer.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(outerProcess.getAttributes().get(EventTracer.ATTEMPT)).isEqualTo(1L);
    assertThat(outerProcess.getAttributes().get(EventTracer.DESTINATION)).isEqualTo(outerTopic);
    assertThat(outerProcess.getAttributes().get(EventTracer.CONSUMER_GROUP)).isEqualTo("default");
    assertThat(outerProcess.getAttributes().get(EventTracer.MESSAGING_SYSTEM)).isEqualTo("nsq");
    assertThat(outerAnswer.getAttributes().get(EventTracer.DESTINATION))
        .isEqualTo(outer.returnTopic());
    assertThat(callerPublish.getAttributes().get(EventTracer.MESSAGE_ID)).isEqualTo(answer.id());
    // What the inner handler saw is the W3C form of the nested publish's context.
    SpanContext nested = nestedPublish.getSpanContext();
    assertThat(innerMetadata.get())
        .containsEntry(
            "traceparent",
            "00-"
                + nested.getTraceId()
                + "-"
                + nested.getSpanId()
                + "-"
                + nested.getTraceFlags().asHex());
  }

  @Test
  void aRetriedEventIsOneTraceWithOneHandlerSpanPerAttemptAndTheFailureMarked() {
    String topic = "trace-retry";
    AtomicInteger runs = new AtomicInteger();
    inner
        .on(
            topic,
            "default",
            4,
            SubscriptionOptions.defaults(topic).withRetryBase(Duration.ofMillis(50)),
            msg -> {
              if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("first attempt fails");
              }
            })
        .ready()
        .join();

    outer.emit(topic, StringValue.of("x")).join();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                spans.getFinishedSpanItems().stream()
                        .filter(s -> s.getName().equals("process " + topic))
                        .count()
                    == 2);
    List<SpanData> all = spans.getFinishedSpanItems();
    SpanData publish =
        all.stream().filter(s -> s.getName().equals("publish " + topic)).findFirst().orElseThrow();
    List<SpanData> runsSpans =
        all.stream().filter(s -> s.getName().equals("process " + topic)).toList();
    assertThat(runsSpans)
        .allSatisfy(
            s -> {
              assertThat(s.getTraceId()).isEqualTo(publish.getTraceId());
              assertThat(s.getParentSpanId()).isEqualTo(publish.getSpanId());
            });
    assertThat(runsSpans)
        .extracting(
            s -> s.getAttributes().get(EventTracer.ATTEMPT), s -> s.getStatus().getStatusCode())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(1L, StatusCode.ERROR),
            org.assertj.core.groups.Tuple.tuple(2L, StatusCode.UNSET));
  }

  @Test
  void withoutTracingEventsCarryNoTraceContextAndAReceivedOneStartsNoSpan() {
    String topic = "trace-off";
    AtomicReference<Map<String, String>> seen = new AtomicReference<>();
    try (Client plain = client("plain").build()) {
      plain.on(topic, "default", msg -> seen.set(msg.metadata())).ready().join();
      Span root = outerSdk.getTracer("test").spanBuilder("test root").startSpan();
      try (Scope ignored = root.makeCurrent()) {
        plain.emit(topic, StringValue.of("x")).join();
      } finally {
        root.end();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.get() != null);
    }
    assertThat(seen.get()).isEmpty();
    assertThat(spans.getFinishedSpanItems())
        .extracting(SpanData::getName)
        .containsExactly("test root");
  }

  /** The one span named {@code name}, checked to be a child of {@code parent}. */
  private static SpanData only(List<SpanData> all, String name, SpanContext parent) {
    List<SpanData> named = all.stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(named)
        .as("spans named %s among %s", name, all.stream().map(SpanData::getName).toList())
        .hasSize(1);
    assertThat(named.get(0).getParentSpanId())
        .as("parent of %s", name)
        .isEqualTo(parent.getSpanId());
    return named.get(0);
  }
}
