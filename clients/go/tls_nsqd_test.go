package kubefuncs_test

import (
	"io"
	"log"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	client "github.com/kubefuncs/kubefuncs/clients/go"
	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

// The TLS and AUTH tests set the client's settings in the environment, as the function chart
// does, so they do not run in parallel.

func setEnv(t *testing.T, env ...string) {
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// emitError is what Emit of an event to topic on nsqd returns.
func emitError(t *testing.T, nsqd *nsqtest.Process, topic string, opts ...client.Option) error {
	t.Helper()
	c := newClient(t, prometheus.NewRegistry(), append([]client.Option{client.WithNsqdURL(nsqd.TCPAddr)}, opts...)...)
	ev, err := client.NewEvent(topic, &client.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	return c.Emit(ctxTimeout(t, 10*time.Second), ev)
}

func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

// callPong calls the test function on topic through nsqd and checks its answer.
func callPong(t *testing.T, c *client.Client, topic string) {
	t.Helper()
	ev, err := client.NewEvent(topic, &client.HTTPRequest{Url: "/ping", Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	answer, err := c.Call(ctxTimeout(t, 15*time.Second), ev)
	if err != nil {
		t.Fatalf("call to %s: %v", topic, err)
	}
	resp := &client.HTTPResponse{}
	if err := answer.Payload(resp); err != nil || string(resp.Body) != "pong\n" {
		t.Fatalf("answer %q, %v; want pong", resp.Body, err)
	}
}

func TestPlainClientIsRefusedByNsqdThatRequiresTLS(t *testing.T) {
	pki := nsqtest.NewPKI(t)
	nsqd := nsqtest.StartNsqd(t, nil, pki.NsqdFlags("true")...)
	wantError(t, emitError(t, nsqd, "orders"), "TLS required", "set NSQ_TLS=true")
}

func TestFunctionAnswersOverTLSWithClientCertificates(t *testing.T) {
	pki := nsqtest.NewPKI(t)
	nsqd := nsqtest.StartNsqd(t, nil, append(pki.NsqdFlags("tcp-https"), "--tls-client-auth-policy=require-verify")...)
	env := []string{"NSQ_TLS=true", "NSQ_TLS_CA_FILE=" + pki.CAFile, "NSQ_TLS_CERT_FILE=" + pki.ClientCert, "NSQ_TLS_KEY_FILE=" + pki.ClientKey}
	fn := startFunction(t, append(append(nsqdEnv(nsqd), env...), "TOPIC=pong-tls")...)
	// Ready: its own SUB, which confirms the topic and channel exist, went over TLS too.
	awaitHealthy(t, "http://"+receive(t, fn.healthz, 10*time.Second, "the function's health server"), "the function")
	setEnv(t, env...)
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr))
	callPong(t, c, "pong-tls")

	// Every connection nsqd has, the function's and the caller's, is TLS with the client certificate.
	for _, topic := range []string{"pong-tls", c.ReturnTopic()} {
		ts := nsqd.Topic(t, topic)
		if ts == nil || len(ts.Channels) == 0 || len(ts.Channels[0].Clients) == 0 {
			t.Fatalf("nsqd has no consumer of %s: %+v", topic, ts)
		}
		for _, cl := range ts.Channels[0].Clients {
			if !cl.TLS {
				t.Errorf("consumer %s of %s is not on TLS", cl.ClientID, topic)
			}
		}
	}

	// Without the client certificate, nsqd (require-verify) refuses the connection.
	t.Setenv("NSQ_TLS_CERT_FILE", "")
	t.Setenv("NSQ_TLS_KEY_FILE", "")
	wantError(t, emitError(t, nsqd, "pong-tls"), "refused the TLS connection", "set NSQ_TLS_CERT_FILE and NSQ_TLS_KEY_FILE")
}

func TestNsqdWithACertificateOfAnotherCAIsRefused(t *testing.T) {
	pki := nsqtest.NewPKI(t)
	nsqd := nsqtest.StartNsqd(t, nil, pki.NsqdFlags("tcp-https")...)
	setEnv(t, "NSQ_TLS=true", "NSQ_TLS_CA_FILE="+pki.OtherCAFile)
	wantError(t, emitError(t, nsqd, "orders"), "nsqd "+nsqd.TCPAddr+": its certificate is not signed by a CA in NSQ_TLS_CA_FILE")
	// The same from the consumer's side, which logs it and keeps trying.
	logs := &logLines{}
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithLogger(logs.logger(t)))
	if _, err := c.On("orders", "default", client.HandlerFunc(func(*client.Message) error { return nil })); err != nil {
		t.Fatal(err)
	}
	logs.await(t, "cannot subscribe to orders on nsqd "+nsqd.TCPAddr+": nsqd "+nsqd.TCPAddr+": its certificate is not signed by a CA in NSQ_TLS_CA_FILE")
}

func TestServerNameIsVerified(t *testing.T) {
	pki := nsqtest.NewPKI(t)
	nsqd := nsqtest.StartNsqd(t, nil, pki.NsqdFlags("tcp-https")...)
	setEnv(t, "NSQ_TLS=true", "NSQ_TLS_CA_FILE="+pki.CAFile, "NSQ_TLS_SERVER_NAME=nsqd.kubefuncs.svc")
	wantError(t, emitError(t, nsqd, "orders"), "its certificate is not valid for the name nsqd.kubefuncs.svc", "set NSQ_TLS_SERVER_NAME")
	// A name the certificate carries, other than the address connected to, passes.
	t.Setenv("NSQ_TLS_SERVER_NAME", "localhost")
	if err := emitError(t, nsqd, "orders"); err != nil {
		t.Fatalf("with NSQ_TLS_SERVER_NAME=localhost: %v", err)
	}
	// Without NSQ_TLS_SERVER_NAME, the host connected to is the name.
	t.Setenv("NSQ_TLS_SERVER_NAME", "")
	port := nsqd.TCPAddr[strings.LastIndex(nsqd.TCPAddr, ":"):]
	if err := emitError(t, nsqd, "orders", client.WithNsqdURL("localhost"+port)); err != nil {
		t.Fatalf("to localhost%s: %v", port, err)
	}
}

func TestNsqdWithoutTLSIsRefusedWhenTLSIsOn(t *testing.T) {
	nsqd := nsqtest.StartNsqd(t, nil)
	setEnv(t, "NSQ_TLS=true")
	wantError(t, emitError(t, nsqd, "orders"), "nsqd "+nsqd.TCPAddr+" does not offer TLS, and NSQ_TLS is true")
	if nsqd.Topic(t, "orders") != nil {
		t.Error("the event reached nsqd in plain text")
	}
}

func TestAuthGrantsOneTopicAndDeniesAnother(t *testing.T) {
	auth := nsqtest.StartAuth(t, "s3cret", `^(granted|rpc-.*)$`)
	nsqd := nsqtest.StartNsqd(t, nil, "--auth-http-address="+auth)
	fn := startFunction(t, append(nsqdEnv(nsqd), "NSQ_AUTH_SECRET=s3cret", "TOPIC=granted")...)
	// Ready: its own SUB, which confirms the topic and channel exist, passed AUTH too.
	awaitHealthy(t, "http://"+receive(t, fn.healthz, 10*time.Second, "the function's health server"), "the function")

	// No secret, or a wrong one: the client says which setting.
	wantError(t, emitError(t, nsqd, "granted"), "Auth Required", "set NSQ_AUTH_SECRET")
	t.Setenv("NSQ_AUTH_SECRET", "wrong")
	wantError(t, emitError(t, nsqd, "granted"), "E_AUTH_FAILED", "refused NSQ_AUTH_SECRET")

	t.Setenv("NSQ_AUTH_SECRET", "s3cret")
	logs := &logLines{}
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithLogger(logs.logger(t)))
	callPong(t, c, "granted")

	ev, err := client.NewEvent("denied", &client.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, c.Emit(ctxTimeout(t, 10*time.Second), ev), "publish to denied", "E_UNAUTHORIZED",
		"does not grant this topic to the identity of NSQ_AUTH_SECRET")
	if _, err := c.On("denied", "default", client.HandlerFunc(func(*client.Message) error { return nil })); err != nil {
		t.Fatal(err)
	}
	logs.await(t, `E_UNAUTHORIZED AUTH failed for SUB on "denied" "default": the auth server`)

	// The denied topic changes nothing for the granted one.
	callPong(t, c, "granted")
	if strings.Contains(fn.Output(), "E_") {
		t.Errorf("the function logged an nsqd error:\n%s", fn.Output())
	}
}

func TestSecretForNsqdWithoutAuthIsAWarning(t *testing.T) {
	nsqd := nsqtest.StartNsqd(t, nil)
	setEnv(t, "NSQ_AUTH_SECRET=s3cret")
	logs := &logLines{}
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithLogger(logs.logger(t)))
	ev, err := client.NewEvent("orders", &client.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := c.Emit(ctxTimeout(t, 10*time.Second), ev); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := c.On("orders", "default", client.HandlerFunc(func(*client.Message) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	warning := "NSQ_AUTH_SECRET is set, but nsqd " + nsqd.TCPAddr + " does not ask for AUTH"
	if n := strings.Count(logs.String(), warning); n != 1 {
		t.Errorf("warned %d times, want once:\n%s", n, logs.String())
	}
}

// logLines is a client's log, kept for assertions and shown in the test's log.
type logLines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logLines) logger(t testing.TB) *log.Logger {
	return log.New(io.MultiWriter(l, testLogger(t).Writer()), "", log.Lmicroseconds)
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logLines) await(t *testing.T, line string) {
	t.Helper()
	nsqtest.Eventually(t, 15*time.Second, "a log line with "+line, func() bool { return strings.Contains(l.String(), line) })
}
