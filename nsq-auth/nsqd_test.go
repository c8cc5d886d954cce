package main

import (
	"bufio"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	nsq "github.com/nsqio/go-nsq"
)

// startNsqd starts the real nsqd (NSQ v1.3.0: $KUBEFUNCS_NSQ_BIN, else the repository's
// .tools/nsq/bin, which scripts/install-nsq fills) on 127.0.0.1 with ports the kernel picks, and
// returns its TCP address.
func startNsqd(t *testing.T, flags ...string) string {
	t.Helper()
	dir := os.Getenv("KUBEFUNCS_NSQ_BIN")
	if dir == "" {
		dir = filepath.Join("..", ".tools", "nsq", "bin")
	}
	bin := filepath.Join(dir, "nsqd")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("nsqd not found at %s: build NSQ v1.3.0 with scripts/install-nsq, or set KUBEFUNCS_NSQ_BIN", bin)
	}
	cmd := exec.Command(bin, append([]string{"--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0",
		"--broadcast-address=127.0.0.1", "--data-path=" + t.TempDir()}, flags...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	tcp := make(chan string, 1)
	go func() {
		listening := regexp.MustCompile(`TCP: listening on (\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				tcp <- m[1]
			}
		}
	}()
	select {
	case addr := <-tcp:
		return addr
	case <-time.After(15 * time.Second):
		t.Fatal("nsqd did not report its TCP port within 15 s")
		return ""
	}
}

func nsqConfig(secret string) *nsq.Config {
	cfg := nsq.NewConfig()
	cfg.AuthSecret = secret
	return cfg
}

// lines is a go-nsq logger that sends its lines to a channel (dropping them when it is full).
type lines chan string

func (l lines) Output(_ int, s string) error {
	select {
	case l <- s:
	default:
	}
	return nil
}

type testLog struct{ t *testing.T }

func (l testLog) Output(_ int, s string) error {
	l.t.Log(s)
	return nil
}

// TestNsqdGrantsWhatTheConfigSays runs the handler as nsqd's --auth-http-address, with the
// configuration of the function chart's kind: functions may use orders and their return
// topics; nothing may touch payroll.
func TestNsqdGrantsWhatTheConfigSays(t *testing.T) {
	c, err := parseConfig([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(c, log.New(io.Discard, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	auth := httptest.NewServer(h) // 127.0.0.1
	t.Cleanup(auth.Close)
	nsqd := startNsqd(t, "--auth-http-address="+strings.TrimPrefix(auth.URL, "http://"))

	producer, err := nsq.NewProducer(nsqd, nsqConfig("f-secret"))
	if err != nil {
		t.Fatal(err)
	}
	producer.SetLogger(testLog{t}, nsq.LogLevelError)
	t.Cleanup(producer.Stop)
	if err := producer.Publish("orders", []byte("order 1")); err != nil {
		t.Fatalf("publish to orders, granted: %v", err)
	}
	// reader may subscribe to orders on audit only, and may not publish.
	got := make(chan string, 1)
	consumer, err := nsq.NewConsumer("orders", "audit", nsqConfig("r-secret"))
	if err != nil {
		t.Fatal(err)
	}
	consumer.SetLogger(testLog{t}, nsq.LogLevelError)
	consumer.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		got <- string(m.Body)
		return nil
	}))
	if err := consumer.ConnectToNSQD(nsqd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(consumer.Stop)
	select {
	case body := <-got:
		if body != "order 1" {
			t.Errorf("reader got %q", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reader got nothing from orders/audit in 10 s")
	}
	// nsqd closes the connection after this refusal: the last publish of this producer.
	var refused nsq.ErrProtocol
	if err := producer.Publish("payroll", []byte("pay")); !errors.As(err, &refused) || !strings.HasPrefix(refused.Reason, "E_UNAUTHORIZED") {
		t.Fatalf("publish to payroll: %v, want E_UNAUTHORIZED", err)
	}
	reader, err := nsq.NewProducer(nsqd, nsqConfig("r-secret"))
	if err != nil {
		t.Fatal(err)
	}
	reader.SetLogger(testLog{t}, nsq.LogLevelError)
	t.Cleanup(reader.Stop)
	if err := reader.Publish("orders", []byte("forged")); !errors.As(err, &refused) || !strings.HasPrefix(refused.Reason, "E_UNAUTHORIZED") {
		t.Errorf("reader publishing to orders: %v, want E_UNAUTHORIZED", err)
	}

	// Subscribing is refused too where not granted: nsqd answers SUB with an error, which
	// go-nsq logs.
	denied := make(chan string, 10)
	spy, err := nsq.NewConsumer("orders", "billing", nsqConfig("r-secret"))
	if err != nil {
		t.Fatal(err)
	}
	spy.SetLogger(lines(denied), nsq.LogLevelError)
	spy.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		t.Errorf("reader got %q on orders/billing", m.Body)
		return nil
	}))
	if err := spy.ConnectToNSQD(nsqd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(spy.Stop)
	want := `E_UNAUTHORIZED AUTH failed for SUB on "orders" "billing"`
	for deadline := time.After(10 * time.Second); ; {
		select {
		case line := <-denied:
			if !strings.Contains(line, want) {
				continue
			}
		case <-deadline:
			t.Fatalf("no %s within 10 s", want)
		}
		break
	}

	// An unknown secret gets no connection at all.
	stranger, err := nsq.NewProducer(nsqd, nsqConfig("guess"))
	if err != nil {
		t.Fatal(err)
	}
	stranger.SetLogger(testLog{t}, nsq.LogLevelError)
	t.Cleanup(stranger.Stop)
	if err := stranger.Publish("orders", []byte("x")); err == nil || !strings.Contains(err.Error(), "E_AUTH_FAILED") {
		t.Errorf("unknown secret: %v, want E_AUTH_FAILED", err)
	}
}
