package kubefuncs_test

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	client "github.com/kubefuncs/kubefuncs/clients/go"
)

func TestHandlerTesterAnswersAsADeployedFunction(t *testing.T) {
	echo := client.NewHandlerTester(client.HandlerFunc(func(ev *client.Message) error {
		req := &client.HTTPRequest{}
		if err := ev.Payload(req); err != nil {
			return err
		}
		return ev.Respond(&client.HTTPResponse{Status: 201, Body: []byte(req.Method + " " + req.Url + " " + req.Headers["X-A"] + " " + string(req.Body))})
	}))

	resp, err := echo.HTTP("POST", "/echo/1", map[string]string{"X-A": "b"}, []byte("hi"))

	if err != nil || resp.Status != 201 || string(resp.Body) != "POST /echo/1 b hi" {
		t.Errorf("HTTP: %v, %v", resp, err)
	}
}

func TestHandlerTesterGivesEmptyForASilentHandlerAndFunctionErrorForAFailedOne(t *testing.T) {
	silent := client.NewHandlerTester(client.HandlerFunc(func(*client.Message) error { return nil }))
	answer, err := silent.Call("orders", wrapperspb.String("x"))
	if err != nil || !answer.Event().GetPayload().MessageIs(&client.Empty{}) {
		t.Errorf("silent handler: %v, %v; want Empty", answer, err)
	}

	failing := client.NewHandlerTester(client.HandlerFunc(func(*client.Message) error { panic("kaput") }))
	_, err = failing.HTTP("GET", "/orders/", nil, nil)
	var fe *client.FunctionError
	if !errors.As(err, &fe) || fe.Topic != "test" || fe.Message != "panic: kaput" {
		t.Errorf("failing handler: %v; want a FunctionError 'panic: kaput'", err)
	}
}

func TestHandlerTesterEmitReturnsTheHandlersError(t *testing.T) {
	var got string
	audit := client.NewHandlerTester(client.HandlerFunc(func(ev *client.Message) error {
		s := &wrapperspb.StringValue{}
		if err := ev.Payload(s); err != nil {
			return err
		}
		got = s.Value
		if ev.ReturnTopic() != "" {
			return errors.New("a return topic on an emitted event")
		}
		return errors.New("disk full")
	}))

	if err := audit.Emit("audit", wrapperspb.String("login")); err == nil || err.Error() != "disk full" || got != "login" {
		t.Errorf("Emit: %v (payload %q); want the handler's 'disk full'", err, got)
	}
}
