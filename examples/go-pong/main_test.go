package main

import (
	"testing"
	"time"

	client "github.com/kubefuncs/kubefuncs/clients/go"
)

func TestPongAnswersPong(t *testing.T) {
	request, err := client.NewEvent("test", &client.HTTPRequest{Url: "/test/hello", Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	request.Return = "rpc-gateway#ephemeral"
	answer, err := client.Answer(client.HandlerFunc(pong), request)
	if err != nil {
		t.Fatal(err)
	}
	resp := &client.HTTPResponse{}
	if err := answer.GetPayload().UnmarshalTo(resp); err != nil {
		t.Fatal(err)
	}
	if resp.Status != 0 || string(resp.Body) != "pong\n" || answer.Id != request.Id {
		t.Errorf("answer %v to request %s", resp, request.Id)
	}
}

func TestPongDelayIsADurationOrNothing(t *testing.T) {
	for value, want := range map[string]time.Duration{"": 0, "50ms": 50 * time.Millisecond, "1s": time.Second} {
		if got, err := delayFrom(value); err != nil || got != want {
			t.Errorf("delayFrom(%q) = %v, %v; want %v", value, got, err, want)
		}
	}
	for _, value := range []string{"50", "soon", "-1s"} {
		_, err := delayFrom(value)
		if err == nil || err.Error() != "PONG_DELAY: must be a duration like 50ms or 1s, got '"+value+"'" || client.ExitCode(err) != 2 {
			t.Errorf("delayFrom(%q): %v", value, err)
		}
	}
}
