package io.kubefuncs.gateway;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * The gateway's SERVER span of each routed request: it continues the trace of an incoming W3C
 * {@code traceparent} (or starts one), is current while the request is published, so that the event
 * carries it on, and ends with the answer. Exists only when tracing is on.
 */
final class RequestSpans {
  /** Answers carry the request's trace (W3C Trace Context Level 2), so a client can find it. */
  static final String TRACERESPONSE = "traceresponse";

  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("kubefuncs.route");
  static final AttributeKey<String> TOPIC = AttributeKey.stringKey("messaging.destination.name");

  private static final TextMapGetter<HttpHeaders> FROM_HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders headers) {
          return headers.names();
        }

        @Override
        public String get(HttpHeaders headers, String key) {
          return headers == null ? null : headers.get(key);
        }
      };

  private final Tracer tracer;

  RequestSpans(OpenTelemetry openTelemetry) {
    this.tracer = openTelemetry.getTracer("io.kubefuncs");
  }

  Span start(FullHttpRequest request, String path, Route route) {
    Context parent =
        W3CTraceContextPropagator.getInstance()
            .extract(Context.root(), request.headers(), FROM_HEADERS);
    String method = request.method().name();
    return tracer
        .spanBuilder(method + " " + route.prefix())
        .setSpanKind(SpanKind.SERVER)
        .setParent(parent)
        .setAttribute(METHOD, method)
        .setAttribute(PATH, path)
        .setAttribute(HTTP_ROUTE, route.prefix())
        .setAttribute(ROUTE, route.prefix())
        .setAttribute(TOPIC, route.topic())
        .startSpan();
  }

  /**
   * Ends {@code span} with the answer's status; a 5xx is the gateway's or the function's failure,
   * so an error.
   */
  static void end(Span span, int status) {
    span.setAttribute(STATUS, (long) status);
    if (status >= 500) {
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /** The {@code traceresponse} header's value: the trace and the gateway's span in it. */
  static String traceresponse(Span span) {
    SpanContext c = span.getSpanContext();
    return "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex();
  }
}
