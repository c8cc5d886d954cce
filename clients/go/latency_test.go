package kubefuncs_test

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	client "github.com/kubefuncs/kubefuncs/clients/go"
	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

// nsqd holds what it sends a buffered consumer that has fewer messages in flight than its RDY
// until its output-buffer timer fires (--output-buffer-timeout, 250 ms by default). A call at
// low rates crosses two consumers (the function's, then the caller's return topic), so with
// buffering its round trip is 0 to 500 ms; unbuffered, a few milliseconds. The bound leaves a
// busy machine plenty of margin and is still far below one timer period.
const quickCall = 100 * time.Millisecond

// sequentialCalls is how many one-at-a-time calls a latency assertion takes the median of.
const sequentialCalls = 20

// A function answering one call at a time, on nsqd's default settings and the client's default
// max in flight (RDY above 1): each answer comes back in milliseconds, not at nsqd's flush timer.
func TestSequentialCallsAreNotHeldByNsqdOutputBuffer(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	startPong(t, nsqd, "pong")
	caller := newCaller(t, nsqd)
	assertQuick(t, "a Go call to a Go function", func() { call(t, caller, "pong") })
}

// WithOutputBuffer reaches nsqd: a buffered function's events wait for its timer, which is what
// the default spares them (and what assertQuick catches). A buffered caller's return topic is not.
func TestOutputBufferHoldsEventsForTheTimerButNeverAnswers(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	timer := 200 * time.Millisecond
	buffered := client.WithOutputBuffer(16<<10, timer)
	startPong(t, nsqd, "pong-buffered", buffered)
	startPong(t, nsqd, "pong")
	caller := newCaller(t, nsqd, buffered)

	if median, took := medianRoundTrip(func() { call(t, caller, "pong-buffered") }); median < timer/2 {
		t.Errorf("median round trip %s to a function with a %s output buffer timer, want it held by the timer; sorted: %v", median, timer, took)
	}
	assertQuick(t, "a call from a client WithOutputBuffer", func() { call(t, caller, "pong") })
}

// startPong subscribes pong to topic on nsqd, with opts.
func startPong(t *testing.T, nsqd *nsqtest.Process, topic string, opts ...client.Option) {
	t.Helper()
	fn := newClient(t, prometheus.NewRegistry(), append(opts, client.WithNsqdURL(nsqd.TCPAddr))...)
	sub, err := fn.On(topic, "default", pong)
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
}

// newCaller returns a client on nsqd, with opts, whose return topic is subscribed.
func newCaller(t *testing.T, nsqd *nsqtest.Process, opts ...client.Option) *client.Client {
	t.Helper()
	return newClient(t, prometheus.NewRegistry(), append(opts, client.WithNsqdURL(nsqd.TCPAddr), client.WithCallEnabled())...)
}

// call calls the function on topic with an HTTP request and fails the test unless it answers.
func call(t testing.TB, caller *client.Client, topic string) {
	t.Helper()
	ev, err := client.NewEvent(topic, &client.HTTPRequest{Url: "/test/hello", Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := caller.Call(ctxTimeout(t, 10*time.Second), ev); err != nil {
		t.Fatal(err)
	}
}

// assertQuick fails the test unless the median of sequential round trips is quickCall or less.
func assertQuick(t testing.TB, what string, roundTrip func()) {
	t.Helper()
	if median, took := medianRoundTrip(roundTrip); median > quickCall {
		t.Errorf("%s: median round trip %s over %d sequential calls, want at most %s (nsqd's output buffer timer is 250 ms); sorted: %v",
			what, median, len(took), quickCall, took)
	}
}

// medianRoundTrip runs roundTrip sequentialCalls times, one after the other, after one untimed
// run (connections and channels are made on first use), and returns the median and every time,
// sorted.
func medianRoundTrip(roundTrip func()) (time.Duration, []time.Duration) {
	roundTrip()
	took := make([]time.Duration, sequentialCalls)
	for i := range took {
		start := time.Now()
		roundTrip()
		took[i] = time.Since(start)
	}
	slices.Sort(took)
	return took[len(took)/2], took
}
