package kubefuncs

import (
	"crypto/tls"
	"fmt"
	"log"
	"math"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
)

// Option configures NewClient and Run. Settings not given as options come from the environment,
// with the variable names the Java SDK and the function chart use (see README.md).
type Option func(*settings)

// WithLookupdURL sets the nsqlookupd HTTP address (host:port, or http://host:port; several
// separated by commas) used to discover nsqd. Default: $NSQ_LOOKUPD_ADDR:$NSQ_LOOKUPD_PORT, or
// none, in which case everything goes through the one nsqd.
func WithLookupdURL(url string) Option { return func(s *settings) { s.lookupd = url } }

// WithNsqdURL sets the nsqd TCP address (host:port) events are published to; in a cluster, the
// node's own. Default: $NSQ_NSQD_ADDR:$NSQ_NSQD_PORT, else 127.0.0.1:4150.
func WithNsqdURL(url string) Option { return func(s *settings) { s.nsqd = url } }

// WithClientID names this process in nsqd's client list and in its return topic
// (rpc-<id>-<random>#ephemeral). Default: $KUBEFUNCS_CLIENT_ID, else $HOSTNAME.
func WithClientID(id string) Option { return func(s *settings) { s.clientID = id } }

// WithCallEnabled subscribes the client's return topic as soon as the client is created, instead
// of at the first Call, so that the first Call does not wait for it.
func WithCallEnabled() Option { return func(s *settings) { s.callEnabled = true } }

// WithTopic sets the topic Run consumes. Default: $TOPIC (required by Run).
func WithTopic(topic string) Option { return func(s *settings) { s.topic = topic } }

// WithChannel sets the channel Run consumes. Default: $CHANNEL, else "default".
func WithChannel(channel string) Option { return func(s *settings) { s.channel = channel } }

// WithHealthzAddr sets where Run serves /healthz and /metrics. Default: $HEALTHZ_ADDR, else ":8080".
func WithHealthzAddr(addr string) Option { return func(s *settings) { s.healthzAddr = addr } }

// WithLogger sends the client's log lines to l. Default: standard error.
func WithLogger(l *log.Logger) Option { return func(s *settings) { s.logger = l } }

// WithMaxInFlight bounds the events a subscription handles at once. Default:
// $KUBEFUNCS_MAX_IN_FLIGHT, else 64.
func WithMaxInFlight(n int) Option { return func(s *settings) { s.maxInFlight = n } }

// WithMaxAttempts sets the deliveries of a fire-and-forget event before it is dead-lettered.
// Default: $KUBEFUNCS_MAX_ATTEMPTS, else 5.
func WithMaxAttempts(n int) Option { return func(s *settings) { s.maxAttempts = n } }

// WithDeadLetterTopic sets where given-up events go. Default: $KUBEFUNCS_DEAD_LETTER_TOPIC (for
// Run), else <topic>.dead.
func WithDeadLetterTopic(topic string) Option { return func(s *settings) { s.deadLetterTopic = topic } }

// WithHandlerTimeout sets how long a running handler's event is kept from redelivery (by TOUCH).
// Default: $KUBEFUNCS_HANDLER_TIMEOUT, else 5m.
func WithHandlerTimeout(d time.Duration) Option { return func(s *settings) { s.handlerTimeout = d } }

// WithDrainTimeout sets how long stopping waits for the events in hand. Default:
// $KUBEFUNCS_DRAIN_TIMEOUT, else 25s.
func WithDrainTimeout(d time.Duration) Option { return func(s *settings) { s.drainTimeout = d } }

// WithMaxMessageSize sets the largest message nsqd takes, in bytes: the size dead letters are cut
// to fit and answers must fit (a larger answer is dead-lettered). Keep it equal to nsqd's
// --max-msg-size. Default: $KUBEFUNCS_MAX_MESSAGE_SIZE, else 1048576, nsqd's default.
func WithMaxMessageSize(bytes int) Option { return func(s *settings) { s.maxMessageSize = bytes } }

// WithRetryDelay sets the delay before the first retry of a failed fire-and-forget event; it
// doubles with each attempt, up to a minute. Default: 1s.
func WithRetryDelay(d time.Duration) Option { return func(s *settings) { s.retryBase = d } }

// WithOutputBuffer lets nsqd buffer the events it sends this client's subscriptions, up to size
// bytes (64 B to 64 KiB, nsqd's default --max-output-buffer-size), flushed at the latest every
// timeout (25ms to 1s): fewer writes when draining a backlog, but while fewer events are in
// flight than max-in-flight, each one waits for that timer (calls made one at a time take about
// timeout each). The return topic, whose answers calls wait for, is never buffered. Default: no
// buffering, as in the Java SDK.
func WithOutputBuffer(size int, timeout time.Duration) Option {
	return func(s *settings) { s.outputBufferSize, s.outputBufferTimeout = size, timeout }
}

// WithRegistry registers the client's metrics with r (and serves r on Run's /metrics) instead of
// the Prometheus default registry.
func WithRegistry(r *prometheus.Registry) Option { return func(s *settings) { s.registry = r } }

// settings holds options; zero values are "not given", and are filled from the environment.
type settings struct {
	topic, channel   string
	nsqd, lookupd    string
	clientID         string
	callEnabled      bool
	healthzAddr      string
	logger           *log.Logger
	maxInFlight      int
	maxAttempts      int
	deadLetterTopic  string
	handlerTimeout   time.Duration
	drainTimeout     time.Duration
	maxMessageSize   int
	retryBase        time.Duration
	registry         *prometheus.Registry
	tracerProvider   trace.TracerProvider
	lookupdAddresses []string
	// outputBufferSize is 0 for none (nsqd writes each message at once).
	outputBufferSize    int
	outputBufferTimeout time.Duration
	// tls is nil unless NSQ_TLS is true; authSecret is NSQ_AUTH_SECRET.
	tls        *tls.Config
	authSecret string
	getenv     func(string) string
	// lookupInterval replaces the nsqlookupd poll intervals (tests).
	lookupInterval time.Duration
}

// ConfigError is a missing or malformed setting; Variable names the environment variable (or,
// for options, the option) at fault.
type ConfigError struct {
	Variable string
	Message  string
}

func (e *ConfigError) Error() string { return e.Variable + ": " + e.Message }

func newSettings(opts []Option) *settings {
	s := &settings{getenv: os.Getenv}
	for _, o := range opts {
		o(s)
	}
	return s
}

// resolve fills what was not given as an option from the environment, checking each value. A
// function (Run) also needs its topic, channel, health address and dead-letter topic. The checks
// run in the Java SDK's order, so both name the same variable first when several are wrong.
func (s *settings) resolve(function bool) error {
	var err error
	if function {
		if s.topic, err = s.name("TOPIC", s.topic, "topic", ""); err != nil {
			return err
		}
		if s.channel, err = s.name("CHANNEL", s.channel, "channel", "default"); err != nil {
			return err
		}
	}
	if s.nsqd == "" {
		host := s.env("NSQ_NSQD_ADDR", "127.0.0.1")
		port, err := s.port("NSQ_NSQD_PORT", 4150)
		if err != nil {
			return err
		}
		if !validHost(host) {
			return &ConfigError{"NSQ_NSQD_ADDR", fmt.Sprintf("must be a host name or IP address, got '%s'", host)}
		}
		s.nsqd = net.JoinHostPort(host, strconv.Itoa(port))
	} else if err := checkHostPort(s.nsqd); err != nil {
		return &ConfigError{"WithNsqdURL", err.Error()}
	}
	s.lookupdAddresses = nil
	if s.lookupd == "" {
		host := s.env("NSQ_LOOKUPD_ADDR", "")
		port, err := s.port("NSQ_LOOKUPD_PORT", 4161)
		if err != nil {
			return err
		}
		if host != "" {
			if !validHost(host) {
				return &ConfigError{"NSQ_LOOKUPD_ADDR", fmt.Sprintf("must be a host name or IP address, got '%s'", host)}
			}
			s.lookupdAddresses = []string{net.JoinHostPort(host, strconv.Itoa(port))}
		}
	} else {
		for _, a := range strings.Split(s.lookupd, ",") {
			a = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(a), "http://"), "/")
			if err := checkHostPort(a); err != nil {
				return &ConfigError{"WithLookupdURL", err.Error()}
			}
			s.lookupdAddresses = append(s.lookupdAddresses, a)
		}
	}
	if function {
		if s.healthzAddr == "" {
			s.healthzAddr = s.env("HEALTHZ_ADDR", ":8080")
			if err := checkHealthzAddr("HEALTHZ_ADDR", s.healthzAddr); err != nil {
				return err
			}
		} else if err := checkHealthzAddr("WithHealthzAddr", s.healthzAddr); err != nil {
			return err
		}
	}
	if s.maxInFlight <= 0 {
		if s.maxInFlight, err = s.positive("KUBEFUNCS_MAX_IN_FLIGHT", 64); err != nil {
			return err
		}
	}
	if s.maxAttempts <= 0 {
		if s.maxAttempts, err = s.positive("KUBEFUNCS_MAX_ATTEMPTS", 5); err != nil {
			return err
		}
	}
	if s.deadLetterTopic != "" {
		if err := checkName("topic", s.deadLetterTopic); err != nil {
			return &ConfigError{"WithDeadLetterTopic", err.Error()}
		}
	} else if function {
		// Only a function reads this variable: for a client, each subscription defaults to <topic>.dead.
		if s.deadLetterTopic, err = s.name("KUBEFUNCS_DEAD_LETTER_TOPIC", "", "topic", deadLetterFor(s.topic)); err != nil {
			return err
		}
	}
	if s.handlerTimeout <= 0 {
		if s.handlerTimeout, err = s.duration("KUBEFUNCS_HANDLER_TIMEOUT", 5*time.Minute); err != nil {
			return err
		}
	}
	if s.drainTimeout <= 0 {
		if s.drainTimeout, err = s.duration("KUBEFUNCS_DRAIN_TIMEOUT", 25*time.Second); err != nil {
			return err
		}
	}
	if s.maxMessageSize == 0 {
		if s.maxMessageSize, err = s.bytes("KUBEFUNCS_MAX_MESSAGE_SIZE", defaultMaxMsgSize); err != nil {
			return err
		}
	} else if s.maxMessageSize < minMessageSize {
		return &ConfigError{"WithMaxMessageSize", fmt.Sprintf("must be at least %d bytes, got %d", minMessageSize, s.maxMessageSize)}
	}
	if s.retryBase <= 0 {
		s.retryBase = time.Second
	}
	if s.outputBufferSize != 0 || s.outputBufferTimeout != 0 {
		if s.outputBufferSize < 64 || s.outputBufferSize > 64<<10 || s.outputBufferTimeout < 25*time.Millisecond || s.outputBufferTimeout > time.Second {
			return &ConfigError{"WithOutputBuffer", fmt.Sprintf("size must be 64 to 65536 bytes and timeout 25ms to 1s, got %d bytes and %s", s.outputBufferSize, s.outputBufferTimeout)}
		}
	}
	if s.clientID == "" {
		s.clientID = s.env("KUBEFUNCS_CLIENT_ID", s.env("HOSTNAME", ""))
	}
	if err := s.resolveTLS(); err != nil {
		return err
	}
	if s.logger == nil {
		s.logger = log.New(os.Stderr, "", log.LstdFlags)
	}
	return nil
}

func (s *settings) env(name, fallback string) string {
	v := strings.TrimSpace(s.getenv(name))
	if v == "" {
		return fallback
	}
	return v
}

// name reads a topic or channel name: the option's value if given, else the variable, else fallback.
func (s *settings) name(variable, given, kind, fallback string) (string, error) {
	source := variable
	v := given
	if v != "" {
		source = optionFor[variable]
	} else {
		v = s.env(variable, fallback)
	}
	if v == "" {
		return "", &ConfigError{variable, "is not set: name the NSQ topic this function consumes"}
	}
	if err := checkName(kind, v); err != nil {
		return "", &ConfigError{source, err.Error()}
	}
	return v, nil
}

var optionFor = map[string]string{"TOPIC": "WithTopic", "CHANNEL": "WithChannel"}

func (s *settings) port(name string, fallback int) (int, error) {
	v := s.env(name, "")
	if v == "" {
		return fallback, nil
	}
	return parsePort(name, v, false)
}

func parsePort(name, v string, zeroAllowed bool) (int, error) {
	port, err := strconv.Atoi(strings.TrimSpace(v))
	if err == nil && ((port == 0 && zeroAllowed) || (port >= 1 && port <= 65535)) {
		return port, nil
	}
	return 0, &ConfigError{name, fmt.Sprintf("must be a port number (1-65535), got '%s'", v)}
}

func (s *settings) positive(name string, fallback int) (int, error) {
	v := s.env(name, "")
	if v == "" {
		return fallback, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 1 {
		return 0, &ConfigError{name, fmt.Sprintf("must be a whole number of at least 1, got '%s'", v)}
	}
	return int(n), nil
}

// minMessageSize is the least message size taken: a dead letter's reason and description of the
// event take up to about 4.3 KB before any of the event's body, and one that does not fit could
// never be published.
const minMessageSize = 8192

// bytes reads a size in bytes, at least minMessageSize.
func (s *settings) bytes(name string, fallback int) (int, error) {
	v := s.env(name, "")
	if v == "" {
		return fallback, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < minMessageSize {
		return 0, &ConfigError{name, fmt.Sprintf("must be a whole number of bytes from %d to %d, got '%s'", minMessageSize, math.MaxInt32, v)}
	}
	return int(n), nil
}

func (s *settings) duration(name string, fallback time.Duration) (time.Duration, error) {
	v := s.env(name, "")
	if v == "" {
		return fallback, nil
	}
	d, ok := parseDuration(v)
	if !ok || d <= 0 {
		return 0, &ConfigError{name, fmt.Sprintf("must be a positive duration like 30s, 5m or 1500ms, got '%s'", v)}
	}
	return d, nil
}

var (
	simpleDuration = regexp.MustCompile(`^([+-]?[0-9]+)(ms|s|m|h)$`)
	isoDuration    = regexp.MustCompile(`(?i)^([+-]?)P(?:([+-]?[0-9]+)D)?(?:T(?:([+-]?[0-9]+)H)?(?:([+-]?[0-9]+)M)?(?:([+-]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?$`)
)

// parseDuration accepts what the Java SDK accepts: an integer with ms, s, m or h (1500ms, 30s,
// 5m, 1h), or an ISO-8601 duration (PT30S, PT1M30S, P1D).
func parseDuration(v string) (time.Duration, bool) {
	if m := simpleDuration.FindStringSubmatch(v); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return 0, false
		}
		unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour}[m[2]]
		if n > int64(1<<62)/int64(unit) || n < -int64(1<<62)/int64(unit) {
			return 0, false
		}
		return time.Duration(n) * unit, true
	}
	m := isoDuration.FindStringSubmatch(v)
	if m == nil || strings.HasSuffix(strings.ToUpper(v), "T") || strings.EqualFold(strings.TrimLeft(v, "+-"), "P") {
		return 0, false
	}
	var total time.Duration
	units := []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second}
	for i, unit := range units {
		if m[i+2] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+2], 10, 64)
		if err != nil || n > int64(1<<62)/int64(unit) || n < -int64(1<<62)/int64(unit) {
			return 0, false
		}
		total += time.Duration(n) * unit
	}
	if frac := m[6]; frac != "" {
		nanos, _ := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
		if strings.HasPrefix(m[5], "-") {
			nanos = -nanos
		}
		total += time.Duration(nanos)
	}
	if m[1] == "-" {
		total = -total
	}
	return total, true
}

func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("must be host:port, got '%s'", addr)
	}
	if !validHost(host) {
		return fmt.Errorf("must be host:port with a host name or IP address, got '%s'", addr)
	}
	if _, err := parsePort("", port, false); err != nil {
		return fmt.Errorf("must be host:port with a port number (1-65535), got '%s'", addr)
	}
	return nil
}

// hostPattern is a DNS name or IPv4 address, or an IPv6 address with an optional zone: what the
// Java client accepts too. Caught at start, not as a URL error on every lookup.
var hostPattern = regexp.MustCompile(`^([A-Za-z0-9._-]+|[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?)$`)

func validHost(host string) bool { return hostPattern.MatchString(host) }

func checkHealthzAddr(source, addr string) error {
	colon := strings.LastIndex(addr, ":")
	if colon >= 0 {
		if _, err := parsePort(source, addr[colon+1:], true); err == nil {
			return nil
		}
	}
	return &ConfigError{source, fmt.Sprintf("must be [host]:port with a port from 0 to 65535, like :8080, got '%s'", addr)}
}
