// Command {{name}} is a Kubefuncs function: client.Run reads its settings from the environment
// the function chart (or `kubefuncs dev`) gives it, consumes its topic, and calls handle once per
// event.
package main

import (
	"fmt"
	"os"

	client "github.com/kubefuncs/kubefuncs/clients/go"
)

func main() {
	if err := client.Run(client.HandlerFunc(handle)); err != nil {
		fmt.Fprintf(os.Stderr, "{{name}}: %v\n", err)
		os.Exit(client.ExitCode(err)) // 2 for a bad setting
	}
}

func handle(ev *client.Message) error {
	return ev.Respond(&client.HTTPResponse{Body: []byte("hello from {{name}}\n")})
}
