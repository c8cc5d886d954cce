package kubefuncs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	nsq "github.com/nsqio/go-nsq"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
)

const maxRetryDelay = time.Minute

// Subscription is a Handler consuming one topic/channel with the delivery rules of the Java
// SDK: events with a return topic are always answered (with Empty or Error if the handler did
// not answer), failed fire-and-forget events are retried with growing delays and dead-lettered
// after the last attempt, and long-running handlers are TOUCHed.
type Subscription struct {
	client   *Client
	topic    string
	channel  string
	handler  Handler
	consumer *nsq.Consumer
	conn     *connector

	maxAttempts    int
	deadLetter     string
	handlerTimeout time.Duration
	retryBase      time.Duration

	inFlight atomic.Int64
	stopOnce sync.Once

	received, ok, failed, requeued, deadLettered prometheus.Counter
	duration                                     prometheus.Observer
	inFlightGauge                                prometheus.Gauge
}

func newSubscription(c *Client, topic, channel string, h Handler) (*Subscription, error) {
	s := c.settings
	sub := &Subscription{
		client: c, topic: topic, channel: channel, handler: h,
		maxAttempts: s.maxAttempts, deadLetter: s.deadLetterTopic, handlerTimeout: s.handlerTimeout, retryBase: s.retryBase,
		received:      c.metrics.received.WithLabelValues(topic, channel),
		ok:            c.metrics.handled.WithLabelValues(topic, channel, "ok"),
		failed:        c.metrics.handled.WithLabelValues(topic, channel, "error"),
		requeued:      c.metrics.handled.WithLabelValues(topic, channel, "requeued"),
		deadLettered:  c.metrics.handled.WithLabelValues(topic, channel, "dead_lettered"),
		duration:      c.metrics.handlerDuration.WithLabelValues(topic, channel),
		inFlightGauge: c.metrics.inFlight.WithLabelValues(topic, channel),
	}
	if sub.deadLetter == "" {
		sub.deadLetter = deadLetterFor(topic)
	}
	cfg := c.nsqConfig(s.maxInFlight)
	if s.outputBufferSize != 0 {
		cfg.OutputBufferSize = int64(s.outputBufferSize)
		cfg.OutputBufferTimeout = s.outputBufferTimeout
	}
	consumer, err := c.newConsumer(topic, channel, cfg)
	if err != nil {
		return nil, err
	}
	consumer.AddConcurrentHandlers(nsq.HandlerFunc(sub.handleMessage), s.maxInFlight)
	sub.consumer = consumer
	sub.conn = newConnector(consumer, s.maxInFlight, s, topic, channel, false, c.nsqds)
	sub.conn.start()
	return sub, nil
}

// Topic is the topic consumed.
func (s *Subscription) Topic() string { return s.topic }

// Channel is the channel consumed.
func (s *Subscription) Channel() string { return s.channel }

// Ready is closed once the client's own nsqd answered a SUB of the topic and channel, so that
// both exist there and events published to it are kept for this subscription, and every other
// nsqd nsqlookupd listed in that round was tried once.
func (s *Subscription) Ready() <-chan struct{} { return s.conn.ready }

// InFlight is the number of events received and not yet finished, requeued or dead-lettered.
func (s *Subscription) InFlight() int { return int(s.inFlight.Load()) }

// Stop stops taking events (CLS to every nsqd) and waits until the events in hand are finished,
// or ctx is done; events still unfinished then are redelivered by nsqd.
func (s *Subscription) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		s.conn.stop()
		s.consumer.Stop()
	})
	select {
	case <-s.consumer.StopChan:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// handleMessage is the go-nsq handler; it runs in one of max-in-flight goroutines.
func (s *Subscription) handleMessage(nm *nsq.Message) error {
	nm.DisableAutoResponse()
	s.received.Inc()
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	attempts := int(nm.Attempts)
	ev, err := decode(nm.Body)
	if err != nil {
		s.deadLetterMessage(nm, "body is not a kubefuncs Event: "+err.Error())
		return nil
	}
	if attempts > s.maxAttempts {
		// Redelivered after timeouts (a crash, or a handler beyond its timeout) more than allowed.
		s.deadLetterMessage(nm, fmt.Sprintf("delivered %d times, more than the %d allowed", attempts, s.maxAttempts))
		return nil
	}
	handlerCtx := context.Background()
	var span trace.Span
	tracer := s.client.tracer
	if tracer != nil {
		// The handler's context holds its span: calls and emits made with it are its children.
		handlerCtx, span = tracer.process(ev, s.topic, s.channel, attempts)
	}
	ctx, cancel := context.WithTimeout(handlerCtx, s.handlerTimeout)
	m := &Message{event: ev, attempts: attempts, ctx: ctx, touch: nm.Touch, publish: s.client.publishAsync, tracer: tracer}
	s.inFlightGauge.Inc()
	start := time.Now()
	stopTouching := s.keepAlive(nm, start)
	handlerErr := invoke(s.handler, m)
	stopTouching()
	cancel()
	s.duration.Observe(time.Since(start).Seconds())
	s.inFlightGauge.Dec()
	if span != nil {
		endSpan(span, handlerErr)
	}

	switch {
	case m.expectsResponse():
		s.answer(nm, m, handlerErr)
	case handlerErr == nil:
		nm.Finish()
		s.ok.Inc()
	case attempts >= s.maxAttempts:
		s.logHandlerError(ev, handlerErr, "")
		s.deadLetterMessage(nm, fmt.Sprintf("handler failed on attempt %d of %d: %s", attempts, s.maxAttempts, errorText(handlerErr)))
	default:
		delay := s.retryDelay(attempts)
		s.logHandlerError(ev, handlerErr, fmt.Sprintf(" (attempt %d of %d), retrying in %s", attempts, s.maxAttempts, delay))
		// Only this event waits: one bad event must not slow the function down for every other.
		nm.RequeueWithoutBackoff(delay)
		s.requeued.Inc()
	}
	return nil
}

// answer publishes the answer (the handler's, or Empty, or Error) and finishes the event once
// nsqd has it. An answer refused for what it is (a bad return topic, too large) dead-letters the
// event, since running the handler again would give the same answer; one that found no nsqd to
// take it lets the event come back to be answered again.
func (s *Subscription) answer(nm *nsq.Message, m *Message, handlerErr error) {
	if handlerErr != nil {
		s.logHandlerError(m.event, handlerErr, "; answering with Error")
	}
	var err error
	if sent := m.finish(handlerErr); sent != nil {
		err = <-sent
	}
	if err != nil && isRefused(err) {
		why := fmt.Sprintf("could not publish the answer to %s: %v", m.ReturnTopic(), err)
		s.tellCaller(m, why)
		s.deadLetterMessage(nm, why)
		return
	}
	if err != nil {
		s.client.logger.Printf("kubefuncs: could not publish the answer to event %s: %v", m.ID(), err)
		nm.RequeueWithoutBackoff(s.retryDelay(int(nm.Attempts)))
		s.requeued.Inc()
		return
	}
	nm.Finish()
	if handlerErr != nil {
		s.failed.Inc()
	} else {
		s.ok.Inc()
	}
}

// tellCaller answers the event with Error{why} without waiting, after its answer was refused: the
// caller hears at once why no answer comes, unless its return topic is what nsqd refused.
func (s *Subscription) tellCaller(m *Message, why string) {
	resp, err := responseTo(m.event, &ErrorPayload{Error: toValidUTF8(why)})
	if err == nil {
		var body []byte
		if body, err = encode(resp); err == nil {
			s.client.publishAsync(m.ReturnTopic(), body)
		}
	}
	if err != nil {
		s.client.logger.Printf("kubefuncs: could not tell the caller of event %s why: %v", m.ID(), err)
	}
}

func (s *Subscription) deadLetterMessage(nm *nsq.Message, reason string) {
	id := string(nm.ID[:])
	s.client.logger.Printf("kubefuncs: dead-lettering message %s of %s to %s: %s", id, s.topic, s.deadLetter, reason)
	var err error
	for limit := s.client.maxMsgSize.get(); ; {
		var body []byte
		body, err = deterministic.Marshal(deadLetterOf(s.topic, s.channel, id, int(nm.Attempts), nm.Body, reason, limit))
		if err == nil {
			err = <-s.client.publishAsync(s.deadLetter, body)
		}
		// nsqd refused it as too big and so told its --max-msg-size, smaller than assumed: once
		// more within that (the limit only shrinks, so this ends).
		learned := s.client.maxMsgSize.get()
		if err == nil || learned >= limit {
			break
		}
		limit = learned
	}
	if err != nil {
		s.client.logger.Printf("kubefuncs: could not dead-letter message %s: %v", id, err)
		nm.RequeueWithoutBackoff(s.retryDelay(1))
		s.requeued.Inc()
		return
	}
	nm.Finish()
	s.deadLettered.Inc()
}

// keepAlive TOUCHes the message at half its nsqd's msg_timeout while the handler runs, up to the
// handler timeout, so that nsqd does not hand a long job to a second consumer. The returned
// function stops it, and returns once no TOUCH can be sent any more. A timer rather than a
// goroutine with a ticker: nearly every handler returns long before the first TOUCH is due, and
// then nothing ran for it, and the stop waits for no goroutine to end.
func (s *Subscription) keepAlive(nm *nsq.Message, start time.Time) func() {
	period := s.client.nsqds.msgTimeout(nm.NSQDAddress) / 2
	if period < 100*time.Millisecond {
		period = 100 * time.Millisecond
	}
	limit := start.Add(s.handlerTimeout)
	var mu sync.Mutex
	stopped := false
	var t *time.Timer
	mu.Lock()
	t = time.AfterFunc(period, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped || !time.Now().Before(limit) {
			return
		}
		nm.Touch()
		t.Reset(period)
	})
	mu.Unlock()
	return func() {
		mu.Lock()
		stopped = true
		t.Stop()
		mu.Unlock()
	}
}

// retryDelay is the delay before the retry that follows the given attempt: the base (1s),
// doubled with each attempt, at most a minute.
func (s *Subscription) retryDelay(attempts int) time.Duration {
	d := s.retryBase
	for i := 1; i < attempts && d < maxRetryDelay; i++ {
		d *= 2
	}
	return min(d, maxRetryDelay)
}

func (s *Subscription) logHandlerError(ev *Event, err error, what string) {
	s.client.logger.Printf("kubefuncs: handler failed on event %s of %s%s: %v", ev.GetId(), s.topic, what, err)
	var p *panicError
	if errors.As(err, &p) {
		s.client.logger.Printf("kubefuncs: panic in the handler of %s:\n%s", s.topic, p.stack)
	}
}
