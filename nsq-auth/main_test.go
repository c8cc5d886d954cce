package main

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain doubles as the program: with NSQ_AUTH_TEST_MAIN set, the test binary is nsq-auth, so
// that the tests can send it a real SIGTERM.
func TestMain(m *testing.M) {
	if os.Getenv("NSQ_AUTH_TEST_MAIN") != "" {
		main()
	}
	os.Exit(m.Run())
}

func writeConfig(t *testing.T, config string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBadFlagsAndConfigExitTwoWithOneLine(t *testing.T) {
	bad := writeConfig(t, `{"identities": []}`)
	cases := map[string][]string{
		"nsq-auth: --config " + bad + ": identities is empty: nobody could connect\n":    {"--config", bad},
		"nsq-auth: --config: open /nonexistent/config.json: no such file or directory\n": {"--config", "/nonexistent/config.json"},
		"nsq-auth: unexpected argument \"serve\"\n":                                      {"serve"},
		"nsq-auth: --listen-addr: listen tcp: address 99999: invalid port\n":             {"--config", writeConfig(t, sample), "--listen-addr", "127.0.0.1:99999"},
	}
	for want, args := range cases {
		var out strings.Builder
		if code := run(context.Background(), args, &out); code != 2 || out.String() != want {
			t.Errorf("%v: exit %d, output %q; want 2, %q", args, code, out.String(), want)
		}
	}
	var out strings.Builder
	if code := run(context.Background(), []string{"--port", "1"}, &out); code != 2 || !strings.Contains(out.String(), "flag provided but not defined: -port") {
		t.Errorf("unknown flag: exit %d, %q", code, out.String())
	}
}

var servingLine = regexp.MustCompile(`serving 2 identities on (\S+)`)

func TestServesUntilSigterm(t *testing.T) {
	cmd := exec.Command(os.Args[0], "--listen-addr", "127.0.0.1:0", "--config", writeConfig(t, sample))
	cmd.Env = append(os.Environ(), "NSQ_AUTH_TEST_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var addr string
	select {
	case line := <-lines:
		m := servingLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("first line %q", line)
		}
		addr = m[1]
	case <-time.After(10 * time.Second):
		t.Fatal("nsq-auth did not say where it serves within 10 s")
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Errorf("exit code %d after SIGTERM, want 0", exit.ExitCode())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nsq-auth still runs 10 s after SIGTERM")
	}
	var rest []string
	for line := range lines {
		rest = append(rest, line)
	}
	if len(rest) != 1 || !strings.HasSuffix(rest[0], "nsq-auth: stopped") {
		t.Errorf("lines after SIGTERM: %q", rest)
	}
}
