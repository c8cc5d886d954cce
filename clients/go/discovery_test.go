package kubefuncs_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	client "github.com/kubefuncs/kubefuncs/clients/go"
	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

// firstEventDeadline: the first request after an install is answered within seconds, although
// nsqlookupd is polled every 5 s (15 s for return topics).
const firstEventDeadline = 5 * time.Second

// A function deployed before its first request, with nsqlookupd: its topic exists nowhere yet.
// Ready, it has made its topic and channel exist on its own nsqd, so the first event published
// there is consumed at once, not after a poll of nsqlookupd.
func TestSubscriptionStartedBeforeItsTopicExistsGetsTheFirstEventWithinSeconds(t *testing.T) {
	t.Parallel()
	lookupd := nsqtest.StartLookupd(t)
	nsqd := nsqtest.StartNsqd(t, []*nsqtest.Process{lookupd})
	fn := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithLookupdURL(lookupd.HTTPAddr))
	got := make(chan string, 1)
	sub, err := fn.On("late", "default", client.HandlerFunc(func(m *client.Message) error {
		got <- m.ID()
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	if ch := nsqd.Channel(t, "late", "default"); ch == nil {
		t.Fatal("late/default does not exist on the function's own nsqd once ready")
	}

	publisher := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr))
	ev, _ := client.NewEvent("late", &client.Empty{})
	if err := publisher.Emit(ctxTimeout(t, 5*time.Second), ev); err != nil {
		t.Fatal(err)
	}
	if id := receive(t, got, firstEventDeadline, "the first event of a topic created after the subscription"); id != ev.GetId() {
		t.Errorf("got event %s, want %s", id, ev.GetId())
	}
}

// A caller (the gateway) whose first /nodes answer came before any nsqd had registered with
// nsqlookupd, as on a fresh install: the answer to its first call, on the nsqd that registers
// next, must not wait for the next 15 s poll of /nodes.
func TestCallerStartedBeforeAnyNsqdRegisteredGetsItsFirstAnswerWithinSeconds(t *testing.T) {
	t.Parallel()
	lookupd := nsqtest.StartLookupd(t)
	nsqd := nsqtest.StartNsqd(t, nil) // registers with lookupd only when told to, below
	requested := make(chan struct{}, 1)
	fn := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr))
	sub, err := fn.On("first", "default", client.HandlerFunc(func(m *client.Message) error {
		requested <- struct{}{}
		return m.Respond(&client.HTTPResponse{Body: []byte("pong\n")})
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)

	caller := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithLookupdURL(lookupd.HTTPAddr))
	ev, _ := client.NewEvent("first", &client.HTTPRequest{Url: "/"})
	answered := make(chan error, 1)
	go func() {
		_, err := caller.Call(ctxTimeout(t, 30*time.Second), ev)
		answered <- err
	}()
	// A call is published only once the first /nodes was answered: it listed no nsqd.
	receive(t, requested, 10*time.Second, "the request at the function")

	registerWithLookupd(t, nsqd, lookupd)
	if err := receive(t, answered, firstEventDeadline, "the answer after nsqd registered with nsqlookupd"); err != nil {
		t.Fatal(err)
	}
}

// registerWithLookupd makes a running nsqd register with nsqlookupd, at once.
func registerWithLookupd(t *testing.T, nsqd, lookupd *nsqtest.Process) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, "http://"+nsqd.HTTPAddr+"/config/nsqlookupd_tcp_addresses",
		bytes.NewReader([]byte(`["`+lookupd.TCPAddr+`"]`)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("PUT /config/nsqlookupd_tcp_addresses: HTTP %d: %s", resp.StatusCode, body)
	}
}
