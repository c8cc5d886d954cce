package kubefuncs

import (
	"context"
	"io"
	"log"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

// A handler still running when Close starts may call another function and get its answer: Close
// drains the subscriptions before it fails calls with ErrClosed, as the Java client does. Inside
// the package, to see Close under way (c.closed) before the handler calls.
func TestAHandlersCallDuringTheDrainIsAnswered(t *testing.T) {
	nsqd := nsqtest.StartNsqd(t, nil)
	client := func() *Client {
		c, err := NewClient(WithNsqdURL(nsqd.TCPAddr), WithRegistry(prometheus.NewRegistry()), WithLogger(log.New(io.Discard, "", 0)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	subscribed := func(sub *Subscription, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-sub.Ready():
		case <-time.After(10 * time.Second):
			t.Fatalf("%s not subscribed after 10 s", sub.Topic())
		}
	}
	pong := client()
	subscribed(pong.On("drain-pong", "default", HandlerFunc(func(m *Message) error { return m.Respond(&Empty{}) })))

	relay := client()
	inHand, proceed, called := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	subscribed(relay.On("drain-relay", "default", HandlerFunc(func(m *Message) error {
		close(inHand)
		<-proceed
		ev, err := NewEvent("drain-pong", &Empty{})
		if err == nil {
			_, err = relay.Call(m.Context(), ev)
		}
		called <- err
		return nil
	})))
	ev, err := NewEvent("drain-relay", &Empty{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := relay.Emit(ctx, ev); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inHand:
	case <-time.After(10 * time.Second):
		t.Fatal("the relay's handler never ran")
	}

	closed := make(chan error, 1)
	go func() { closed <- relay.Close() }()
	nsqtest.Eventually(t, 5*time.Second, "Close under way", func() bool {
		relay.mu.Lock()
		defer relay.mu.Unlock()
		return relay.closed
	})
	close(proceed)

	select {
	case err := <-called:
		if err != nil {
			t.Errorf("the handler's call during the drain: %v, want the answer", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler's call did not return")
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
}
