package kubefuncs

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"
	"time"

	nsq "github.com/nsqio/go-nsq"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// Version is this library's version, sent to nsqd as part of the user agent.
const Version = "0.1.0"

// A publish that lost its connection is sent again this many times, after 20, 40, 80... ms.
const (
	publishRetries    = 5
	publishRetryDelay = 20 * time.Millisecond
)

// ErrClosed is what Call and Emit return once Close has drained the subscriptions: a call still
// waiting for its answer then, and every Call, Emit and On after. Handlers' own calls during the
// drain are still answered.
var ErrClosed = errors.New("kubefuncs: client closed")

// FunctionError is what Call returns when the function answered with Error.
type FunctionError struct {
	// Topic is the called function's topic.
	Topic string
	// Message is the text of the function's Error.
	Message string
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("kubefuncs: the function on topic %s failed: %s", e.Topic, e.Message)
}

// functionError is the *FunctionError of an Error answer from the function on topic, nil for any
// other answer.
func functionError(topic string, answer *Event) error {
	a := answer.GetPayload()
	if a == nil || !a.MessageIs((*ErrorPayload)(nil)) {
		return nil
	}
	e := &ErrorPayload{}
	text := "(undecodable Error)"
	if anypb.UnmarshalTo(a, e, proto.UnmarshalOptions{}) == nil {
		text = e.GetError()
	}
	return &FunctionError{Topic: topic, Message: text}
}

// Client talks to Kubefuncs functions over NSQ: Emit publishes fire-and-forget events, Call
// calls a function and waits for its answer, On subscribes handlers. Safe for concurrent use;
// one per process is enough.
//
// Events are published to one nsqd (in a cluster, the node's own). Answers to calls come back on
// the client's ephemeral return topic rpc-<client-id>-<random>#ephemeral, which the client
// subscribes to on every nsqd nsqlookupd knows before its first call is published, since the
// called function may answer through any node.
type Client struct {
	settings    *settings
	logger      *log.Logger
	metrics     *metrics
	tracer      *eventTracer // nil when tracing is off
	producer    *nsq.Producer
	returnTopic string
	nsqds       *nsqds
	maxMsgSize  msgSizeLimit

	mu        sync.Mutex
	calls     map[string]chan *Event
	subs      []*Subscription
	returns   *nsq.Consumer
	returnsOn *connector
	closed    bool          // set when Close starts: no new subscriptions
	closing   chan struct{} // closed once the subscriptions drained: calls and emits fail with ErrClosed
}

// NewClient creates a client. Settings not given as options come from the environment
// (NSQ_NSQD_ADDR, NSQ_NSQD_PORT, NSQ_LOOKUPD_ADDR, NSQ_LOOKUPD_PORT, NSQ_TLS*,
// NSQ_AUTH_SECRET, KUBEFUNCS_*); a malformed one is a *ConfigError. Nothing connects until used,
// except the return topic WithCallEnabled.
func NewClient(options ...Option) (*Client, error) {
	s := newSettings(options)
	if err := s.resolve(false); err != nil {
		return nil, err
	}
	return newClient(s)
}

func newClient(s *settings) (*Client, error) {
	var reg prometheus.Registerer = prometheus.DefaultRegisterer
	if s.registry != nil {
		reg = s.registry
	}
	c := &Client{
		settings:    s,
		logger:      s.logger,
		metrics:     metricsFor(reg),
		tracer:      newEventTracer(s.tracerProvider),
		returnTopic: returnTopicFor(s.clientID),
		nsqds:       &nsqds{tls: s.tls, authSecret: s.authSecret, logger: s.logger},
		calls:       map[string]chan *Event{},
		closing:     make(chan struct{}),
	}
	c.maxMsgSize.bytes.Store(int64(s.maxMessageSize))
	c.nsqds.maxMsgSize = &c.maxMsgSize
	producer, err := nsq.NewProducer(s.nsqd, c.producerConfig())
	if err != nil {
		return nil, fmt.Errorf("kubefuncs: %w", err)
	}
	producer.SetLogger(nsqLog{s.logger}, nsq.LogLevelError)
	c.producer = producer
	if s.callEnabled {
		if err := c.startReturns(); err != nil {
			producer.Stop()
			return nil, err
		}
	}
	return c, nil
}

// ReturnTopic is the topic this client's answers come back on.
func (c *Client) ReturnTopic() string { return c.returnTopic }

// Emit publishes ev to ev.Topic, as it is (with tracing on, a copy carrying the trace context of
// ctx in its metadata), and returns once nsqd has it. Nobody answers.
func (c *Client) Emit(ctx context.Context, ev *Event) error {
	if ev == nil {
		return errors.New("kubefuncs: Emit of a nil event")
	}
	if err := checkName("topic", ev.GetTopic()); err != nil {
		return fmt.Errorf("kubefuncs: %w", err)
	}
	var span trace.Span
	if c.tracer != nil {
		ev = proto.Clone(ev).(*Event) // the trace context goes in a copy: ev is the caller's
		span = c.tracer.publish(ctx, ev)
	}
	err := c.emit(ctx, ev)
	if span != nil {
		endSpan(span, err)
	}
	return err
}

func (c *Client) emit(ctx context.Context, ev *Event) error {
	if c.isClosed() {
		return ErrClosed
	}
	body, err := encode(ev)
	if err != nil {
		return err
	}
	select {
	case err := <-c.publishAsync(ev.GetTopic(), body):
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-c.closing:
		return ErrClosed
	}
}

// isClosed reports whether Close got past the drain.
func (c *Client) isClosed() bool { return isDone(c.closing) }

// isDone reports whether ch is closed, without waiting.
func isDone(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Call sends ev to the function on ev.Topic with this client's return topic (and, with tracing
// on, the trace context of ctx), and waits for the answer until ctx is done. A function that answered with Error gives a *FunctionError; ev itself
// is not changed. The answer's payload is read with Payload.
func (c *Client) Call(ctx context.Context, ev *Event) (*Message, error) {
	if ev == nil {
		return nil, errors.New("kubefuncs: Call with a nil event")
	}
	topic := ev.GetTopic()
	if err := checkName("topic", topic); err != nil {
		return nil, fmt.Errorf("kubefuncs: %w", err)
	}
	request := proto.Clone(ev).(*Event)
	request.Return = c.returnTopic
	if request.Id == "" {
		request.Id = newUUID()
	}
	var span trace.Span
	if c.tracer != nil {
		span = c.tracer.publish(ctx, request)
	}
	body, err := encode(request)
	if err != nil {
		if span != nil {
			endSpan(span, err)
		}
		return nil, err
	}
	start := time.Now()
	answers := make(chan *Event, 1)
	c.mu.Lock()
	if c.isClosed() {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.calls[request.Id] = answers
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.calls, request.Id)
		c.mu.Unlock()
	}()

	answer, err := c.call(ctx, topic, body, answers, span)
	outcome := "ok"
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		outcome = "timeout"
	case err != nil:
		outcome = "error"
	}
	c.metrics.callDuration.WithLabelValues(topic, outcome).Observe(time.Since(start).Seconds())
	return answer, err
}

// call publishes body, ending publishSpan (nil when tracing is off) once nsqd has it or it failed,
// and waits for the answer.
func (c *Client) call(ctx context.Context, topic string, body []byte, answers chan *Event, publishSpan trace.Span) (*Message, error) {
	err := c.publishCall(ctx, topic, body)
	if publishSpan != nil {
		endSpan(publishSpan, err)
	}
	if err != nil {
		return nil, err
	}
	select {
	case answer := <-answers:
		if err := functionError(topic, answer); err != nil {
			return nil, err
		}
		return &Message{event: answer, attempts: 1}, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("kubefuncs: no answer from %s: %w", topic, ctx.Err())
	case <-c.closing:
		return nil, ErrClosed
	}
}

func (c *Client) publishCall(ctx context.Context, topic string, body []byte) error {
	if err := c.startReturns(); err != nil {
		return err
	}
	select {
	case <-c.returnsOn.ready:
	case <-ctx.Done():
		return fmt.Errorf("kubefuncs: call to %s: return topic not subscribed yet: %w", topic, ctx.Err())
	case <-c.closing:
		return ErrClosed
	}
	select {
	case err := <-c.publishAsync(topic, body):
		if err != nil {
			return fmt.Errorf("kubefuncs: call to %s: %w", topic, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("kubefuncs: call to %s: %w", topic, ctx.Err())
	case <-c.closing:
		return ErrClosed
	}
}

// On subscribes h to topic/channel with this client's settings (max in flight, attempts,
// dead-letter topic, timeouts). Handlers run in goroutines, at most max-in-flight at once.
func (c *Client) On(topic, channel string, h Handler) (*Subscription, error) {
	if err := checkName("topic", topic); err != nil {
		return nil, fmt.Errorf("kubefuncs: %w", err)
	}
	if err := checkName("channel", channel); err != nil {
		return nil, fmt.Errorf("kubefuncs: %w", err)
	}
	if h == nil {
		return nil, errors.New("kubefuncs: On with a nil handler")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	sub, err := newSubscription(c, topic, channel, h)
	if err != nil {
		return nil, err
	}
	c.subs = append(c.subs, sub)
	return sub, nil
}

// Close stops every subscription, waiting up to the drain timeout for the events in hand (their
// handlers' calls are still answered), then the return topic and the producer. Calls still waiting
// then fail with ErrClosed, and so do every Call, Emit and On after.
func (c *Client) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), c.settings.drainTimeout)
	defer cancel()
	return c.close(ctx)
}

func (c *Client) close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	subs := c.subs
	c.mu.Unlock()

	var wg sync.WaitGroup
	errs := make([]error, len(subs))
	for i, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sub.Stop(ctx); err != nil {
				errs[i] = fmt.Errorf("kubefuncs: %d events of %s/%s still in hand after the drain timeout", sub.InFlight(), sub.topic, sub.channel)
			}
		}()
	}
	wg.Wait()

	close(c.closing)
	c.mu.Lock()
	returns, returnsOn := c.returns, c.returnsOn
	c.mu.Unlock()
	if returns != nil {
		returnsOn.stop()
		returns.Stop()
		select {
		case <-returns.StopChan:
		case <-time.After(time.Second):
		}
	}
	c.producer.Stop()
	return errors.Join(errs...)
}

// publishAsync publishes body to topic; the channel gets nsqd's verdict.
func (c *Client) publishAsync(topic string, body []byte) <-chan error {
	result := make(chan error, 1)
	// Checked here rather than by nsqd, whose E_BAD_TOPIC would also close the connection.
	if err := checkName("topic", topic); err != nil {
		c.metrics.publishFailures.Inc()
		result <- fmt.Errorf("kubefuncs: publish to %s: %w", topic, &refusal{err.Error()})
		return result
	}
	// Checked here too: nsqd closes the connection on a message too big, failing every other
	// publish in flight on it.
	if limit := c.maxMsgSize.get(); len(body) > limit {
		c.metrics.publishFailures.Inc()
		result <- fmt.Errorf("kubefuncs: publish to %s: %w", topic,
			&refusal{fmt.Sprintf("message of %d bytes is over the limit of %d (KUBEFUNCS_MAX_MESSAGE_SIZE, nsqd's --max-msg-size)", len(body), limit)})
		return result
	}
	// The first try is sent before returning, so that publishes keep their callers' order.
	done := make(chan *nsq.ProducerTransaction, 1)
	var sendErr error
	if c.settings.tls != nil || c.settings.authSecret != "" {
		// go-nsq would go on without TLS, or send the secret, to whatever nsqd answers.
		sendErr = c.nsqds.check(c.settings.nsqd)
	}
	if sendErr == nil {
		sendErr = c.producer.PublishAsync(topic, body, done)
	}
	go func() {
		err := sendErr
		if err == nil {
			err = (<-done).Error
		}
		// go-nsq fails every publish pending on a connection that closes, and nsqd closes it
		// when it refuses any one of them (E_BAD_MESSAGE is fatal): those others are sent again,
		// on the connection go-nsq dials anew.
		for retry := range publishRetries {
			if !errors.Is(err, nsq.ErrNotConnected) {
				break
			}
			time.Sleep(publishRetryDelay << retry)
			t := make(chan *nsq.ProducerTransaction, 1)
			if err = c.producer.PublishAsync(topic, body, t); err == nil {
				err = (<-t).Error
			}
		}
		if err != nil {
			c.maxMsgSize.learn(err)
			c.metrics.publishFailures.Inc()
			result <- fmt.Errorf("kubefuncs: publish to %s: %w", topic, explain(err))
			return
		}
		result <- nil
	}()
	return result
}

// startReturns subscribes the return topic on every nsqd, once.
func (c *Client) startReturns() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.returns != nil {
		return nil
	}
	if c.isClosed() {
		return ErrClosed
	}
	maxInFlight := max(c.settings.maxInFlight, 256)
	// Never buffered (WithOutputBuffer is for subscriptions): answers are waited for one by one.
	consumer, err := c.newConsumer(c.returnTopic, returnChannel, c.nsqConfig(maxInFlight))
	if err != nil {
		return err
	}
	consumer.AddConcurrentHandlers(nsq.HandlerFunc(c.onAnswer), 4)
	c.returns = consumer
	c.returnsOn = newConnector(consumer, maxInFlight, c.settings, c.returnTopic, returnChannel, true, c.nsqds)
	c.returnsOn.start()
	return nil
}

// onAnswer hands an answer to the call waiting for it; go-nsq finishes the message.
func (c *Client) onAnswer(nm *nsq.Message) error {
	ev, err := decode(nm.Body)
	if err != nil {
		c.logger.Printf("kubefuncs: dropping a message on %s that is not an Event: %v", c.returnTopic, err)
		return nil
	}
	c.mu.Lock()
	waiting := c.calls[ev.GetId()]
	c.mu.Unlock()
	if waiting != nil {
		select {
		case waiting <- ev:
		default: // a second answer to the same call (at-least-once delivery)
		}
	}
	return nil
}

func (c *Client) newConsumer(topic, channel string, cfg *nsq.Config) (*nsq.Consumer, error) {
	consumer, err := nsq.NewConsumer(topic, channel, cfg)
	if err != nil {
		return nil, fmt.Errorf("kubefuncs: %w", err)
	}
	consumer.SetLogger(nsqLog{c.logger}, nsq.LogLevelError)
	return consumer, nil
}

// producerConfig is nsqConfig with nsqd's own output buffer: nsqd flushes its answer to every
// command at once, so a buffer holds nothing back from a producer, while unbuffered it writes each
// frame in three system calls (size, type, data): three writes and three TCP segments for every OK.
func (c *Client) producerConfig() *nsq.Config {
	cfg := c.nsqConfig(1)
	cfg.OutputBufferSize = nsq.NewConfig().OutputBufferSize
	return cfg
}

func (c *Client) nsqConfig(maxInFlight int) *nsq.Config {
	cfg := nsq.NewConfig()
	cfg.MaxInFlight = maxInFlight
	cfg.MaxAttempts = 0                           // the subscription counts attempts and dead-letters itself
	cfg.LookupdPollInterval = directRetryInterval // go-nsq's redial delay after a lost connection
	cfg.DialTimeout = dialTimeout
	cfg.UserAgent = "kubefuncs-go/" + Version + " go-nsq/" + nsq.VERSION
	// nsqd flushes a buffered consumer's connection only when its RDY is used up or on its output
	// buffer timer (250 ms by default): below max-in-flight events per timer period, which is
	// every call made one at a time, each event and each answer waited for the timer.
	cfg.OutputBufferSize = -1
	if c.settings.tls != nil {
		cfg.TlsV1 = true
		cfg.TlsConfig = c.settings.tls
	}
	cfg.AuthSecret = c.settings.authSecret
	if c.settings.clientID != "" {
		cfg.ClientID = c.settings.clientID
	}
	return cfg
}
