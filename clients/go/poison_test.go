package kubefuncs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	nsq "github.com/nsqio/go-nsq"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	client "github.com/kubefuncs/kubefuncs/clients/go"
	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

// The probes of the Java PoisonMessageTest: no message stalls a function, whatever its size or
// content. Each one that cannot be handled ends on the dead-letter topic within its attempt
// budget, as a letter nsqd accepts, while good events published between them are each handled
// within a second; then nothing is left in hand and a stop returns at once.

const (
	mib              = 1 << 20
	probeInFlight    = 4
	probeMaxAttempts = 3
)

func TestUndecodableBodiesOfEverySizeUpToTheMaximumAreDeadLetteredAtOnce(t *testing.T) {
	t.Parallel()
	var poisons [][]byte
	for _, size := range []int{1, 1000, 64 * 1024, 1_048_560, mib - 1} {
		poisons = append(poisons, undecodable(size))
	}
	// More at the maximum than the function has slots, so a stuck one would stop everything.
	for range probeInFlight + 2 {
		poisons = append(poisons, undecodable(mib))
	}
	p := newProbe(t, nsqtest.StartNsqd(t, nil), "poison-sizes")
	p.run(poisons)
	for _, l := range p.letters(poisons, mib) {
		if l.Attempts != 1 {
			t.Errorf("letter of %d bytes after %d attempts, want 1", l.BodyLength, l.Attempts)
		}
	}
}

func TestPayloadsOfTheWrongTypeAreRetriedThenDeadLettered(t *testing.T) {
	t.Parallel()
	var bodies [][]byte
	for _, payload := range []proto.Message{&client.HTTPRequest{Url: "/x"}, wrapperspb.Bytes(make([]byte, 100_000)), nil} {
		ev := &client.Event{Id: fmt.Sprint("wrong-", len(bodies)), Topic: "poison-types"}
		if payload != nil {
			ev.Payload, _ = anypb.New(payload)
		}
		b, _ := proto.Marshal(ev)
		bodies = append(bodies, b)
	}
	p := newProbe(t, nsqtest.StartNsqd(t, nil), "poison-types")
	p.run(bodies)
	for _, l := range p.letters(bodies, mib) {
		if l.Attempts != probeMaxAttempts || !strings.HasPrefix(l.Reason, "handler failed on attempt 3 of 3") {
			t.Errorf("letter after %d attempts: %q", l.Attempts, l.Reason)
		}
	}
}

func TestAnAnswerThatCannotBePublishedDeadLettersTheEventOnceWithoutRunningTheHandlerAgain(t *testing.T) {
	t.Parallel()
	answer := func(id, ret, value string) []byte {
		payload, _ := anypb.New(wrapperspb.String(value))
		b, _ := proto.Marshal(&client.Event{Id: id, Topic: "poison-answers", Return: ret, Payload: payload})
		return b
	}
	nsqd := nsqtest.StartNsqd(t, nil)
	answers := tail(t, nsqd, "answers")
	p := newProbe(t, nsqd, "poison-answers")
	// Not a topic name nsqd accepts; an answer larger than nsqd's max message size.
	bodies := [][]byte{answer("bad-return", "no such topic!", "answer me"), answer("huge-answer", "answers", "answer big")}
	p.run(bodies)
	for _, l := range p.letters(bodies, mib) {
		if l.Attempts != 1 || !strings.HasPrefix(l.Reason, "could not publish the answer to ") {
			t.Errorf("letter after %d attempts: %q", l.Attempts, l.Reason)
		}
	}
	// The caller whose answer was too large still hears why, at once.
	m := receive(t, answers, 5*time.Second, "the Error answer")
	ev, errText := &client.Event{}, &client.ErrorPayload{}
	if err := proto.Unmarshal(m.Body, ev); err != nil {
		t.Fatal(err)
	}
	if err := ev.GetPayload().UnmarshalTo(errText); err != nil || ev.GetId() != "huge-answer" ||
		!strings.HasPrefix(errText.GetError(), "could not publish the answer to answers: ") {
		t.Errorf("answer %v (%v), want an Error for huge-answer", ev, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.calls["bad-return"] != 1 || p.calls["huge-answer"] != 1 {
		t.Errorf("handler calls %v, want 1 for each unanswerable event", p.calls)
	}
}

func TestEventsLargerThanOneMibAreHandledOrDeadLetteredWhenNsqdAllowsThem(t *testing.T) {
	t.Parallel()
	p := newProbe(t, nsqtest.StartNsqd(t, nil, fmt.Sprint("--max-msg-size=", 3*mib)), "poison-big")
	payload, _ := anypb.New(wrapperspb.String("good-large-" + strings.Repeat("x", 2*mib)))
	large, _ := proto.Marshal(&client.Event{Id: "large", Topic: "poison-big", Payload: payload})
	// The client keeps its letters within nsqd's default 1 MiB: they are cut to that.
	poisons := [][]byte{undecodable(2 * mib), undecodable(3 * mib)}
	p.run(append([][]byte{large}, poisons...))
	p.letters(poisons, mib)
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.handled["large"]; !ok {
		t.Error("the 2 MiB event was not handled")
	}
}

func TestADeadLetterShrinksToTheSmallerLimitNsqdRefusesItWith(t *testing.T) {
	t.Parallel()
	p := newProbe(t, nsqtest.StartNsqd(t, nil, "--max-msg-size=4096"), "poison-small")
	poisons := [][]byte{undecodable(4096), undecodable(4000)}
	p.run(poisons)
	p.letters(poisons, 4096)
}

// undecodable is bytes that are not a protobuf message: 0xFF is a tag of wire type 7, which does
// not exist.
func undecodable(size int) []byte { return bytes.Repeat([]byte{0xFF}, size) }

// probe is a function whose handler takes StringValue payloads (it fails on any other) and
// answers "answer big" with 2 MiB.
type probe struct {
	t     *testing.T
	nsqd  *nsqtest.Process
	topic string
	c     *client.Client
	sub   *client.Subscription
	dead  <-chan *nsq.Message

	mu      sync.Mutex
	handled map[string]time.Time
	calls   map[string]int
}

func newProbe(t *testing.T, nsqd *nsqtest.Process, topic string) *probe {
	p := &probe{t: t, nsqd: nsqd, topic: topic, handled: map[string]time.Time{}, calls: map[string]int{}}
	p.c = newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithMaxInFlight(probeInFlight),
		client.WithMaxAttempts(probeMaxAttempts), client.WithRetryDelay(10*time.Millisecond))
	sub, err := p.c.On(topic, "default", client.HandlerFunc(func(ev *client.Message) error {
		p.mu.Lock()
		p.calls[ev.ID()]++
		p.mu.Unlock()
		v := &wrapperspb.StringValue{}
		if err := ev.Payload(v); err != nil {
			return err
		}
		p.mu.Lock()
		p.handled[ev.ID()] = time.Now()
		p.mu.Unlock()
		switch v.Value {
		case "answer big":
			return ev.Respond(wrapperspb.Bytes(make([]byte, 2*mib)))
		case "answer me":
			return ev.Respond(wrapperspb.String("answered"))
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	p.sub = sub
	p.dead = tail(t, nsqd, topic+".dead")
	return p
}

// run publishes each poison followed by good events, checks that each good one was handled
// within a second of its publish, waits until every message is done, and stops the subscription.
func (p *probe) run(poisons [][]byte) {
	t := p.t
	sent := map[string]time.Time{}
	for _, poison := range poisons {
		p.nsqd.Publish(t, p.topic, poison)
		for range 2 {
			ev, _ := client.NewEvent(p.topic, wrapperspb.String("good"))
			sent[ev.GetId()] = time.Now()
			if err := p.c.Emit(ctxTimeout(t, 5*time.Second), ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	nsqtest.Eventually(t, 20*time.Second, "the good events to be handled", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		for id := range sent {
			if _, ok := p.handled[id]; !ok {
				return false
			}
		}
		return true
	})
	p.mu.Lock()
	for id, at := range sent {
		if d := p.handled[id].Sub(at); d >= time.Second {
			t.Errorf("good event %s, published between poisons, waited %s", id, d)
		}
	}
	p.mu.Unlock()

	nsqtest.Eventually(t, 20*time.Second, "every message to be done", func() bool {
		ch := p.nsqd.Channel(t, p.topic, "default")
		return ch != nil && ch.Depth == 0 && ch.InFlightCount == 0 && ch.DeferredCount == 0 && p.sub.InFlight() == 0
	})
	if ch := p.nsqd.Channel(t, p.topic, "default"); ch.TimeoutCount != 0 {
		t.Errorf("%d messages waited out their msg_timeout", ch.TimeoutCount)
	}
	start := time.Now()
	if err := p.sub.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d >= time.Second {
		t.Errorf("stop with nothing in hand took %s", d)
	}
}

// letters checks that there is one dead letter per poison, within limit, with the poison's
// length, digest and a prefix of it, and returns them.
func (p *probe) letters(poisons [][]byte, limit int) []*client.DeadLetter {
	t := p.t
	key := func(length int64, sum []byte) string { return fmt.Sprintf("%d:%x", length, sum) }
	letters := map[string]*client.DeadLetter{}
	described := func() bool {
		for _, poison := range poisons {
			sum := sha256.Sum256(poison)
			if letters[key(int64(len(poison)), sum[:])] == nil {
				return false
			}
		}
		return true
	}
	// Until every poison has its letter: delivery is at least once, so a letter whose publish
	// was sent again after a lost connection may come twice.
	deadline := time.Now().Add(20 * time.Second)
	for !described() {
		m := receive(t, p.dead, time.Until(deadline), "a dead letter for every poison")
		if len(m.Body) > limit {
			t.Errorf("dead letter of %d bytes, more than %d", len(m.Body), limit)
		}
		l := &client.DeadLetter{}
		if err := proto.Unmarshal(m.Body, l); err != nil {
			t.Fatal(err)
		}
		letters[key(l.BodyLength, l.BodySha256)] = l
	}
	for _, poison := range poisons {
		sum := sha256.Sum256(poison)
		l := letters[key(int64(len(poison)), sum[:])]
		switch {
		case l == nil:
			t.Errorf("no dead letter describes the poison of %d bytes", len(poison))
		case l.Topic != p.topic || len(l.MessageId) != 16 || !bytes.HasPrefix(poison, l.Body):
			t.Errorf("dead letter of %d bytes: topic %q, id %q, body not a prefix", len(poison), l.Topic, l.MessageId)
		case len(poison) < limit/2 && len(l.Body) != len(poison):
			t.Errorf("the body of %d bytes was cut to %d", len(poison), len(l.Body))
		}
	}
	out := make([]*client.DeadLetter, 0, len(letters))
	for _, l := range letters {
		out = append(out, l)
	}
	return out
}
