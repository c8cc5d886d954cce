package main

import (
	"testing"

	client "github.com/kubefuncs/kubefuncs/clients/go"
)

// The handler in memory, with no broker: what the gateway would send, and the answer.
func TestAnswersHello(t *testing.T) {
	resp, err := client.NewHandlerTester(client.HandlerFunc(handle)).HTTP("GET", "/{{name}}/", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "hello from {{name}}\n" {
		t.Errorf("body %q", resp.Body)
	}
}
