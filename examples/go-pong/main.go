// Command go-pong is the function of the getting-started guide, in Go: it answers every event
// with an HTTP response "pong". Run it next to an nsqd with TOPIC set (the function chart sets
// TOPIC, NSQ_* and HEALTHZ_ADDR):
//
//	TOPIC=test go run .
package main

import (
	"fmt"
	"os"

	client "github.com/kubefuncs/kubefuncs/clients/go"
)

func main() {
	if err := client.Run(client.HandlerFunc(pong)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(client.ExitCode(err)) // 2 for a bad setting
	}
}

func pong(ev *client.Message) error {
	return ev.Respond(&client.HTTPResponse{Body: []byte("pong\n")})
}
