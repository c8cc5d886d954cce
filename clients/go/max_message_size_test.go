package kubefuncs_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	client "github.com/kubefuncs/kubefuncs/clients/go"
	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

// KUBEFUNCS_MAX_MESSAGE_SIZE (WithMaxMessageSize) is the size a function's answers and dead
// letters must fit, as in the Java SDK's MaxMessageSizeTest: raised to match nsqd's
// --max-msg-size, a 2 MB event is handled and answered; at its default (nsqd's default, 1 MiB),
// the same answer is dead-lettered once, saying why, and the caller hears why at once.
func TestMaxMessageSize(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil, fmt.Sprint("--max-msg-size=", 3*mib))
	event := make([]byte, 2_000_000)
	for i := range event {
		event[i] = byte(i)
	}
	call := func(t *testing.T, topic string) (*client.Message, error) {
		caller := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithMaxMessageSize(3*mib))
		ev, err := client.NewEvent(topic, wrapperspb.Bytes(event))
		if err != nil {
			t.Fatal(err)
		}
		return caller.Call(ctxTimeout(t, 20*time.Second), ev)
	}
	var calls atomic.Int32
	echo := client.HandlerFunc(func(m *client.Message) error {
		calls.Add(1)
		in := &wrapperspb.BytesValue{}
		if err := m.Payload(in); err != nil {
			return err
		}
		return m.Respond(in)
	})

	t.Run("raised to match nsqd, a 2 MB event is handled and answered", func(t *testing.T) {
		fn := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithMaxMessageSize(3*mib))
		sub, err := fn.On("echo-big", "default", echo)
		if err != nil {
			t.Fatal(err)
		}
		ready(t, sub)
		answer, err := call(t, "echo-big")
		if err != nil {
			t.Fatal(err)
		}
		out := &wrapperspb.BytesValue{}
		if err := answer.Payload(out); err != nil || !bytes.Equal(out.GetValue(), event) {
			t.Errorf("answer of %d bytes (%v), want the event's %d bytes back", len(out.GetValue()), err, len(event))
		}
	})

	t.Run("at its default, a too-large answer is dead-lettered once with its reason", func(t *testing.T) {
		dead := tail(t, nsqd, "echo-default.dead")
		fn := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr))
		calls.Store(0)
		sub, err := fn.On("echo-default", "default", echo)
		if err != nil {
			t.Fatal(err)
		}
		ready(t, sub)
		_, err = call(t, "echo-default")
		var failed *client.FunctionError
		if !errors.As(err, &failed) || !strings.HasPrefix(failed.Message, "could not publish the answer to ") ||
			!strings.Contains(failed.Message, "over the limit of 1048576") {
			t.Fatalf("call error %v, want a FunctionError saying the answer is over 1048576 bytes", err)
		}
		m := receive(t, dead, 10*time.Second, "the dead letter")
		letter := &client.DeadLetter{}
		if err := proto.Unmarshal(m.Body, letter); err != nil {
			t.Fatal(err)
		}
		if letter.Attempts != 1 || !strings.HasPrefix(letter.Reason, "could not publish the answer to ") ||
			!strings.Contains(letter.Reason, "over the limit of 1048576") || len(m.Body) > mib {
			t.Errorf("letter of %d bytes after %d attempts: %q", len(m.Body), letter.Attempts, letter.Reason)
		}
		// Once: the event was finished with its letter, not redelivered to run and fail again.
		if err := sub.Stop(ctxTimeout(t, 10*time.Second)); err != nil {
			t.Fatal(err)
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("handler ran %d times, want 1", n)
		}
		select {
		case m := <-dead:
			t.Errorf("a second dead letter: %q", m.Body)
		default:
		}
	})
}
