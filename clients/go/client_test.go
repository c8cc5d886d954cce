package kubefuncs_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"

	client "github.com/kubefuncs/kubefuncs/clients/go"
	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

var pong = client.HandlerFunc(func(ev *client.Message) error {
	return ev.Respond(&client.HTTPResponse{Body: []byte("pong\n")})
})

func TestCallIsAnsweredByAFunction(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	reg := prometheus.NewRegistry()
	fn := newClient(t, reg, client.WithNsqdURL(nsqd.TCPAddr))
	var got atomic.Pointer[client.HTTPRequest]
	sub, err := fn.On("pong", "default", client.HandlerFunc(func(ev *client.Message) error {
		req := &client.HTTPRequest{}
		if err := ev.Payload(req); err != nil {
			return err
		}
		got.Store(req)
		return ev.Respond(&client.HTTPResponse{Status: 201, Headers: map[string]string{"X-Kind": "pong"}, Body: []byte("pong\n")})
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)

	caller := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithClientID("test caller!"))
	ev, err := client.NewEvent("pong", &client.HTTPRequest{Url: "/test/hello", Method: "POST", Body: []byte{0, 0xff}})
	if err != nil {
		t.Fatal(err)
	}
	answer, err := caller.Call(ctxTimeout(t, 10*time.Second), ev)
	if err != nil {
		t.Fatal(err)
	}
	if answer.ID() != ev.Id {
		t.Errorf("answer id %q, want the request's %q", answer.ID(), ev.Id)
	}
	if answer.Topic() != caller.ReturnTopic() || !strings.HasPrefix(answer.Topic(), "rpc-test-caller--") {
		t.Errorf("answer topic %q, want the return topic %q (rpc-<sanitized client id>-...)", answer.Topic(), caller.ReturnTopic())
	}
	resp := &client.HTTPResponse{}
	if err := answer.Payload(resp); err != nil {
		t.Fatal(err)
	}
	if resp.Status != 201 || string(resp.Body) != "pong\n" || resp.Headers["X-Kind"] != "pong" {
		t.Errorf("answer %v", resp)
	}
	if req := got.Load(); req.GetUrl() != "/test/hello" || req.GetMethod() != "POST" || string(req.GetBody()) != "\x00\xff" {
		t.Errorf("the function got %v", req)
	}
	if ev.Return != "" {
		t.Errorf("Call changed the caller's event: return %q", ev.Return)
	}
	// Finished only after the answer was published: nothing left in flight or queued on nsqd.
	nsqtest.Eventually(t, 5*time.Second, "the request to be finished on nsqd", func() bool {
		ch := nsqd.Channel(t, "pong", "default")
		return ch != nil && ch.InFlightCount == 0 && ch.Depth == 0 && ch.MessageCount == 1 && ch.RequeueCount == 0
	})
	labels := map[string]string{"topic": "pong", "channel": "default"}
	if n := counter(t, reg, "kubefuncs_messages_received_total", labels); n != 1 {
		t.Errorf("received %v, want 1", n)
	}
	if n := counter(t, reg, "kubefuncs_messages_handled_total", map[string]string{"topic": "pong", "outcome": "ok"}); n != 1 {
		t.Errorf("handled ok %v, want 1", n)
	}
}

func TestFailedHandlerAnswersWithErrorAndSilentOneWithEmpty(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	reg := prometheus.NewRegistry()
	fn := newClient(t, reg, client.WithNsqdURL(nsqd.TCPAddr))
	sub, err := fn.On("moody", "default", client.HandlerFunc(func(ev *client.Message) error {
		req := &client.HTTPRequest{}
		_ = ev.Payload(req)
		switch req.GetUrl() {
		case "/fail":
			return errors.New("division by zero")
		case "/panic":
			panic("boom")
		}
		return nil // no Respond: the caller gets Empty
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	caller := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithCallEnabled())

	call := func(url string) (*client.Message, error) {
		ev, err := client.NewEvent("moody", &client.HTTPRequest{Url: url})
		if err != nil {
			t.Fatal(err)
		}
		return caller.Call(ctxTimeout(t, 10*time.Second), ev)
	}
	_, err = call("/fail")
	var fe *client.FunctionError
	if !errors.As(err, &fe) || fe.Message != "division by zero" || fe.Topic != "moody" {
		t.Errorf("call of a failing handler: %v, want a FunctionError with the handler's text", err)
	}
	_, err = call("/panic")
	if !errors.As(err, &fe) || fe.Message != "panic: boom" {
		t.Errorf("call of a panicking handler: %v, want FunctionError 'panic: boom'", err)
	}
	answer, err := call("/quiet")
	if err != nil {
		t.Fatal(err)
	}
	if !answer.Event().GetPayload().MessageIs(&client.Empty{}) {
		t.Errorf("a handler that did not respond answered %s, want kubefuncs.Empty", answer.Event().GetPayload().GetTypeUrl())
	}
	// Events with a return topic are answered, never retried.
	if n := counter(t, reg, "kubefuncs_messages_handled_total", map[string]string{"topic": "moody", "outcome": "error"}); n != 2 {
		t.Errorf("handled error %v, want 2", n)
	}
	if n := counter(t, reg, "kubefuncs_messages_handled_total", map[string]string{"topic": "moody", "outcome": "requeued"}); n != 0 {
		t.Errorf("requeued %v, want 0", n)
	}
}

func TestEmitDeliversTheEventAsIs(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr))
	got := make(chan *client.Event, 1)
	sub, err := c.On("audit", "archive", client.HandlerFunc(func(ev *client.Message) error {
		err := ev.Respond(&client.Empty{}) // no return topic: does nothing
		got <- ev.Event()
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	ev, err := client.NewEvent("audit", &client.HTTPRequest{Url: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	ev.Metadata = map[string]string{"traceparent": "00-abc-01"}
	if err := c.Emit(ctxTimeout(t, 5*time.Second), ev); err != nil {
		t.Fatal(err)
	}
	delivered := receive(t, got, 5*time.Second, "the emitted event")
	if !proto.Equal(delivered, ev) {
		t.Errorf("delivered %v, want %v", delivered, ev)
	}
	if err := c.Emit(ctxTimeout(t, time.Second), &client.Event{Topic: "bad topic"}); err == nil {
		t.Error("Emit to an invalid topic name succeeded")
	}
}

func TestFailingEventIsRetriedWithGrowingDelaysThenDeadLettered(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	reg := prometheus.NewRegistry()
	warmUp(t, nsqd, "jobs", "default")
	c := newClient(t, reg, client.WithNsqdURL(nsqd.TCPAddr), client.WithMaxAttempts(3))
	var mu sync.Mutex
	var times []time.Time
	var attempts []int
	sub, err := c.On("jobs", "default", client.HandlerFunc(func(ev *client.Message) error {
		mu.Lock()
		times = append(times, time.Now())
		attempts = append(attempts, ev.Attempts())
		mu.Unlock()
		return errors.New("boom")
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	dead := tail(t, nsqd, "jobs.dead")
	ev, _ := client.NewEvent("jobs", &client.Empty{})
	body, _ := proto.MarshalOptions{Deterministic: true}.Marshal(ev)
	nsqd.Publish(t, "jobs", body)

	m := receive(t, dead, 10*time.Second, "the dead letter")
	letter := &client.DeadLetter{}
	if err := proto.Unmarshal(m.Body, letter); err != nil {
		t.Fatal(err)
	}
	if string(letter.Body) != string(body) || letter.Topic != "jobs" || letter.Channel != "default" || letter.Attempts != 3 ||
		letter.Reason != "handler failed on attempt 3 of 3: boom" || len(letter.MessageId) != 16 {
		t.Errorf("dead letter %v", letter)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(attempts) != 3 || attempts[0] != 1 || attempts[1] != 2 || attempts[2] != 3 {
		t.Fatalf("handler saw attempts %v, want [1 2 3]", attempts)
	}
	// 1 s, then 2 s (nsqd releases deferred messages within its 100 ms scan).
	if d := times[1].Sub(times[0]); d < 900*time.Millisecond || d > 1900*time.Millisecond {
		t.Errorf("first retry after %s, want about 1 s", d)
	}
	if d := times[2].Sub(times[1]); d < 1900*time.Millisecond || d > 2900*time.Millisecond {
		t.Errorf("second retry after %s, want about 2 s", d)
	}
	nsqtest.Eventually(t, 5*time.Second, "the dead-lettered event to be finished", func() bool {
		ch := nsqd.Channel(t, "jobs", "default")
		return ch != nil && ch.InFlightCount == 0 && ch.DeferredCount == 0 && ch.Depth == 0
	})
	if n := counter(t, reg, "kubefuncs_messages_handled_total", map[string]string{"topic": "jobs", "outcome": "requeued"}); n != 2 {
		t.Errorf("requeued %v, want 2", n)
	}
	if n := counter(t, reg, "kubefuncs_messages_handled_total", map[string]string{"topic": "jobs", "outcome": "dead_lettered"}); n != 1 {
		t.Errorf("dead_lettered %v, want 1", n)
	}
}

func TestUndecodableBodyIsDeadLetteredAtOnce(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithDeadLetterTopic("graveyard"))
	var calls atomic.Int32
	sub, err := c.On("orders", "default", client.HandlerFunc(func(ev *client.Message) error {
		calls.Add(1)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	dead := tail(t, nsqd, "graveyard")
	garbage := []byte("\xff\xff not protobuf")
	nsqd.Publish(t, "orders", garbage)
	m := receive(t, dead, 5*time.Second, "the dead letter")
	letter := &client.DeadLetter{}
	if err := proto.Unmarshal(m.Body, letter); err != nil {
		t.Fatal(err)
	}
	if string(letter.Body) != string(garbage) || letter.Attempts != 1 || !strings.HasPrefix(letter.Reason, "body is not a kubefuncs Event: ") {
		t.Errorf("dead letter %v", letter)
	}
	if calls.Load() != 0 {
		t.Error("the handler was called with an undecodable body")
	}
}

func TestLongHandlerIsTouchedUpToTheHandlerTimeout(t *testing.T) {
	t.Parallel()
	// nsqd redelivers after 1 s without FIN or TOUCH.
	nsqd := nsqtest.StartNsqd(t, nil, "--msg-timeout=1s")
	warmUp(t, nsqd, "slow", "default")
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithHandlerTimeout(3*time.Second))
	deliveries := make(chan *client.Message, 10)
	release := make(chan struct{})
	sub, err := c.On("slow", "default", client.HandlerFunc(func(ev *client.Message) error {
		deliveries <- ev
		if ev.Attempts() == 1 {
			<-release
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	ev, _ := client.NewEvent("slow", &client.Empty{})
	body, _ := proto.Marshal(ev)
	nsqd.Publish(t, "slow", body)
	first := receive(t, deliveries, 5*time.Second, "the first delivery")
	start := time.Now()

	// Within the handler timeout: TOUCHed every 500 ms, so not redelivered after 1 s; the last
	// TOUCH is at 2.5 s, so nsqd redelivers at about 3.5 s.
	second := receive(t, deliveries, 6*time.Second, "the redelivery after the handler timeout")
	waited := time.Since(start)
	if waited < 2500*time.Millisecond || waited > 4500*time.Millisecond {
		t.Errorf("redelivered %s after the first delivery, want about 3.5 s (TOUCHed up to the 3 s handler timeout)", waited)
	}
	if second.Attempts() != 2 || second.ID() != first.ID() {
		t.Errorf("redelivery: attempts %d, id %s", second.Attempts(), second.ID())
	}
	select {
	case <-first.Context().Done():
	default:
		t.Error("the first handler's context is not done after the handler timeout")
	}
	close(release)
	// The warm-up probe was requeued, not timed out: the one timeout is after the handler timeout.
	if ch := nsqd.Channel(t, "slow", "default"); ch.TimeoutCount != 1 {
		t.Errorf("nsqd timed the message out %d times, want 1 (after the handler timeout only)", ch.TimeoutCount)
	}
}

func TestStopDrainsTheEventsInHand(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr))
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	var handled atomic.Int32
	sub, err := c.On("drain", "default", client.HandlerFunc(func(ev *client.Message) error {
		started <- struct{}{}
		<-release
		handled.Add(1)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	ev, _ := client.NewEvent("drain", &client.Empty{})
	body, _ := proto.Marshal(ev)
	nsqd.Publish(t, "drain", body)
	receive(t, started, 5*time.Second, "the handler to start")

	stopped := make(chan error, 1)
	go func() { stopped <- sub.Stop(ctxTimeout(t, 10*time.Second)) }()
	// After CLS nothing new is delivered, while the event in hand is still being handled.
	nsqtest.Eventually(t, 5*time.Second, "CLS to take effect", func() bool {
		ch := nsqd.Channel(t, "drain", "default")
		return ch != nil && len(ch.Clients) == 1 && ch.InFlightCount == 1
	})
	nsqd.Publish(t, "drain", body)
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while an event was in hand", err)
	default:
	}
	close(release)
	if err := receive(t, stopped, 5*time.Second, "Stop to return"); err != nil {
		t.Fatal(err)
	}
	if handled.Load() != 1 {
		t.Errorf("handled %d events, want the 1 in hand (none after Stop)", handled.Load())
	}
	ch := nsqd.Channel(t, "drain", "default")
	if ch.Depth != 1 || ch.InFlightCount != 0 || ch.RequeueCount != 0 {
		t.Errorf("after the drain: depth %d, in flight %d, requeued %d; want the finished event gone and the new one queued", ch.Depth, ch.InFlightCount, ch.RequeueCount)
	}
}

func TestCallerIsSubscribedOnEveryNsqdBeforeItCalls(t *testing.T) {
	t.Parallel()
	lookupd := nsqtest.StartLookupd(t)
	a := nsqtest.StartNsqd(t, []*nsqtest.Process{lookupd})
	b := nsqtest.StartNsqd(t, []*nsqtest.Process{lookupd})
	nsqtest.Eventually(t, 10*time.Second, "both nsqds registered", func() bool { return lookupd.Nodes(t) == 2 })
	a.CreateTopic(t, "echo")
	nsqtest.Eventually(t, 10*time.Second, "topic echo registered", func() bool { return lookupd.LookupProducers(t, "echo") == 1 })

	// The function consumes through nsqlookupd (finding echo on a) and publishes to b, its own nsqd.
	fn := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(b.TCPAddr), client.WithLookupdURL("http://"+lookupd.HTTPAddr))
	sub, err := fn.On("echo", "default", pong)
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)

	// The caller publishes to a; its answer comes through b.
	caller := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(a.TCPAddr), client.WithLookupdURL(lookupd.HTTPAddr))
	ev, _ := client.NewEvent("echo", &client.HTTPRequest{Url: "/"})
	start := time.Now()
	answer, err := caller.Call(ctxTimeout(t, 10*time.Second), ev)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the answer took %s: it waited for a poll of nsqlookupd", d)
	}
	resp := &client.HTTPResponse{}
	if err := answer.Payload(resp); err != nil || string(resp.Body) != "pong\n" {
		t.Errorf("answer %v, %v", resp, err)
	}
	for _, nsqd := range []*nsqtest.Process{a, b} {
		if ch := nsqd.Channel(t, caller.ReturnTopic(), "default#ephemeral"); ch == nil || len(ch.Clients) != 1 {
			t.Errorf("the caller is not subscribed to its return topic on %s", nsqd)
		}
	}
	if ch := b.Channel(t, caller.ReturnTopic(), "default#ephemeral"); ch.MessageCount != 1 {
		t.Errorf("the answer did not come through %s", b)
	}
}

func TestCallTimesOutWithTheContext(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	reg := prometheus.NewRegistry()
	caller := newClient(t, reg, client.WithNsqdURL(nsqd.TCPAddr))
	ev, _ := client.NewEvent("nobody-listens", &client.Empty{})
	_, err := caller.Call(ctxTimeout(t, 300*time.Millisecond), ev)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Call without a function: %v, want context.DeadlineExceeded", err)
	}
	if n := counter(t, reg, "kubefuncs_call_duration_seconds", map[string]string{"topic": "nobody-listens", "outcome": "timeout"}); n != 1 {
		t.Errorf("call_duration timeout count %v, want 1", n)
	}
}

func TestAnswerThatCannotBePublishedBringsTheEventBack(t *testing.T) {
	t.Parallel()
	lookupd := nsqtest.StartLookupd(t)
	a := nsqtest.StartNsqd(t, []*nsqtest.Process{lookupd})
	b := nsqtest.StartNsqd(t, []*nsqtest.Process{lookupd})
	a.CreateTopic(t, "flaky")
	nsqtest.Eventually(t, 10*time.Second, "topic flaky registered", func() bool { return lookupd.LookupProducers(t, "flaky") == 1 })
	b.Stop(t) // the function's own nsqd, where its answers go, is down

	reg := prometheus.NewRegistry()
	fn := newClient(t, reg, client.WithNsqdURL(b.TCPAddr), client.WithLookupdURL(lookupd.HTTPAddr), client.WithRetryDelay(50*time.Millisecond))
	if _, err := fn.On("flaky", "default", pong); err != nil {
		t.Fatal(err)
	}
	// Not ready, with its own nsqd down, but consuming from a, which nsqlookupd lists.
	nsqtest.Eventually(t, 10*time.Second, "the function subscribed on "+a.String(), func() bool {
		ch := a.Channel(t, "flaky", "default")
		return ch != nil && len(ch.Clients) == 1
	})
	ev, _ := client.NewEvent("flaky", &client.HTTPRequest{Url: "/"})
	ev.Return = "rpc-somebody#ephemeral"
	body, _ := proto.Marshal(ev)
	a.Publish(t, "flaky", body)

	nsqtest.Eventually(t, 10*time.Second, "the unanswered event to be requeued", func() bool {
		ch := a.Channel(t, "flaky", "default")
		return ch != nil && ch.RequeueCount >= 1 &&
			counter(t, reg, "kubefuncs_messages_handled_total", map[string]string{"topic": "flaky", "outcome": "requeued"}) >= 1
	})
	if n := counter(t, reg, "kubefuncs_publish_failures_total", nil); n < 1 {
		t.Errorf("publish failures %v, want at least 1", n)
	}
	if n := counter(t, reg, "kubefuncs_messages_handled_total", map[string]string{"topic": "flaky", "outcome": "ok"}); n != 0 {
		t.Errorf("handled ok %v: an event was finished without its answer", n)
	}
}

// Close fails a call waiting for its answer with ErrClosed, promptly, and every call, emit and
// subscription after it the same way.
func TestCloseFailsWaitingCallsAndLaterOnesWithErrClosed(t *testing.T) {
	nsqd := nsqtest.StartNsqd(t, nil)
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr))
	ev, err := client.NewEvent("nobody-home", &client.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan error, 1)
	go func() {
		_, err := c.Call(ctxTimeout(t, time.Minute), ev) // nobody answers: it would wait its minute
		waiting <- err
	}()
	nsqtest.Eventually(t, 10*time.Second, "the call published", func() bool {
		topic := nsqd.Topic(t, "nobody-home")
		return topic != nil && topic.MessageCount == 1
	})

	closed := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := receive(t, waiting, time.Second, "the waiting call's end"); !errors.Is(err, client.ErrClosed) {
		t.Errorf("the waiting call: %v, want ErrClosed", err)
	}
	t.Logf("the waiting call failed %v after Close started", time.Since(closed))

	if _, err := c.Call(ctxTimeout(t, time.Minute), ev); !errors.Is(err, client.ErrClosed) {
		t.Errorf("Call after Close: %v, want ErrClosed", err)
	}
	if err := c.Emit(ctxTimeout(t, time.Minute), ev); !errors.Is(err, client.ErrClosed) {
		t.Errorf("Emit after Close: %v, want ErrClosed", err)
	}
	if _, err := c.On("nobody-home", "default", client.HandlerFunc(func(*client.Message) error { return nil })); !errors.Is(err, client.ErrClosed) {
		t.Errorf("On after Close: %v, want ErrClosed", err)
	}
}
