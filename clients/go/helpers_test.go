package kubefuncs_test

import (
	"context"
	"log"
	"strings"
	"sync"
	"testing"
	"time"

	nsq "github.com/nsqio/go-nsq"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	client "github.com/kubefuncs/kubefuncs/clients/go"
	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

// testLogger sends log lines to the test's log while the test runs, and drops those that come
// later (go-nsq goroutines may still log while they wind down).
func testLogger(t testing.TB) *log.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return log.New(w, "", log.Lmicroseconds)
}

type testWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// newClient returns a client on nsqd with its own metrics registry, closed by the test.
func newClient(t testing.TB, reg *prometheus.Registry, opts ...client.Option) *client.Client {
	t.Helper()
	all := append([]client.Option{client.WithLogger(testLogger(t)), client.WithRegistry(reg)}, opts...)
	c, err := client.NewClient(all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// ready waits for a subscription to be subscribed.
func ready(t testing.TB, sub *client.Subscription) {
	t.Helper()
	select {
	case <-sub.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("subscription to %s not ready after 10 s", sub.Topic())
	}
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// tail collects the messages of topic on nsqd, as a plain go-nsq consumer sees them.
func tail(t testing.TB, nsqd *nsqtest.Process, topic string) <-chan *nsq.Message {
	t.Helper()
	out := make(chan *nsq.Message, 100)
	cfg := nsq.NewConfig()
	c, err := nsq.NewConsumer(topic, "tail#ephemeral", cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetLogger(testLogger(t), nsq.LogLevelError)
	c.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		out <- m
		return nil
	}))
	if err := c.ConnectToNSQD(nsqd.TCPAddr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return out
}

func receive[T any](t testing.TB, ch <-chan T, timeout time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(timeout):
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
		panic("unreachable")
	}
}

// counter reads a counter or gauge of reg with the given labels (0 when absent).
func counter(t testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) {
				switch {
				case m.Counter != nil:
					return m.GetCounter().GetValue()
				case m.Gauge != nil:
					return m.GetGauge().GetValue()
				case m.Histogram != nil:
					return float64(m.GetHistogram().GetSampleCount())
				}
			}
		}
	}
	return 0
}

func matches(m *dto.Metric, labels map[string]string) bool {
	found := 0
	for _, l := range m.GetLabel() {
		if v, ok := labels[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			found++
		}
	}
	return found == len(labels)
}

// warmUp makes sure nsqd watches topic/channel for timeouts and deferred messages. nsqd checks
// them every 100 ms, but only in the channels it knew at its last refresh (every 5 s), so timing
// assertions on a new channel would otherwise be off by up to 5 s. It requeues a probe with a
// delay and waits for it to come back, which happens only once the channel is watched.
func warmUp(t testing.TB, nsqd *nsqtest.Process, topic, channel string) {
	t.Helper()
	back := make(chan struct{})
	cfg := nsq.NewConfig()
	c, err := nsq.NewConsumer(topic, channel, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetLogger(testLogger(t), nsq.LogLevelError)
	c.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		m.DisableAutoResponse()
		if m.Attempts == 1 {
			m.RequeueWithoutBackoff(10 * time.Millisecond)
			return nil
		}
		m.Finish()
		close(back)
		return nil
	}))
	if err := c.ConnectToNSQD(nsqd.TCPAddr); err != nil {
		t.Fatal(err)
	}
	nsqd.Publish(t, topic, []byte("warm-up probe"))
	receive(t, back, 10*time.Second, "nsqd to watch "+topic+"/"+channel)
	c.Stop()
	receive(t, c.StopChan, 5*time.Second, "the warm-up consumer to stop")
}
