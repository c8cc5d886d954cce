package kubefuncs_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

// A fresh install with real nsqd and nsqlookupd, the Java gateway, and a Go function (client.Run
// in a process of its own): the first request sent through the gateway the moment both report
// ready (/healthz 200) is answered within 2 s, whichever starts first, as in the Java SDK's
// FirstRequestTest. The function is ready only once its own nsqd has its topic and channel; the
// gateway creates its routes' topics on its nsqd, which registers them with nsqlookupd, so a
// function on another nsqd finds that one at its first lookup. A function on another nsqd started
// before the gateway learns of the gateway's nsqd at its next lookup: within 5 s plus 30% jitter.
func TestFirstRequestThroughTheJavaGateway(t *testing.T) {
	// Not parallel: a latency measured while the rest of the suite runs would measure the suite.
	jar := builtJar(t, "gateway/target/gateway.jar", "gateway")
	lookupd := nsqtest.StartLookupd(t)
	nsqds := []*nsqtest.Process{nsqtest.StartNsqd(t, []*nsqtest.Process{lookupd}), nsqtest.StartNsqd(t, []*nsqtest.Process{lookupd})}
	lookupdHost, lookupdPort, _ := net.SplitHostPort(lookupd.HTTPAddr)

	for i, c := range []struct {
		first        string
		functionNsqd int
		within       time.Duration
	}{
		{"gateway", 0, 2 * time.Second},
		{"function", 0, 2 * time.Second},
		{"gateway", 1, 2 * time.Second},
		// The function's next lookup: 5 s and up to 30% jitter, plus the answer.
		{"function", 1, 8 * time.Second},
	} {
		t.Run(fmt.Sprintf("%s first, function on nsqd %d", c.first, c.functionNsqd), func(t *testing.T) {
			topic := fmt.Sprintf("first-go-%d", i)
			routes := filepath.Join(t.TempDir(), "routes.yaml")
			if err := os.WriteFile(routes, []byte("routes:\n  /first/: {topic: "+topic+", timeout: 20s}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			startGateway := func() string {
				_, port := startJava(t, regexp.MustCompile(`gateway listening on \S*:(\d+)`), nil, "-jar", jar,
					"--listen-addr", "127.0.0.1:0", "--config", routes, "--nsqd-addr", nsqds[0].TCPAddr,
					"--nsqd-http-addr", nsqds[0].HTTPAddr, "--lookupd-addr", lookupd.HTTPAddr, "--gateway-id", "gw-"+topic)
				gateway := "http://127.0.0.1:" + port
				awaitHealthy(t, gateway, "the gateway")
				return gateway
			}
			startFn := func() *functionProcess {
				fn := startFunction(t, append(nsqdEnv(nsqds[c.functionNsqd]), "TOPIC="+topic,
					"NSQ_LOOKUPD_ADDR="+lookupdHost, "NSQ_LOOKUPD_PORT="+lookupdPort)...)
				awaitHealthy(t, "http://"+receive(t, fn.healthz, 10*time.Second, "the function's health server"), "the function")
				return fn
			}
			var gateway string
			var fn *functionProcess
			if c.first == "gateway" {
				gateway = startGateway()
				fn = startFn()
			} else {
				fn = startFn()
				gateway = startGateway()
			}

			start := time.Now()
			code, body := get(t, gateway+"/first/hello")
			took := time.Since(start)

			if code != 200 || body != "pong\n" {
				t.Fatalf("GET /first/hello: HTTP %d %q, want 200 \"pong\\n\"", code, body)
			}
			t.Logf("answered in %d ms", took.Milliseconds())
			if took >= c.within {
				t.Errorf("the first request took %s, want under %s", took, c.within)
			}
			if !regexp.MustCompile(`consuming ` + topic + `/default`).MatchString(fn.Output()) {
				t.Errorf("the function did not log that it consumes:\n%s", fn.Output())
			}
		})
	}
}

// awaitHealthy polls url's /healthz every 20 ms, as a readiness probe at its fastest, until 200.
func awaitHealthy(t *testing.T, url, what string) {
	t.Helper()
	nsqtest.Eventually(t, 30*time.Second, what+"'s /healthz 200", func() bool {
		code, _ := get(t, url+"/healthz")
		return code == 200
	})
}
