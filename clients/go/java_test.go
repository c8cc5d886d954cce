package kubefuncs_test

import (
	"bufio"
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

// These tests run the Java side (jars the Maven build packages) against the Go client over real
// nsqd. A missing jar skips them, except under CI=true, where it fails.

// A Go caller calls the Java pong function (examples/pong): the Java SDK decodes the Go event
// and the Go client decodes the Java answer.
func TestGoCallerJavaFunction(t *testing.T) {
	t.Parallel()
	jar := builtJar(t, "examples/pong/target/pong.jar", "examples/pong")
	nsqd := nsqtest.StartNsqd(t, nil)
	// Older builds of the Java SDK print the port with a grouping separator (39,801).
	fn, port := startJava(t, regexp.MustCompile(`health on :([\d,]+)`),
		append(nsqdEnv(nsqd), "TOPIC=pong-java", "HEALTHZ_ADDR=127.0.0.1:0", "NSQ_LOOKUPD_ADDR="), "-jar", jar)
	health := "http://127.0.0.1:" + strings.ReplaceAll(port, ",", "")
	nsqtest.Eventually(t, 10*time.Second, "the Java function's /healthz 200", func() bool {
		code, _ := get(t, health+"/healthz")
		return code == 200
	})

	caller := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr))
	ev, err := client.NewEvent("pong-java", &client.HTTPRequest{
		Url: "/test/hello?x=1", Method: "GET", Headers: map[string]string{"Accept": "text/plain", "X-B": "2"},
		RemoteAddr: "10.0.0.1:1234", Body: []byte("ping \x00\xff ünïcödé 🐹"),
	})
	if err != nil {
		t.Fatal(err)
	}
	ev.Metadata = map[string]string{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
	answer, err := caller.Call(ctxTimeout(t, 20*time.Second), ev)
	if err != nil {
		t.Fatal(err)
	}
	resp := &client.HTTPResponse{}
	if err := answer.Payload(resp); err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "pong\n" || answer.ID() != ev.Id || answer.Topic() != caller.ReturnTopic() {
		t.Errorf("Java answered id %s on %s: %v", answer.ID(), answer.Topic(), resp)
	}
	// The Java function's connection is unbuffered: what could hold these is the Go return topic's.
	assertQuick(t, "a Go call to the Java pong", func() { call(t, caller, "pong-java") })

	// The Java SDK drains on SIGTERM and exits 0, as the Go one does.
	_ = fn.cmd.Process.Signal(syscall.SIGTERM)
	if err := receive(t, fn.exited, 30*time.Second, "the Java function to exit"); err != nil {
		t.Errorf("Java function exit: %v, want 0", err)
	}
}

// The getting-started flow with a Go function: HTTP -> the Java gateway -> real nsqd -> the Go pong
// of examples/go-pong (built from its own module) -> HTTP 200 "pong".
func TestJavaGatewayGoPongFunction(t *testing.T) {
	t.Parallel()
	jar := builtJar(t, "gateway/target/gateway.jar", "gateway")
	nsqd := nsqtest.StartNsqd(t, nil)

	pong := filepath.Join(t.TempDir(), "go-pong")
	build := exec.Command("go", "build", "-o", pong, ".")
	build.Dir = filepath.Join(nsqtest.RepoRoot(t), "examples", "go-pong")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building examples/go-pong: %v\n%s", err, out)
	}
	fn := startProgram(t, exec.Command(pong), regexp.MustCompile(`/healthz and /metrics on (\S+)`),
		append(nsqdEnv(nsqd), "TOPIC=test", "HEALTHZ_ADDR=127.0.0.1:0", "NSQ_LOOKUPD_ADDR="))
	nsqtest.Eventually(t, 10*time.Second, "go-pong's /healthz 200", func() bool {
		code, _ := get(t, "http://"+fn.match+"/healthz")
		return code == 200
	})

	routes := filepath.Join(t.TempDir(), "routes.yaml")
	if err := os.WriteFile(routes, []byte("routes:\n  /test/: test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gw, port := startJava(t, regexp.MustCompile(`gateway listening on \S*:(\d+)`), nil,
		"-jar", jar, "--listen-addr", "127.0.0.1:0", "--config", routes, "--nsqd-addr", nsqd.TCPAddr,
		"--nsqd-http-addr", nsqd.HTTPAddr, "--gateway-id", "e2e")
	gateway := "http://127.0.0.1:" + port
	nsqtest.Eventually(t, 10*time.Second, "the gateway's /healthz 200", func() bool {
		code, _ := get(t, gateway+"/healthz")
		return code == 200
	})

	code, body := get(t, gateway+"/test/hello")
	if code != 200 || body != "pong\n" {
		t.Errorf("GET /test/hello: HTTP %d %q, want 200 \"pong\\n\"", code, body)
	}
	resp, err := http.Post(gateway+"/test/orders?id=7", "application/json", strings.NewReader(`{"qty":2}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "pong\n" {
		t.Errorf("POST /test/orders: HTTP %d %q, want 200 \"pong\\n\"", resp.StatusCode, b)
	}
	if code, _ := get(t, gateway+"/nowhere"); code != 404 {
		t.Errorf("GET /nowhere: HTTP %d, want 404", code)
	}
	// The gateway's return topic is unbuffered: what could hold these is go-pong's connection.
	assertQuick(t, "GET /test/hello through the Java gateway to go-pong", func() {
		if code, body := get(t, gateway+"/test/hello"); code != 200 {
			t.Fatalf("GET /test/hello: HTTP %d %q", code, body)
		}
	})

	_ = fn.cmd.Process.Signal(syscall.SIGTERM)
	if err := receive(t, fn.exited, 30*time.Second, "go-pong to exit"); err != nil {
		t.Errorf("go-pong exit after SIGTERM: %v, want 0", err)
	}
	_ = gw.cmd.Process.Signal(syscall.SIGTERM)
}

// builtJar returns the absolute path of a jar the Maven build makes, or skips (fails under CI).
func builtJar(t *testing.T, rel, module string) string {
	t.Helper()
	jar := filepath.Join(nsqtest.RepoRoot(t), filepath.FromSlash(rel))
	if _, err := os.Stat(jar); err != nil {
		msg := jar + " is missing: build it with ./mvnw -B -ntp -pl " + module + " -am package -DskipTests (scripts/test does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return jar
}

// program is a process of a test; its output goes to the test log when the test fails.
type program struct {
	cmd    *exec.Cmd
	match  string
	exited chan error
	mu     sync.Mutex
	out    strings.Builder
}

// startJava runs java (21 or newer) with args and waits for a line matching want.
func startJava(t *testing.T, want *regexp.Regexp, env []string, args ...string) (*program, string) {
	t.Helper()
	p := startProgram(t, exec.Command(findJava(t), args...), want, env)
	return p, p.match
}

// startProgram starts cmd with env added and waits until its standard error has a line matching
// want; match is the line's first group.
func startProgram(t *testing.T, cmd *exec.Cmd, want *regexp.Regexp, env []string) *program {
	t.Helper()
	p := &program{cmd: cmd, exited: make(chan error, 1)}
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	matched := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := want.FindStringSubmatch(sc.Text()); m != nil && len(matched) == 0 {
				matched <- m[1]
			}
		}
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			p.mu.Lock()
			t.Logf("%s output:\n%s", filepath.Base(cmd.Path), p.out.String())
			p.mu.Unlock()
		}
	})
	select {
	case p.match = <-matched:
	case err := <-p.exited:
		p.exited <- err
		t.Fatalf("%s exited at start (%v)", filepath.Base(cmd.Path), err)
	case <-time.After(30 * time.Second):
		t.Fatalf("%s printed no line matching %s within 30 s", filepath.Base(cmd.Path), want)
	}
	return p
}

// findJava returns a java of version 21 or newer: $JAVA_HOME's, the PATH's, or one in the usual
// places (as scripts/jdk.sh looks); the test fails when there is none.
func findJava(t *testing.T) string {
	t.Helper()
	var candidates []string
	if home := os.Getenv("JAVA_HOME"); home != "" {
		candidates = append(candidates, filepath.Join(home, "bin", "java"))
	}
	if p, err := exec.LookPath("java"); err == nil {
		candidates = append(candidates, p)
	}
	for _, pattern := range []string{"/usr/lib/jvm/*/bin/java", "/opt/java/*/bin/java"} {
		found, _ := filepath.Glob(pattern)
		candidates = append(candidates, found...)
	}
	version := regexp.MustCompile(`version "(\d+)`)
	for _, java := range candidates {
		out, err := exec.Command(java, "-version").CombinedOutput()
		if m := version.FindSubmatch(out); err == nil && m != nil {
			if major, _ := strconv.Atoi(string(m[1])); major >= 21 {
				return java
			}
		}
	}
	t.Fatalf("no java 21 or newer to run the Java side (tried %v): set JAVA_HOME to a JDK 21 or newer", candidates)
	return ""
}
