package main

import (
	"testing"

	client "github.com/kubefuncs/kubefuncs/clients/go"
)

// The handler in memory, with no broker: what the gateway would send, and the answer.
func TestAnswersHello(t *testing.T) {
	request, err := client.NewEvent("{{name}}", &client.HTTPRequest{Url: "/{{name}}/", Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	request.Return = "rpc-test#ephemeral"
	answer, err := client.Answer(client.HandlerFunc(handle), request)
	if err != nil {
		t.Fatal(err)
	}
	resp := &client.HTTPResponse{}
	if err := (&client.Message{Event: answer}).Payload(resp); err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "hello from {{name}}\n" {
		t.Errorf("body %q", resp.Body)
	}
}
