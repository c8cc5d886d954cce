package kubefuncs_test

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	client "github.com/kubefuncs/kubefuncs/clients/go"
)

func request(t *testing.T, returnTopic string) *client.Event {
	t.Helper()
	ev, err := client.NewEvent("test", &client.HTTPRequest{Url: "/test/hello", Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	ev.Return = returnTopic
	return ev
}

func TestTheGuidesPongAnswersPong(t *testing.T) {
	ev := request(t, "rpc-gw#ephemeral")
	answer, err := client.Answer(client.HandlerFunc(func(ev *client.Message) error {
		return ev.Respond(&client.HTTPResponse{Body: []byte("pong\n")})
	}), ev)
	if err != nil {
		t.Fatal(err)
	}
	if answer.Id != ev.Id || answer.Topic != "rpc-gw#ephemeral" || answer.Return != "" {
		t.Errorf("answer %v: want the request's id, on its return topic", answer)
	}
	if got := answer.GetPayload().GetTypeUrl(); got != "type.googleapis.com/kubefuncs.HTTPResponse" {
		t.Errorf("type URL %s", got)
	}
	resp := &client.HTTPResponse{}
	if err := answer.GetPayload().UnmarshalTo(resp); err != nil || string(resp.Body) != "pong\n" {
		t.Errorf("answer payload %v, %v", resp, err)
	}
}

func TestAnsweringRules(t *testing.T) {
	ev := request(t, "rpc-gw#ephemeral")
	is := func(answer *client.Event, m proto.Message) bool { return answer.GetPayload().MessageIs(m) }

	answer, err := client.Answer(client.HandlerFunc(func(*client.Message) error { return nil }), ev)
	if err != nil || !is(answer, &client.Empty{}) {
		t.Errorf("silent handler: %v, %v; want Empty", answer, err)
	}

	answer, err = client.Answer(client.HandlerFunc(func(*client.Message) error { return errors.New("no stock") }), ev)
	text := &client.ErrorPayload{}
	if err == nil || !is(answer, text) || answer.GetPayload().UnmarshalTo(text) != nil || text.Error != "no stock" {
		t.Errorf("failing handler: %v, %v; want Error 'no stock'", answer, err)
	}

	answer, err = client.Answer(client.HandlerFunc(func(*client.Message) error { panic("kaput") }), ev)
	if err == nil || err.Error() != "panic: kaput" || !is(answer, &client.ErrorPayload{}) {
		t.Errorf("panicking handler: %v, %v; want Error 'panic: kaput'", answer, err)
	}

	// A handler that responded and then failed keeps its response.
	answer, _ = client.Answer(client.HandlerFunc(func(m *client.Message) error {
		_ = m.Respond(&client.HTTPResponse{Status: 202})
		return errors.New("late failure")
	}), ev)
	if !is(answer, &client.HTTPResponse{}) {
		t.Errorf("responded then failed: %v, want the response", answer)
	}

	// Only one answer.
	_, _ = client.Answer(client.HandlerFunc(func(m *client.Message) error {
		if err := m.Respond(&client.Empty{}); err != nil {
			t.Error(err)
		}
		if err := m.Respond(&client.Empty{}); err == nil || !strings.Contains(err.Error(), "already answered") {
			t.Errorf("second Respond: %v, want an error", err)
		}
		return nil
	}), ev)

	// Fire-and-forget: nothing to answer, Respond does nothing.
	answer, err = client.Answer(client.HandlerFunc(func(m *client.Message) error {
		return m.Respond(&client.HTTPResponse{})
	}), request(t, ""))
	if err != nil || answer != nil {
		t.Errorf("fire-and-forget: %v, %v; want no answer", answer, err)
	}
}

func TestPayloadOfTheWrongTypeIsAnError(t *testing.T) {
	payloadErr := func(ev *client.Event, dst proto.Message) (err error) {
		_, _ = client.Answer(client.HandlerFunc(func(m *client.Message) error {
			err = m.Payload(dst)
			return nil
		}), ev)
		return err
	}
	if err := payloadErr(request(t, ""), &client.HTTPResponse{}); err == nil || !strings.Contains(err.Error(), "kubefuncs.HTTPRequest, not kubefuncs.HTTPResponse") {
		t.Errorf("Payload into the wrong type: %v", err)
	}
	if err := payloadErr(&client.Event{Id: "x"}, &client.HTTPRequest{}); err == nil {
		t.Error("Payload of an event without payload succeeded")
	}
	if _, err := client.NewEvent("bad topic!", &client.Empty{}); err == nil {
		t.Error("NewEvent accepted an invalid topic")
	}
	if _, err := client.NewEvent("t", nil); err == nil {
		t.Error("NewEvent accepted a nil payload")
	}
}

// A *Message holds its event rather than embedding it: were it a proto.Message, Respond(ev) would
// compile and send the request back as its own answer.
func TestAMessageIsNotAPayload(t *testing.T) {
	if _, ok := any(&client.Message{}).(proto.Message); ok {
		t.Error("*client.Message is a proto.Message")
	}
}
