package kubefuncs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Run runs a function: it reads its settings from options and the environment (TOPIC,
// CHANNEL, NSQ_* including TLS and AUTH, HEALTHZ_ADDR, KUBEFUNCS_*, and OTEL_* for tracing),
// serves /healthz and /metrics, hands every event of the topic to h, and on SIGTERM or SIGINT
// stops taking events, finishes those in hand within the drain timeout, and returns nil. A bad
// setting is returned at once as an error wrapping a *ConfigError, whose text is one line naming
// the setting; the program decides how to end, by convention with ExitCode:
//
//	if err := client.Run(h); err != nil {
//		fmt.Fprintln(os.Stderr, err)
//		os.Exit(client.ExitCode(err))
//	}
func Run(h Handler, options ...Option) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return runFunction(ctx, stop, h, options)
}

// RunContext is Run stopping when ctx is done instead of on a signal.
func RunContext(ctx context.Context, h Handler, options ...Option) error {
	return runFunction(ctx, func() {}, h, options)
}

// ExitCode is the exit code for what Run returned, as the Java SDK's: 0 for nil, 2 for a bad
// setting (a *ConfigError), 1 for anything else.
func ExitCode(err error) int {
	var bad *ConfigError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &bad):
		return 2
	default:
		return 1
	}
}

func runFunction(ctx context.Context, stopSignals func(), h Handler, options []Option) error {
	if h == nil {
		return errors.New("kubefuncs: Run with a nil handler")
	}
	s := newSettings(options)
	if err := s.resolve(true); err != nil {
		return badConfiguration(err)
	}
	if s.tracerProvider == nil {
		tp, err := tracerProviderFromEnv(s.getenv, s.topic)
		if err != nil {
			return badConfiguration(err)
		}
		if tp != nil {
			s.tracerProvider = tp
			// Last, after the drain: sends the spans of the events it finished.
			defer shutdownTracing(tp, s)
		}
	}
	ln, err := net.Listen("tcp", s.healthzAddr)
	if err != nil {
		return badConfiguration(&ConfigError{"HEALTHZ_ADDR", fmt.Sprintf("cannot listen on %s (%v): pick a free port", s.healthzAddr, err)})
	}
	var gatherer prometheus.Gatherer = prometheus.DefaultGatherer
	if s.registry != nil {
		gatherer = s.registry
	}
	health := serveHealth(ln, gatherer)
	defer health.close()
	s.logger.Printf("kubefuncs: /healthz and /metrics on %s", ln.Addr())

	c, err := newClient(s)
	if err != nil {
		return err
	}
	sub, err := c.On(s.topic, s.channel, h)
	if err != nil {
		_ = c.Close()
		return err
	}
	// The connection answers go out on, dialled now beside the subscription's rather than by the
	// first answer (go-nsq's producer dials on first use). Whether nsqd is reachable is the
	// subscription's to tell; a dial that fails here is made again by the first answer.
	go func() { _ = c.producer.Ping() }()
	go func() {
		select {
		case <-sub.Ready():
			// Logged before /healthz turns 200: whoever sees the function ready finds the line
			// already there.
			if health.state.Load() == starting {
				s.logger.Printf("kubefuncs: consuming %s/%s", s.topic, s.channel)
				health.state.CompareAndSwap(starting, serving)
			}
		case <-ctx.Done():
		}
	}()

	<-ctx.Done()
	stopSignals() // a second signal ends the process at once
	health.state.Store(draining)
	s.logger.Printf("kubefuncs: draining: %d events in hand", sub.InFlight())
	drain, cancel := context.WithTimeout(context.Background(), s.drainTimeout)
	defer cancel()
	if err := c.close(drain); err != nil {
		s.logger.Printf("%v; nsqd redelivers them", err)
	}
	return nil
}

// badConfiguration is the line a function prints for a bad setting, kept a *ConfigError for
// errors.As; other errors pass as they are.
func badConfiguration(err error) error {
	var bad *ConfigError
	if errors.As(err, &bad) {
		return fmt.Errorf("kubefuncs: bad configuration: %w", err)
	}
	return err
}

func shutdownTracing(tp *sdktrace.TracerProvider, s *settings) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tp.Shutdown(ctx); err != nil {
		s.logger.Printf("kubefuncs: could not send the last spans: %v", err)
	}
}

const (
	starting int32 = iota
	serving
	draining
)

var stateNames = map[int32]string{starting: "starting", serving: "serving", draining: "draining"}

// healthServer serves /healthz (503 until subscribed, 200 while serving, 503 while draining, so
// no traffic goes to a pod that is starting or stopping) and /metrics.
type healthServer struct {
	state  atomic.Int32
	server *http.Server
}

func serveHealth(ln net.Listener, gatherer prometheus.Gatherer) *healthServer {
	h := &healthServer{}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if r.URL.Path != "/healthz" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, "not found: try /healthz or /metrics\n")
			return
		}
		state := h.state.Load()
		if state != serving {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(w, stateNames[state])
	})
	h.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.server.Serve(ln) }()
	return h
}

func (h *healthServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if h.server.Shutdown(ctx) != nil {
		_ = h.server.Close()
	}
}
