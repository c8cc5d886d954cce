// Package nsqtest starts the real nsqd and nsqlookupd (NSQ v1.3.0, built by scripts/install-nsq
// into .tools/nsq/bin, or found in $KUBEFUNCS_NSQ_BIN) on 127.0.0.1 with ports the kernel picks,
// for the client's integration tests.
package nsqtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is a running nsqd or nsqlookupd.
type Process struct {
	// TCPAddr is host:port of the TCP protocol port (clients for nsqd, nsqd for nsqlookupd).
	TCPAddr string
	// HTTPAddr is host:port of the HTTP API.
	HTTPAddr string

	name string
	args []string
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs bytes.Buffer
	exit chan struct{}
}

// RepoRoot is the repository root, found by walking up from the working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "scripts", "install-nsq")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no scripts/install-nsq above %s: run the tests inside the kubefuncs repository", dir)
		}
	}
}

// Binary is the path of an NSQ program; the test fails, saying how to get it, when it is missing.
func Binary(t testing.TB, name string) string {
	t.Helper()
	dir := os.Getenv("KUBEFUNCS_NSQ_BIN")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), ".tools", "nsq", "bin")
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s not found at %s: build NSQ v1.3.0 with scripts/install-nsq, or set KUBEFUNCS_NSQ_BIN to a directory holding nsqd and nsqlookupd", name, path)
	}
	return path
}

// StartLookupd starts nsqlookupd; the test stops it.
func StartLookupd(t testing.TB) *Process {
	t.Helper()
	return start(t, "nsqlookupd", "--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0", "--broadcast-address=127.0.0.1")
}

// StartNsqd starts nsqd with a fresh data directory, registered with the given nsqlookupds, and
// extra flags (for example --msg-timeout=1s); the test stops it.
func StartNsqd(t testing.TB, lookupds []*Process, flags ...string) *Process {
	t.Helper()
	args := []string{"--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0", "--broadcast-address=127.0.0.1",
		"--data-path=" + t.TempDir()}
	for _, l := range lookupds {
		args = append(args, "--lookupd-tcp-address="+l.TCPAddr)
	}
	return start(t, "nsqd", append(args, flags...)...)
}

var listening = regexp.MustCompile(`(TCP|HTTP): listening on (\S+)`)

func start(t testing.TB, name string, args ...string) *Process {
	t.Helper()
	p := &Process{name: name, args: args, cmd: exec.Command(Binary(t, name), args...), exit: make(chan struct{})}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	addrs := make(chan [2]string, 2)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listening.FindStringSubmatch(line); m != nil {
				addrs <- [2]string{m[1], m[2]}
			}
		}
		_ = p.cmd.Wait()
		close(p.exit)
	}()
	t.Cleanup(func() { p.Stop(t) })
	deadline := time.After(15 * time.Second)
	for p.TCPAddr == "" || p.HTTPAddr == "" {
		select {
		case a := <-addrs:
			if a[0] == "TCP" {
				p.TCPAddr = a[1]
			} else {
				p.HTTPAddr = a[1]
			}
		case <-p.exit:
			t.Fatalf("%s exited at start:\n%s", name, p.Logs())
		case <-deadline:
			t.Fatalf("%s did not report its ports within 15 s:\n%s", name, p.Logs())
		}
	}
	Eventually(t, 10*time.Second, name+" answers /ping", func() bool {
		resp, err := http.Get("http://" + p.HTTPAddr + "/ping")
		if err != nil {
			return false
		}
		resp.Body.Close()
		// nsqd with --tls-required=true refuses plain HTTP, with 403.
		return resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusForbidden
	})
	return p
}

// Logs is what the process printed so far.
func (p *Process) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// Stop ends the process (SIGTERM, then SIGKILL after 5 s); stopping twice is harmless.
func (p *Process) Stop(t testing.TB) {
	select {
	case <-p.exit:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exit:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exit
	}
}

// DataPath is nsqd's --data-path.
func (p *Process) DataPath() string {
	for _, a := range p.args {
		if v, ok := strings.CutPrefix(a, "--data-path="); ok {
			return v
		}
	}
	return ""
}

// Kill ends the process with SIGKILL, as a crash would: nsqd keeps nothing of what it held in
// memory. It returns once the process has exited.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.exit
}

// Restart starts the program again, stopping it first if it still runs, with the same flags,
// data directory and ports, so that clients reconnect to the same addresses; the test stops it.
func (p *Process) Restart(t testing.TB) *Process {
	t.Helper()
	p.Stop(t)
	args := make([]string, len(p.args))
	for i, a := range p.args {
		switch {
		case strings.HasPrefix(a, "--tcp-address="):
			args[i] = "--tcp-address=" + p.TCPAddr
		case strings.HasPrefix(a, "--http-address="):
			args[i] = "--http-address=" + p.HTTPAddr
		default:
			args[i] = a
		}
	}
	return start(t, p.name, args...)
}

// Eventually polls cond every 20 ms until it holds, failing the test after timeout.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Post sends an HTTP POST to the process's API and fails the test unless it answers 200.
func (p *Process) Post(t testing.TB, path string, body []byte) {
	t.Helper()
	resp, err := http.Post("http://"+p.HTTPAddr+path, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST %s: HTTP %d: %s", path, resp.StatusCode, b)
	}
}

// Publish publishes body to topic through nsqd's HTTP API.
func (p *Process) Publish(t testing.TB, topic string, body []byte) {
	t.Helper()
	p.Post(t, "/pub?topic="+url.QueryEscape(topic), body)
}

// CreateTopic creates topic on nsqd (and so registers it with nsqlookupd).
func (p *Process) CreateTopic(t testing.TB, topic string) {
	t.Helper()
	p.Post(t, "/topic/create?topic="+url.QueryEscape(topic), nil)
}

// ChannelStats is nsqd's view of one channel.
type ChannelStats struct {
	Name          string `json:"channel_name"`
	Depth         int64  `json:"depth"`
	InFlightCount int64  `json:"in_flight_count"`
	DeferredCount int64  `json:"deferred_count"`
	MessageCount  int64  `json:"message_count"`
	RequeueCount  int64  `json:"requeue_count"`
	TimeoutCount  int64  `json:"timeout_count"`
	Clients       []struct {
		ClientID      string `json:"client_id"`
		TLS           bool   `json:"tls"`
		Authed        bool   `json:"authed"`
		FinishCount   int64  `json:"finish_count"`
		RequeueCount  int64  `json:"requeue_count"`
		InFlightCount int64  `json:"in_flight_count"`
	} `json:"clients"`
}

// TopicStats is nsqd's view of one topic.
type TopicStats struct {
	Name         string         `json:"topic_name"`
	Depth        int64          `json:"depth"`
	MessageCount int64          `json:"message_count"`
	Channels     []ChannelStats `json:"channels"`
}

// Topic returns nsqd's stats of topic, or nil when nsqd does not have it.
func (p *Process) Topic(t testing.TB, topic string) *TopicStats {
	t.Helper()
	resp, err := http.Get("http://" + p.HTTPAddr + "/stats?format=json&topic=" + url.QueryEscape(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats struct {
		Topics []TopicStats `json:"topics"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatal(err)
	}
	for i := range stats.Topics {
		if stats.Topics[i].Name == topic {
			return &stats.Topics[i]
		}
	}
	return nil
}

// Channel returns nsqd's stats of topic/channel, or nil.
func (p *Process) Channel(t testing.TB, topic, channel string) *ChannelStats {
	t.Helper()
	ts := p.Topic(t, topic)
	if ts == nil {
		return nil
	}
	for i := range ts.Channels {
		if ts.Channels[i].Name == channel {
			return &ts.Channels[i]
		}
	}
	return nil
}

// Nodes is the number of nsqds a nsqlookupd knows.
func (p *Process) Nodes(t testing.TB) int {
	t.Helper()
	resp, err := http.Get("http://" + p.HTTPAddr + "/nodes")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var nodes struct {
		Producers []json.RawMessage `json:"producers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&nodes); err != nil {
		t.Fatal(err)
	}
	return len(nodes.Producers)
}

// LookupProducers is the number of nsqds a nsqlookupd lists for topic.
func (p *Process) LookupProducers(t testing.TB, topic string) int {
	t.Helper()
	resp, err := http.Get("http://" + p.HTTPAddr + "/lookup?topic=" + url.QueryEscape(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return 0
	}
	var answer struct {
		Producers []json.RawMessage `json:"producers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatal(err)
	}
	return len(answer.Producers)
}

// String names the process for messages.
func (p *Process) String() string {
	return fmt.Sprintf("%s (tcp %s, http %s)", filepath.Base(p.cmd.Path), p.TCPAddr, p.HTTPAddr)
}

// HasLine reports whether the process logged a line containing s.
func (p *Process) HasLine(s string) bool { return strings.Contains(p.Logs(), s) }
