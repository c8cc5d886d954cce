package kubefuncs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/types/known/wrapperspb"

	client "github.com/kubefuncs/kubefuncs/clients/go"
	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

// Trace context through events between clients over a real nsqd: each client has its own
// tracer provider, as separate processes would, and they share only what the events carry.
func TestCallInsideAHandlerContinuesTheTraceOfTheEventThatRanIt(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	spans := tracetest.NewSpanRecorder()
	outerTP := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	innerTP := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	outer := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithTracerProvider(outerTP))
	inner := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithTracerProvider(innerTP))

	innerMetadata := make(chan map[string]string, 1)
	sub, err := inner.On("trace-inner", "default", client.HandlerFunc(func(ev *client.Message) error {
		innerMetadata <- ev.Metadata()
		return ev.Respond(wrapperspb.String("inner"))
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	sub, err = outer.On("trace-outer", "default", client.HandlerFunc(func(ev *client.Message) error {
		req, err := client.NewEvent("trace-inner", wrapperspb.String("x"))
		if err != nil {
			return err
		}
		answer, err := outer.Call(ev.Context(), req)
		if err != nil {
			return err
		}
		got := &wrapperspb.StringValue{}
		if err := answer.Payload(got); err != nil {
			return err
		}
		return ev.Respond(wrapperspb.String("outer+" + got.GetValue()))
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)

	ctx, root := outerTP.Tracer("test").Start(ctxTimeout(t, 10*time.Second), "test root")
	req, err := client.NewEvent("trace-outer", wrapperspb.String("go"))
	if err != nil {
		t.Fatal(err)
	}
	answer, err := outer.Call(ctx, req)
	root.End()
	if err != nil {
		t.Fatal(err)
	}
	got := &wrapperspb.StringValue{}
	if err := answer.Payload(got); err != nil || got.GetValue() != "outer+inner" {
		t.Fatalf("answer %v, %v", got, err)
	}
	if len(req.Metadata) != 0 {
		t.Errorf("Call wrote the trace context into the caller's event: %v", req.Metadata)
	}

	nsqtest.Eventually(t, 10*time.Second, "7 spans ended", func() bool { return len(spans.Ended()) >= 7 })
	all := spans.Ended()
	for _, s := range all {
		if s.SpanContext().TraceID() != root.SpanContext().TraceID() {
			t.Errorf("span %s is in trace %s, not the caller's %s", s.Name(), s.SpanContext().TraceID(), root.SpanContext().TraceID())
		}
	}
	callerPublish := childOf(t, all, "publish trace-outer", root.SpanContext())
	outerProcess := childOf(t, all, "process trace-outer", callerPublish.SpanContext())
	nestedPublish := childOf(t, all, "publish trace-inner", outerProcess.SpanContext())
	innerProcess := childOf(t, all, "process trace-inner", nestedPublish.SpanContext())
	childOf(t, all, "answer trace-inner", innerProcess.SpanContext())
	outerAnswer := childOf(t, all, "answer trace-outer", outerProcess.SpanContext())

	if k := outerProcess.SpanKind(); k != trace.SpanKindConsumer {
		t.Errorf("handler span kind %v", k)
	}
	if k := nestedPublish.SpanKind(); k != trace.SpanKindProducer {
		t.Errorf("publish span kind %v", k)
	}
	wantAttr(t, outerProcess, "kubefuncs.attempt", attribute.IntValue(1))
	wantAttr(t, outerProcess, "messaging.destination.name", attribute.StringValue("trace-outer"))
	wantAttr(t, outerProcess, "messaging.consumer.group.name", attribute.StringValue("default"))
	wantAttr(t, outerProcess, "messaging.system", attribute.StringValue("nsq"))
	wantAttr(t, outerAnswer, "messaging.destination.name", attribute.StringValue(outer.ReturnTopic()))
	wantAttr(t, callerPublish, "messaging.message.id", attribute.StringValue(answer.ID()))
	// The keys and the form the Java SDK reads.
	nested := nestedPublish.SpanContext()
	want := fmt.Sprintf("00-%s-%s-%s", nested.TraceID(), nested.SpanID(), nested.TraceFlags())
	if md := <-innerMetadata; md["traceparent"] != want {
		t.Errorf("the inner handler got metadata %v, want traceparent %s", md, want)
	}
}

func TestRetriedEventIsOneTraceWithAHandlerSpanPerAttempt(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithTracerProvider(tp),
		client.WithRetryDelay(50*time.Millisecond))
	sub, err := c.On("trace-retry", "default", client.HandlerFunc(func(ev *client.Message) error {
		if ev.Attempts() == 1 {
			return errors.New("first attempt fails")
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	ev, err := client.NewEvent("trace-retry", wrapperspb.String("x"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Emit(ctxTimeout(t, 10*time.Second), ev); err != nil {
		t.Fatal(err)
	}
	runs := func() []sdktrace.ReadOnlySpan {
		var out []sdktrace.ReadOnlySpan
		for _, s := range spans.Ended() {
			if s.Name() == "process trace-retry" {
				out = append(out, s)
			}
		}
		return out
	}
	nsqtest.Eventually(t, 10*time.Second, "two handler spans", func() bool { return len(runs()) == 2 })
	var publish sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		if s.Name() == "publish trace-retry" {
			publish = s
		}
	}
	if publish == nil {
		t.Fatal("no publish span")
	}
	statuses := map[int64]codes.Code{}
	for _, s := range runs() {
		if s.Parent().SpanID() != publish.SpanContext().SpanID() {
			t.Errorf("attempt span's parent %s, want the publish %s", s.Parent().SpanID(), publish.SpanContext().SpanID())
		}
		for _, a := range s.Attributes() {
			if a.Key == "kubefuncs.attempt" {
				statuses[a.Value.AsInt64()] = s.Status().Code
			}
		}
	}
	if statuses[1] != codes.Error || statuses[2] != codes.Unset || len(statuses) != 2 {
		t.Errorf("status by attempt %v, want 1: Error, 2: Unset", statuses)
	}
}

func TestWithoutTracingEventsCarryNoTraceContext(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr))
	seen := make(chan map[string]string, 1)
	sub, err := c.On("trace-off", "default", client.HandlerFunc(func(ev *client.Message) error {
		seen <- ev.Metadata()
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	tp := sdktrace.NewTracerProvider()
	ctx, root := tp.Tracer("test").Start(ctxTimeout(t, 10*time.Second), "test root")
	defer root.End()
	ev, err := client.NewEvent("trace-off", wrapperspb.String("x"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Emit(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if md := receive(t, seen, 10*time.Second, "the event"); len(md) != 0 {
		t.Errorf("metadata %v, want none", md)
	}
}

// Run refuses, as a bad setting, what the Go client cannot export with.
func TestRunRefusesATracesExporterOtherThanOtlp(t *testing.T) {
	t.Setenv("OTEL_TRACES_EXPORTER", "zipkin")
	err := client.RunContext(context.Background(), pong, client.WithTopic("t"), client.WithHealthzAddr("127.0.0.1:0"))
	var bad *client.ConfigError
	if !errors.As(err, &bad) || bad.Variable != "OTEL_TRACES_EXPORTER" {
		t.Fatalf("RunContext: %v, want a ConfigError naming OTEL_TRACES_EXPORTER", err)
	}
}

// childOf returns the one span named name, checked to be a child of parent.
func childOf(t *testing.T, all []sdktrace.ReadOnlySpan, name string, parent trace.SpanContext) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	var names []string
	for _, s := range all {
		names = append(names, s.Name())
		if s.Name() == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d spans named %s among %v", len(found), name, names)
	}
	if got := found[0].Parent().SpanID(); got != parent.SpanID() {
		t.Errorf("parent of %s is %s, want %s", name, got, parent.SpanID())
	}
	return found[0]
}

func wantAttr(t *testing.T, s sdktrace.ReadOnlySpan, key string, want attribute.Value) {
	t.Helper()
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			if a.Value != want {
				t.Errorf("%s of %s = %v, want %v", key, s.Name(), a.Value.Emit(), want.Emit())
			}
			return
		}
	}
	t.Errorf("%s has no %s", s.Name(), key)
}
