package main

import (
	"testing"

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
