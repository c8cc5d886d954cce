package kubefuncs

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// Handler is a function's code: called once per event, in a goroutine of its own. Returning nil
// means success. Returning an error answers an event that has a return topic with Error; an event
// without one is retried, then dead-lettered. A panic counts as an error.
type Handler interface {
	Handle(ev *Message) error
}

// HandlerFunc lets an ordinary function be a Handler.
type HandlerFunc func(ev *Message) error

// Handle calls f(ev).
func (f HandlerFunc) Handle(ev *Message) error { return f(ev) }

// Message is one event handed to a Handler (or returned by Call), and the way to answer it. It
// holds the Event rather than embedding it, so that a *Message is not a proto.Message and cannot
// be passed where a payload is expected; the event's fields are read with ID, Topic, ReturnTopic,
// Metadata and Event, its payload decoded with Payload.
type Message struct {
	event *Event
	// response is the answer given with Respond, nil until then.
	response *Event

	attempts int
	ctx      context.Context
	touch    func()
	publish  func(topic string, body []byte) <-chan error
	// tracer is set when tracing is on: the answer's publish is then a span, a child of ctx's.
	tracer *eventTracer

	mu       sync.Mutex
	sent     <-chan error
	finished bool
}

// ID is the event's id; an answer has the id of the event it answers.
func (m *Message) ID() string { return m.event.GetId() }

// Topic is the topic the event was published to.
func (m *Message) Topic() string { return m.event.GetTopic() }

// ReturnTopic is where the answer goes; empty for fire-and-forget events and for answers.
func (m *Message) ReturnTopic() string { return m.event.GetReturn() }

// Metadata is the event's metadata: with tracing on, traceparent and tracestate (W3C Trace
// Context) of the publish that sent it.
func (m *Message) Metadata() map[string]string { return m.event.GetMetadata() }

// Event is the whole event, as it came over the wire; not to be changed.
func (m *Message) Event() *Event { return m.event }

// Response is the answer given with Respond (or, once the handler returned, the Empty or Error the
// client gave for it), nil until then.
func (m *Message) Response() *Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.response
}

// Payload decodes the event's payload into dst, which must be of the payload's type (for a
// gateway request, *HTTPRequest).
func (m *Message) Payload(dst proto.Message) error {
	a := m.event.GetPayload()
	if a == nil {
		return fmt.Errorf("kubefuncs: event %s has no payload", m.ID())
	}
	if err := anypb.UnmarshalTo(a, dst, proto.UnmarshalOptions{}); err != nil {
		return fmt.Errorf("kubefuncs: payload of event %s is %s, not %s: %w",
			m.ID(), a.GetTypeUrl(), dst.ProtoReflect().Descriptor().FullName(), err)
	}
	return nil
}

// Respond answers the event with payload on its return topic, at once; the event is finished
// once the handler has returned and nsqd has acknowledged the answer. For an event without a
// return topic (fire-and-forget, or an answer returned by Call) it does nothing. Only one answer
// per event: a second Respond returns an error.
func (m *Message) Respond(payload proto.Message) error {
	if m.ReturnTopic() == "" {
		return nil
	}
	resp, err := responseTo(m.event, payload)
	if err != nil {
		return err
	}
	var body []byte
	if m.publish != nil {
		if body, err = encode(resp); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.response != nil:
		return fmt.Errorf("kubefuncs: event %s was already answered", m.ID())
	case m.finished:
		return fmt.Errorf("kubefuncs: event %s was already answered when its handler returned", m.ID())
	}
	m.response = resp
	switch {
	case m.publish != nil && m.tracer != nil:
		span := m.tracer.answer(m.ctx, m.event)
		m.sent = endWhenSent(span, m.publish(resp.GetTopic(), body))
	case m.publish != nil:
		m.sent = m.publish(resp.GetTopic(), body)
	}
	return nil
}

// Attempts is the number of deliveries of this event so far, this one included.
func (m *Message) Attempts() int { return m.attempts }

// Touch tells nsqd the event is still being worked on. The client does this by itself while the
// handler runs, up to the handler timeout; call it only to go beyond that.
func (m *Message) Touch() {
	if m.touch != nil {
		m.touch()
	}
}

// Context is done when the handler timeout has passed (from then on the event is no longer kept
// from redelivery). With tracing on it holds the handler's span: pass it to Call and Emit, and
// to the work the handler does, for their spans to be children of it.
func (m *Message) Context() context.Context {
	if m.ctx == nil {
		return context.Background()
	}
	return m.ctx
}

// expectsResponse reports whether the event has a return topic.
func (m *Message) expectsResponse() bool { return m.ReturnTopic() != "" }

// finish applies the rule that an event with a return topic is always answered (Error when the
// handler failed, Empty when it returned without answering), stops further answers, and returns
// the answer's publish (nil when there is nothing to publish).
func (m *Message) finish(handlerErr error) <-chan error {
	if m.expectsResponse() {
		m.mu.Lock()
		answered := m.response != nil
		m.mu.Unlock()
		if !answered {
			var err error
			if handlerErr != nil {
				err = m.Respond(&ErrorPayload{Error: errorText(handlerErr)})
			} else {
				err = m.Respond(&Empty{})
			}
			if err != nil && m.publish != nil {
				failed := make(chan error, 1)
				failed <- err
				m.mu.Lock()
				m.sent = failed
				m.mu.Unlock()
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.finished = true
	return m.sent
}

// invoke runs h, turning a panic into a *panicError.
func invoke(h Handler, m *Message) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{value: p, stack: debug.Stack()}
		}
	}()
	return h.Handle(m)
}

// panicError is a handler's panic. Its text (what an Error answer carries) leaves the stack out;
// the log gets it.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// Answer runs h on ev in memory, without NSQ, and returns the answer a deployed function would
// publish (the handler's response, Empty, or Error; nil for an event without a return topic)
// and the handler's error. It is meant for unit tests of handlers.
func Answer(h Handler, ev *Event) (*Event, error) {
	m := &Message{event: ev, attempts: 1}
	err := invoke(h, m)
	m.finish(err)
	return m.Response(), err
}
