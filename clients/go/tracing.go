package kubefuncs

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// WithTracerProvider traces every Emit, Call and handler run with tp, and carries the trace
// context in the events' metadata (traceparent and tracestate, W3C Trace Context, as the Java SDK
// does). Default: no tracing, except that Run sets up OpenTelemetry's SDK when the OTEL_*
// environment asks for it (README.md, "Tracing").
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(s *settings) { s.tracerProvider = tp }
}

// traceContext reads and writes an event's trace context: W3C traceparent and tracestate only,
// whatever propagators the process set globally, so that Go and Java agree on the keys.
var traceContext = propagation.TraceContext{}

// The attributes spans are searched by: OpenTelemetry's messaging conventions, and the attempt.
const (
	attrSystem        = attribute.Key("messaging.system")
	attrDestination   = attribute.Key("messaging.destination.name")
	attrTemporary     = attribute.Key("messaging.destination.temporary")
	attrConsumerGroup = attribute.Key("messaging.consumer.group.name")
	attrOperationType = attribute.Key("messaging.operation.type")
	attrOperationName = attribute.Key("messaging.operation.name")
	attrMessageID     = attribute.Key("messaging.message.id")
	attrAttempt       = attribute.Key("kubefuncs.attempt")
)

// eventTracer makes the client's spans. A client has one only when tracing is on; with it off,
// the hot paths test a nil pointer and nothing more.
type eventTracer struct {
	tracer trace.Tracer
}

func newEventTracer(tp trace.TracerProvider) *eventTracer {
	if tp == nil {
		return nil
	}
	return &eventTracer{tracer: tp.Tracer("io.kubefuncs")}
}

// publish starts the span of a publish of ev (an Emit or a Call), a child of ctx's span (the
// handler's, inside a handler), and writes its context into ev's metadata: ev must be the
// caller's own copy.
func (t *eventTracer) publish(ctx context.Context, ev *Event) trace.Span {
	ctx, span := t.tracer.Start(ctx, "publish "+ev.GetTopic(), trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attrSystem.String("nsq"), attrDestination.String(ev.GetTopic()),
			attrOperationType.String("send"), attrOperationName.String("publish"), attrMessageID.String(ev.GetId())))
	if ev.Metadata == nil {
		ev.Metadata = map[string]string{}
	}
	traceContext.Inject(ctx, propagation.MapCarrier(ev.Metadata))
	return span
}

// process starts the span of a handler run on ev, continuing the trace its metadata carries (a
// new trace when it carries none); the context returned holds it, for the handler's own calls.
func (t *eventTracer) process(ev *Event, topic, channel string, attempt int) (context.Context, trace.Span) {
	parent := traceContext.Extract(context.Background(), propagation.MapCarrier(ev.GetMetadata()))
	return t.tracer.Start(parent, "process "+topic, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attrSystem.String("nsq"), attrDestination.String(topic), attrConsumerGroup.String(channel),
			attrOperationType.String("process"), attrOperationName.String("process"), attrMessageID.String(ev.GetId()),
			attrAttempt.Int(attempt)))
}

// answer starts the span of the publish of the answer to request, a child of the handler's span
// that handlerCtx holds.
func (t *eventTracer) answer(handlerCtx context.Context, request *Event) trace.Span {
	_, span := t.tracer.Start(handlerCtx, "answer "+request.GetTopic(), trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attrSystem.String("nsq"), attrDestination.String(request.GetReturn()), attrTemporary.Bool(true),
			attrOperationType.String("send"), attrOperationName.String("answer"), attrMessageID.String(request.GetId())))
	return span
}

// endSpan ends span, as failed when err is not nil.
func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// endWhenSent ends span with publish's verdict, which it passes on.
func endWhenSent(span trace.Span, publish <-chan error) <-chan error {
	out := make(chan error, 1)
	go func() {
		err := <-publish
		endSpan(span, err)
		out <- err
	}()
	return out
}

// tracingWanted applies the rule the Java SDK applies: tracing is on when OTEL_TRACES_EXPORTER
// names an exporter (not none), or, with it unset, when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set; OTEL_SDK_DISABLED=true turns it off.
func tracingWanted(getenv func(string) string) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	if exporter := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER"))); exporter != "" {
		return exporter != "none"
	}
	return strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) != "" ||
		strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) != ""
}

// tracerProviderFromEnv is the SDK that the OTEL_* environment asks for, nil when it asks for
// none: OTLP over HTTP (endpoint, headers, timeout, sampler, batching and resource from the
// standard variables), with serviceName as service.name unless OTEL_SERVICE_NAME says otherwise.
// Shut it down last, to send the spans still buffered.
func tracerProviderFromEnv(getenv func(string) string, serviceName string) (*sdktrace.TracerProvider, error) {
	if !tracingWanted(getenv) {
		return nil, nil
	}
	if exporter := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER"))); exporter != "" && exporter != "otlp" {
		return nil, &ConfigError{"OTEL_TRACES_EXPORTER", fmt.Sprintf("the Go client exports traces with otlp only, got '%s'", exporter)}
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := strings.TrimSpace(getenv(name)); p != "" {
			if p != "http/protobuf" {
				return nil, &ConfigError{name, fmt.Sprintf("the Go client sends OTLP as http/protobuf only, got '%s'", p)}
			}
			break
		}
	}
	ctx := context.Background()
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, &ConfigError{"OTEL_EXPORTER_OTLP_*", err.Error()}
	}
	// Later sources win: the environment's service name over the topic.
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", serviceName)),
		resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil {
		return nil, &ConfigError{"OTEL_RESOURCE_ATTRIBUTES", err.Error()}
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res)), nil
}
