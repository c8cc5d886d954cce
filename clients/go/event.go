package kubefuncs

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/kubefuncs/kubefuncs/clients/go/pb"
)

// The wire format's messages (package kubefuncs of kubefuncs.proto), under their original names.
type (
	// Event is one message on an NSQ topic: an id, the topic, the return topic (empty for
	// fire-and-forget), the payload in a google.protobuf.Any, and metadata.
	Event = pb.Event
	// HTTPRequest is what the gateway sends.
	HTTPRequest = pb.HTTPRequest
	// HTTPResponse is what the gateway expects back; Status 0 means 200.
	HTTPResponse = pb.HTTPResponse
	// Empty is the answer of a handler that returned without responding.
	Empty = pb.Empty
	// ErrorPayload is the payload of the answer of a handler that failed (kubefuncs.Error on the
	// wire). It is not a Go error: Call turns it into a *FunctionError.
	ErrorPayload = pb.Error
	// DeadLetter is what a function publishes to its dead-letter topic for an event it gave up on.
	DeadLetter = pb.DeadLetter
)

// deterministic encodes map entries sorted by key, so that equal messages encode to equal bytes
// (proto/testdata/README.md). The Java SDK's encoding may order map entries differently; both
// decode either.
var deterministic = proto.MarshalOptions{Deterministic: true}

// NewEvent returns a fire-and-forget event for topic carrying payload, with a fresh UUID as id.
// Call sets its return topic.
func NewEvent(topic string, payload proto.Message) (*Event, error) {
	if err := checkName("topic", topic); err != nil {
		return nil, err
	}
	a, err := pack(payload)
	if err != nil {
		return nil, err
	}
	return &Event{Id: newUUID(), Topic: topic, Payload: a}, nil
}

// pack puts payload in an Any (type URL type.googleapis.com/<full name>), deterministically encoded.
func pack(payload proto.Message) (*anypb.Any, error) {
	if payload == nil {
		return nil, errors.New("kubefuncs: payload is nil")
	}
	a := &anypb.Any{}
	if err := anypb.MarshalFrom(a, payload, deterministic); err != nil {
		return nil, fmt.Errorf("kubefuncs: cannot encode payload %s: %w", payload.ProtoReflect().Descriptor().FullName(), err)
	}
	return a, nil
}

// responseTo is the answer to request: the same id, on its return topic, never a bare payload.
func responseTo(request *Event, payload proto.Message) (*Event, error) {
	a, err := pack(payload)
	if err != nil {
		return nil, err
	}
	return &Event{Id: request.GetId(), Topic: request.GetReturn(), Payload: a}, nil
}

func encode(ev *Event) ([]byte, error) {
	b, err := deterministic.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("kubefuncs: cannot encode event %s: %w", ev.GetId(), err)
	}
	return b, nil
}

func decode(body []byte) (*Event, error) {
	ev := &Event{}
	if err := proto.Unmarshal(body, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// errorText is the text of an Error answer for a handler's error; proto3 strings must be UTF-8.
func errorText(err error) string {
	s := err.Error()
	if s == "" {
		s = fmt.Sprintf("%T", err)
	}
	return toValidUTF8(s)
}

func toValidUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
