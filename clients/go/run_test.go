package kubefuncs_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	client "github.com/kubefuncs/kubefuncs/clients/go"
	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

// TestMain doubles as a function program: with KUBEFUNCS_TEST_FUNCTION set, the test binary runs
// client.Run, so the tests can check exit codes, signals and /healthz of a real process.
func TestMain(m *testing.M) {
	if os.Getenv("KUBEFUNCS_TEST_FUNCTION") == "" {
		os.Exit(m.Run())
	}
	release := os.Getenv("KUBEFUNCS_TEST_RELEASE")
	err := client.Run(client.HandlerFunc(func(ev *client.Message) error {
		req := &client.HTTPRequest{}
		if err := ev.Payload(req); err != nil {
			return err
		}
		if req.Url == "/block" {
			// Held until the test creates the release file.
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if _, err := os.Stat(release); err == nil {
					return ev.Respond(&client.HTTPResponse{Body: []byte("released\n")})
				}
			}
			return errors.New("never released")
		}
		return ev.Respond(&client.HTTPResponse{Body: []byte("pong\n")})
	}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(client.ExitCode(err))
}

// functionProcess is the test binary running client.Run.
type functionProcess struct {
	cmd      *exec.Cmd
	mu       sync.Mutex
	output   strings.Builder
	healthz  chan string
	exited   chan struct{}
	exitCode int
}

var healthLine = regexp.MustCompile(`/healthz and /metrics on (\S+)`)

func startFunction(t *testing.T, env ...string) *functionProcess {
	t.Helper()
	p := &functionProcess{cmd: exec.Command(os.Args[0], "-test.run=^$"), healthz: make(chan string, 1), exited: make(chan struct{})}
	base := []string{"KUBEFUNCS_TEST_FUNCTION=1", "NSQ_LOOKUPD_ADDR=", "HEALTHZ_ADDR=127.0.0.1:0", "KUBEFUNCS_CLIENT_ID=test-function"}
	p.cmd.Env = append(append(os.Environ(), base...), env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.output.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := healthLine.FindStringSubmatch(sc.Text()); m != nil {
				p.healthz <- m[1]
			}
		}
		err := p.cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			p.exitCode = exit.ExitCode()
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("function output:\n%s", p.Output())
		}
	})
	return p
}

func (p *functionProcess) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

func (p *functionProcess) waitExit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	receive(t, p.exited, timeout, "the function to exit")
	return p.exitCode
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func nsqdEnv(nsqd *nsqtest.Process) []string {
	host, port, _ := strings.Cut(nsqd.TCPAddr, ":")
	return []string{"NSQ_NSQD_ADDR=" + host, "NSQ_NSQD_PORT=" + port}
}

func TestRunServesHealthAndMetricsAndDrainsOnSigterm(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	release := filepath.Join(t.TempDir(), "release")
	fn := startFunction(t, append(nsqdEnv(nsqd), "TOPIC=fn", "KUBEFUNCS_TEST_RELEASE="+release)...)
	health := "http://" + receive(t, fn.healthz, 10*time.Second, "the health server")
	nsqtest.Eventually(t, 10*time.Second, "/healthz 200", func() bool {
		code, body := get(t, health+"/healthz")
		return code == 200 && body == "serving\n"
	})

	caller := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr))
	call := func(url string) (string, error) {
		ev, _ := client.NewEvent("fn", &client.HTTPRequest{Url: url})
		answer, err := caller.Call(ctxTimeout(t, 20*time.Second), ev)
		if err != nil {
			return "", err
		}
		resp := &client.HTTPResponse{}
		err = answer.Payload(resp)
		return string(resp.Body), err
	}
	if body, err := call("/pong"); err != nil || body != "pong\n" {
		t.Fatalf("call: %q, %v", body, err)
	}

	// The function counts the event handled once nsqd has its answer, and the answer can reach the
	// caller first: wait for the counts.
	want := []string{
		`kubefuncs_messages_received_total{channel="default",topic="fn"} 1`,
		`kubefuncs_messages_handled_total{channel="default",outcome="ok",topic="fn"} 1`,
		`kubefuncs_handler_duration_seconds_count{channel="default",topic="fn"} 1`,
		`kubefuncs_messages_in_flight{channel="default",topic="fn"} 0`,
		`kubefuncs_publish_failures_total 0`,
		`# TYPE kubefuncs_handler_duration_seconds histogram`,
	}
	nsqtest.Eventually(t, 10*time.Second, "/metrics with "+strings.Join(want, ", "), func() bool {
		code, metrics := get(t, health+"/metrics")
		for _, line := range want {
			if code != 200 || !strings.Contains(metrics, line+"\n") {
				return false
			}
		}
		return true
	})
	if code, _ := get(t, health+"/other"); code != 404 {
		t.Errorf("/other: HTTP %d, want 404", code)
	}

	// An event in hand when SIGTERM comes is finished before the process exits 0.
	answered := make(chan string, 1)
	go func() {
		body, err := call("/block")
		if err != nil {
			body = err.Error()
		}
		answered <- body
	}()
	nsqtest.Eventually(t, 10*time.Second, "the handler to hold the event", func() bool {
		_, metrics := get(t, health+"/metrics")
		return strings.Contains(metrics, `kubefuncs_messages_in_flight{channel="default",topic="fn"} 1`+"\n")
	})
	if err := fn.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	nsqtest.Eventually(t, 5*time.Second, "/healthz 503 draining", func() bool {
		code, body := get(t, health+"/healthz")
		return code == 503 && body == "draining\n"
	})
	select {
	case <-fn.exited:
		t.Fatal("the function exited with an event in hand")
	default:
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if body := receive(t, answered, 10*time.Second, "the held call's answer"); body != "released\n" {
		t.Errorf("held call answered %q", body)
	}
	if code := fn.waitExit(t, 10*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	if !strings.Contains(fn.Output(), "draining: 1 events in hand") {
		t.Errorf("no drain line in the output:\n%s", fn.Output())
	}
}

func TestRunIsStartingUntilSubscribed(t *testing.T) {
	t.Parallel()
	// nsqlookupd never answers: the function cannot know its nsqds.
	fn := startFunction(t, "TOPIC=fn", "NSQ_LOOKUPD_ADDR=127.0.0.1", "NSQ_LOOKUPD_PORT=1")
	health := "http://" + receive(t, fn.healthz, 10*time.Second, "the health server")
	for i := 0; i < 3; i++ {
		if code, body := get(t, health+"/healthz"); code != 503 || body != "starting\n" {
			t.Fatalf("/healthz %d %q, want 503 starting", code, body)
		}
	}
	_ = fn.cmd.Process.Signal(syscall.SIGTERM)
	if code := fn.waitExit(t, 10*time.Second); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
}

// nsqlookupd answers but the function's own nsqd is down: the first discovery round is over, yet
// the subscription is not ready, since an event published to that nsqd would find no channel; it
// is once nsqd is back and has answered the SUB. As the Java SDK's FunctionHealthTest.
func TestNotReadyUntilItsOwnNsqdAnsweredTheSubscription(t *testing.T) {
	t.Parallel()
	lookupd := nsqtest.StartLookupd(t)
	nsqd := nsqtest.StartNsqd(t, []*nsqtest.Process{lookupd})
	nsqd.Stop(t)
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr), client.WithLookupdURL(lookupd.HTTPAddr))
	sub, err := c.On("own", "default", client.HandlerFunc(func(*client.Message) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-sub.Ready():
		t.Fatal("ready while its own nsqd is down")
	case <-time.After(1500 * time.Millisecond):
	}

	nsqd = nsqd.Restart(t)
	ready(t, sub)
	// Ready promises that the channel exists, so what is published from now on is kept for the
	// function. The consumer's own SUB is written by go-nsq without waiting for the answer, so
	// nsqd may list it as a client a moment later.
	if ch := nsqd.Channel(t, "own", "default"); ch == nil {
		t.Fatal("own/default does not exist on the function's own nsqd once ready")
	}
	nsqtest.Eventually(t, 10*time.Second, "the subscription is a client of own/default", func() bool {
		ch := nsqd.Channel(t, "own", "default")
		return ch != nil && len(ch.Clients) > 0
	})
}

// The connection answers go out on is dialled at start, not by the first answer, so the first
// event is not answered a handshake late. As the Java SDK's FunctionHealthTest.
func TestRunDialsTheConnectionOfItsAnswersAtStart(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	fn := startFunction(t, append(nsqdEnv(nsqd), "TOPIC=eager")...)
	health := "http://" + receive(t, fn.healthz, 10*time.Second, "the health server")
	nsqtest.Eventually(t, 10*time.Second, "/healthz 200", func() bool {
		code, _ := get(t, health+"/healthz")
		return code == 200
	})
	// nsqd lists a connection as a producer only once it published, so count the function's
	// connections to nsqd instead: the subscription's and the one its answers will go out on.
	nsqtest.Eventually(t, 10*time.Second, "two connections to nsqd, before anything was published", func() bool {
		return connectionsTo(t, fn.cmd.Process.Pid, nsqd.TCPAddr) == 2
	})
	_ = fn.cmd.Process.Signal(syscall.SIGTERM)
	if code := fn.waitExit(t, 10*time.Second); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
}

// connectionsTo counts the established TCP connections of process pid to addr (127.0.0.1:port),
// from its sockets in /proc/<pid>/fd and the kernel's table in /proc/<pid>/net/tcp.
func connectionsTo(t *testing.T, pid int, addr string) int {
	t.Helper()
	_, portText, _ := strings.Cut(addr, ":")
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatal(err)
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(target, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	table, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/tcp", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Columns: sl local_address rem_address st ... inode; addresses are hex ip:port, 01 is ESTABLISHED.
	remote := fmt.Sprintf(":%04X", port)
	n := 0
	for _, line := range strings.Split(string(table), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && strings.HasSuffix(f[2], remote) && f[3] == "01" && inodes[f[9]] {
			n++
		}
	}
	return n
}

func TestRunExitsTwoOnBadConfiguration(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"kubefuncs: bad configuration: TOPIC: is not set: name the NSQ topic this function consumes\n":  {"TOPIC="},
		"kubefuncs: bad configuration: NSQ_NSQD_PORT: must be a port number (1-65535), got 'abc'\n":     {"TOPIC=t", "NSQ_NSQD_PORT=abc"},
		"kubefuncs: bad configuration: KUBEFUNCS_DRAIN_TIMEOUT: must be a positive duration like 30s, ": {"TOPIC=t", "KUBEFUNCS_DRAIN_TIMEOUT=soon"},
		"kubefuncs: bad configuration: NSQ_TLS_CA_FILE: cannot read /nonexistent/ca.crt: no such file or directory\n": {
			"TOPIC=t", "NSQ_TLS=true", "NSQ_TLS_CA_FILE=/nonexistent/ca.crt"},
	}
	for want, env := range cases {
		fn := startFunction(t, env...)
		if code := fn.waitExit(t, 10*time.Second); code != 2 {
			t.Errorf("%v: exit code %d, want 2", env, code)
		}
		out := fn.Output()
		if !strings.HasPrefix(out, want) || strings.Count(out, "\n") != 1 {
			t.Errorf("%v: output %q, want one line starting %q", env, out, want)
		}
	}
	// A port that is taken is a configuration error too.
	nsqd := nsqtest.StartNsqd(t, nil)
	fn := startFunction(t, append(nsqdEnv(nsqd), "TOPIC=t", "HEALTHZ_ADDR="+nsqd.HTTPAddr)...)
	if code := fn.waitExit(t, 10*time.Second); code != 2 || !strings.Contains(fn.Output(), "HEALTHZ_ADDR: cannot listen on "+nsqd.HTTPAddr) {
		t.Errorf("taken HEALTHZ_ADDR: exit %d, output %q", code, fn.Output())
	}
}
