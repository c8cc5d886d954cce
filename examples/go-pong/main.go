// Command go-pong is the function of the getting-started guide, in Go: it answers every event
// with an HTTP response "pong". Run it next to an nsqd with TOPIC set (the function chart sets
// TOPIC, NSQ_* and HEALTHZ_ADDR):
//
//	TOPIC=test go run .
//
// PONG_DELAY (a Go duration such as 50ms; none by default) is how long each event takes before
// its answer: the work a real function would do, so that a load test can make the queue grow and
// watch the function scale out (docs/scaling.md).
package main

import (
	"fmt"
	"os"
	"time"

	client "github.com/kubefuncs/kubefuncs/clients/go"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(client.ExitCode(err)) // 2 for a bad setting
	}
}

func run() error {
	delay, err := delayFrom(os.Getenv("PONG_DELAY"))
	if err != nil {
		return err
	}
	handler := pong
	if delay > 0 {
		handler = func(ev *client.Message) error {
			time.Sleep(delay) // stands for the event's work, not a wait for anything
			return pong(ev)
		}
	}
	return client.Run(client.HandlerFunc(handler))
}

func pong(ev *client.Message) error {
	return ev.Respond(&client.HTTPResponse{Body: []byte("pong\n")})
}

func delayFrom(value string) (time.Duration, error) {
	if value == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(value)
	if err != nil || d < 0 {
		return 0, &client.ConfigError{Variable: "PONG_DELAY", Message: fmt.Sprintf("must be a duration like 50ms or 1s, got '%s'", value)}
	}
	return d, nil
}
