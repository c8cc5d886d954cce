// Package kubefuncs is the Go client library of Kubefuncs: lightweight functions on Kubernetes
// over NSQ. It has the API of the original kubefuncs Go client, and is wire-compatible with the
// Java SDK and the gateway of this project.
//
// A function is a program that hands a Handler to Run:
//
//	import client "github.com/kubefuncs/kubefuncs/clients/go"
//
//	func main() {
//		err := client.Run(client.HandlerFunc(func(ev *client.Message) error {
//			return ev.Respond(&client.HTTPResponse{Body: []byte("pong\n")})
//		}))
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(client.ExitCode(err)) // 2 for a bad setting, 1 for any other failure
//		}
//	}
//
// Run reads its settings from the environment (TOPIC, CHANNEL, NSQ_NSQD_ADDR, NSQ_NSQD_PORT,
// NSQ_LOOKUPD_ADDR, NSQ_LOOKUPD_PORT, HEALTHZ_ADDR, KUBEFUNCS_*, and NSQ_TLS* and
// NSQ_AUTH_SECRET for TLS and AUTH to nsqd), serves /healthz and /metrics, consumes its topic
// until SIGTERM or SIGINT, drains, and returns nil. It never ends the process itself: a bad setting
// is returned, as an error naming it, and main chooses the exit code (ExitCode: 2).
//
// Other programs (a gateway, a function that calls other functions) use a Client: Emit publishes
// an event, Call publishes one and waits for its answer, On subscribes a handler.
//
// Delivery rules, shared with the Java SDK: an event with a return topic is always answered
// exactly once, with the handler's response, or Empty when the handler returned without one, or
// Error when it failed; the event is finished once nsqd has acknowledged the answer. A failed
// fire-and-forget event is retried after 1s, 2s, 4s, ... (at most a minute) and, after the last
// attempt, published to the dead-letter topic as a DeadLetter; so is a body that is not an Event.
// Handlers that run long are kept from redelivery by TOUCH, up to the handler timeout.
package kubefuncs
