package kubefuncs

import "google.golang.org/protobuf/proto"

// HandlerTester runs a Handler in memory, without NSQ, under the answering rules of a deployed
// function: the Go counterpart of the Java SDK's HandlerTester, for unit tests of a function.
//
//	pong := kubefuncs.NewHandlerTester(kubefuncs.HandlerFunc(handle))
//	resp, err := pong.HTTP("GET", "/test/hello", nil, nil)
type HandlerTester struct {
	handler Handler
}

// testerReturnTopic is the return topic of the tester's calls; nothing is published to it.
const testerReturnTopic = "rpc-tester#ephemeral"

// NewHandlerTester returns a tester of h.
func NewHandlerTester(h Handler) *HandlerTester {
	return &HandlerTester{handler: h}
}

// Call sends payload to the handler as Client.Call sends it to a function, with a return topic,
// and returns what Call would: the handler's answer (Empty when it gave none), or a
// *FunctionError when it failed or panicked.
func (t *HandlerTester) Call(topic string, payload proto.Message) (*Message, error) {
	ev, err := NewEvent(topic, payload)
	if err != nil {
		return nil, err
	}
	ev.Return = testerReturnTopic
	// The handler's error is in the answer, as Error: a caller sees nothing else.
	answer, _ := Answer(t.handler, ev)
	if err := functionError(topic, answer); err != nil {
		return nil, err
	}
	return &Message{event: answer, attempts: 1}, nil
}

// HTTP sends an HTTP request as the gateway does (headers and body may be nil) and returns the
// handler's HTTP answer, or a *FunctionError when it failed or panicked.
func (t *HandlerTester) HTTP(method, url string, headers map[string]string, body []byte) (*HTTPResponse, error) {
	answer, err := t.Call("test", &HTTPRequest{Method: method, Url: url, Headers: headers, Body: body})
	if err != nil {
		return nil, err
	}
	resp := &HTTPResponse{}
	if err := answer.Payload(resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// Emit sends payload fire-and-forget, as Client.Emit does, and returns the handler's error (a
// panic is one); a deployed function would retry the event, then dead-letter it.
func (t *HandlerTester) Emit(topic string, payload proto.Message) error {
	ev, err := NewEvent(topic, payload)
	if err != nil {
		return err
	}
	_, err = Answer(t.handler, ev)
	return err
}
