package io.kubefuncs;

import io.kubefuncs.proto.Event;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * The SDK's spans, and the trace context an event carries in its metadata ({@code traceparent},
 * {@code tracestate}: W3C Trace Context, as the Go client reads and writes them). A client holds
 * one only when tracing is on; with it off, nothing here is loaded or called.
 */
final class EventTracer {
  /** Instrumentation scope of every span the SDK and the gateway make. */
  static final String SCOPE = "io.kubefuncs";

  static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<Boolean> DESTINATION_TEMPORARY =
      AttributeKey.booleanKey("messaging.destination.temporary");
  static final AttributeKey<String> CONSUMER_GROUP =
      AttributeKey.stringKey("messaging.consumer.group.name");
  static final AttributeKey<String> OPERATION_TYPE =
      AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> OPERATION_NAME =
      AttributeKey.stringKey("messaging.operation.name");
  static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("kubefuncs.attempt");

  private static final TextMapSetter<Event.Builder> INTO_METADATA =
      (event, key, value) -> event.putMetadata(key, value);
  private static final TextMapGetter<Event> FROM_METADATA =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Event event) {
          return event.getMetadataMap().keySet();
        }

        @Override
        public String get(Event event, String key) {
          return event == null ? null : event.getMetadataOrDefault(key, null);
        }
      };

  private final Tracer tracer;

  EventTracer(OpenTelemetry openTelemetry) {
    this.tracer = openTelemetry.getTracer(SCOPE);
  }

  /**
   * Starts the span of a publish to {@code event}'s topic (an emit or a call), a child of the
   * current context (the handler's span, inside a handler), and writes its context into the event's
   * metadata, so that whoever consumes the event continues the trace from it.
   */
  Span publish(Event.Builder event) {
    Span span =
        messaging("publish " + event.getTopic(), SpanKind.PRODUCER, Context.current())
            .setAttribute(DESTINATION, event.getTopic())
            .setAttribute(OPERATION_TYPE, "send")
            .setAttribute(OPERATION_NAME, "publish")
            .setAttribute(MESSAGE_ID, event.getId())
            .startSpan();
    W3CTraceContextPropagator.getInstance()
        .inject(Context.current().with(span), event, INTO_METADATA);
    return span;
  }

  /**
   * Starts the span of a handler run on {@code event}, continuing the trace its metadata carries (a
   * new trace when it carries none). Never a child of what the consuming thread had current.
   */
  Span process(Event event, String topic, String channel, int attempt) {
    Context parent =
        W3CTraceContextPropagator.getInstance().extract(Context.root(), event, FROM_METADATA);
    return messaging("process " + topic, SpanKind.CONSUMER, parent)
        .setAttribute(DESTINATION, topic)
        .setAttribute(CONSUMER_GROUP, channel)
        .setAttribute(OPERATION_TYPE, "process")
        .setAttribute(OPERATION_NAME, "process")
        .setAttribute(MESSAGE_ID, event.getId())
        .setAttribute(ATTEMPT, (long) attempt)
        .startSpan();
  }

  /**
   * Starts the span of the publish of an answer to {@code request}, a child of its handler's span.
   */
  Span answer(Context handler, Event request) {
    return messaging("answer " + request.getTopic(), SpanKind.PRODUCER, handler)
        .setAttribute(DESTINATION, request.getReturn())
        .setAttribute(DESTINATION_TEMPORARY, true)
        .setAttribute(OPERATION_TYPE, "send")
        .setAttribute(OPERATION_NAME, "answer")
        .setAttribute(MESSAGE_ID, request.getId())
        .startSpan();
  }

  private io.opentelemetry.api.trace.SpanBuilder messaging(
      String name, SpanKind kind, Context parent) {
    return tracer
        .spanBuilder(name)
        .setSpanKind(kind)
        .setParent(parent)
        .setAttribute(MESSAGING_SYSTEM, "nsq");
  }

  /** Ends {@code span}, as failed when {@code failure} is not null. */
  static void end(Span span, Throwable failure) {
    if (failure != null) {
      Throwable cause = Completions.unwrap(failure);
      span.recordException(cause);
      span.setStatus(StatusCode.ERROR, String.valueOf(cause.getMessage()));
    }
    span.end();
  }
}
