package main

import (
	"context"
	"os"
	"testing"
	"time"

	client "github.com/kubefuncs/kubefuncs/clients/go"
)

// The handler behind a real NSQ broker, as the gateway reaches it: subscribed to its topic, called
// with an HTTP request, answering on the caller's return topic. Go has no broker in the test's
// process: start one (`kubefuncs broker` prints its nsqd's TCP address) and set
// KUBEFUNCS_TEST_NSQD to that address; without it, the test is skipped.
func TestAnswersACallOverNsq(t *testing.T) {
	nsqd := os.Getenv("KUBEFUNCS_TEST_NSQD")
	if nsqd == "" {
		t.Skip("KUBEFUNCS_TEST_NSQD is not set: run `kubefuncs broker` and set it to the nsqd tcp address it prints")
	}
	c, err := client.NewClient(client.WithNsqdURL(nsqd), client.WithCallEnabled())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.On("{{name}}", "default", client.HandlerFunc(handle)); err != nil {
		t.Fatal(err)
	}
	request, err := client.NewEvent("{{name}}", &client.HTTPRequest{Method: "GET", Url: "/{{name}}/"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	answer, err := c.Call(ctx, request)

	if err != nil {
		t.Fatal(err)
	}
	resp := &client.HTTPResponse{}
	if err := answer.Payload(resp); err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "hello from {{name}}\n" {
		t.Errorf("body %q", resp.Body)
	}
}
