package kubefuncs

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func resolveWith(env map[string]string, function bool, opts ...Option) (*settings, error) {
	s := newSettings(opts)
	s.getenv = func(k string) string { return env[k] }
	return s, s.resolve(function)
}

func TestFunctionDefaultsAreTheJavaSDKs(t *testing.T) {
	s, err := resolveWith(map[string]string{"TOPIC": "orders", "HOSTNAME": "pod-1"}, true)
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		topic, channel, nsqd, healthz, deadLetter, clientID string
		maxInFlight, maxAttempts, maxMessageSize            int
		handlerTimeout, drainTimeout, retryBase             time.Duration
	}
	want := view{"orders", "default", "127.0.0.1:4150", ":8080", "orders.dead", "pod-1", 64, 5, 1 << 20, 5 * time.Minute, 25 * time.Second, time.Second}
	got := view{s.topic, s.channel, s.nsqd, s.healthzAddr, s.deadLetterTopic, s.clientID, s.maxInFlight, s.maxAttempts,
		s.maxMessageSize, s.handlerTimeout, s.drainTimeout, s.retryBase}
	if got != want {
		t.Errorf("defaults\n got %+v\nwant %+v", got, want)
	}
	if len(s.lookupdAddresses) != 0 {
		t.Errorf("lookupd %v, want none when NSQ_LOOKUPD_ADDR is unset", s.lookupdAddresses)
	}
}

func TestEnvironmentIsRead(t *testing.T) {
	s, err := resolveWith(map[string]string{
		"TOPIC": "thumbs", "CHANNEL": "resize", "NSQ_NSQD_ADDR": "10.0.0.7", "NSQ_NSQD_PORT": "4250",
		"NSQ_LOOKUPD_ADDR": "nsq-lookupd.kubefuncs", "HEALTHZ_ADDR": "127.0.0.1:9000",
		"KUBEFUNCS_MAX_IN_FLIGHT": "8", "KUBEFUNCS_MAX_ATTEMPTS": "2", "KUBEFUNCS_DEAD_LETTER_TOPIC": "graveyard",
		"KUBEFUNCS_HANDLER_TIMEOUT": "1500ms", "KUBEFUNCS_DRAIN_TIMEOUT": "PT10S", "KUBEFUNCS_CLIENT_ID": "thumbs-7",
		"KUBEFUNCS_MAX_MESSAGE_SIZE": "4194304",
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	if s.channel != "resize" || s.nsqd != "10.0.0.7:4250" || s.lookupdAddresses[0] != "nsq-lookupd.kubefuncs:4161" ||
		s.healthzAddr != "127.0.0.1:9000" || s.maxInFlight != 8 || s.maxAttempts != 2 || s.deadLetterTopic != "graveyard" ||
		s.handlerTimeout != 1500*time.Millisecond || s.drainTimeout != 10*time.Second || s.clientID != "thumbs-7" || s.maxMessageSize != 4194304 {
		t.Errorf("settings %+v", s)
	}
}

func TestOptionsOverrideTheEnvironment(t *testing.T) {
	s, err := resolveWith(map[string]string{"TOPIC": "a", "NSQ_NSQD_PORT": "not a port", "NSQ_LOOKUPD_ADDR": "x"}, true,
		WithTopic("b"), WithChannel("c"), WithNsqdURL("nsqd:4150"), WithLookupdURL("http://l1:4161/, l2:4161"),
		WithHealthzAddr(":0"), WithMaxAttempts(9), WithDeadLetterTopic("b.graveyard"))
	if err != nil {
		t.Fatal(err)
	}
	if s.topic != "b" || s.channel != "c" || s.nsqd != "nsqd:4150" || strings.Join(s.lookupdAddresses, ",") != "l1:4161,l2:4161" ||
		s.healthzAddr != ":0" || s.maxAttempts != 9 || s.deadLetterTopic != "b.graveyard" {
		t.Errorf("settings %+v", s)
	}
}

func TestBadSettingsNameTheVariable(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "TOPIC: is not set: name the NSQ topic this function consumes"},
		{map[string]string{"TOPIC": "has space"}, "TOPIC: topic name 'has space' is invalid: use only letters, digits, '.', '_' and '-', optionally ending in #ephemeral"},
		{map[string]string{"TOPIC": strings.Repeat("t", 65)}, "TOPIC: topic name '" + strings.Repeat("t", 65) + "' is 65 characters, nsqd allows 64"},
		{map[string]string{"TOPIC": "t", "CHANNEL": "a/b"}, "CHANNEL: channel name 'a/b' is invalid"},
		{map[string]string{"TOPIC": "t", "NSQ_NSQD_PORT": "abc"}, "NSQ_NSQD_PORT: must be a port number (1-65535), got 'abc'"},
		{map[string]string{"TOPIC": "t", "NSQ_NSQD_PORT": "0"}, "NSQ_NSQD_PORT: must be a port number (1-65535), got '0'"},
		{map[string]string{"TOPIC": "t", "NSQ_LOOKUPD_PORT": "70000"}, "NSQ_LOOKUPD_PORT: must be a port number"},
		{map[string]string{"TOPIC": "t", "NSQ_NSQD_ADDR": "my nsqd"}, "NSQ_NSQD_ADDR: must be a host name or IP address, got 'my nsqd'"},
		{map[string]string{"TOPIC": "t", "NSQ_LOOKUPD_ADDR": "bad host!"}, "NSQ_LOOKUPD_ADDR: must be a host name or IP address, got 'bad host!'"},
		{map[string]string{"TOPIC": "t", "HEALTHZ_ADDR": "8080"}, "HEALTHZ_ADDR: must be [host]:port with a port from 0 to 65535, like :8080, got '8080'"},
		{map[string]string{"TOPIC": "t", "HEALTHZ_ADDR": ":http"}, "HEALTHZ_ADDR: must be [host]:port with a port from 0 to 65535, like :8080, got ':http'"},
		{map[string]string{"TOPIC": "t", "KUBEFUNCS_MAX_IN_FLIGHT": "0"}, "KUBEFUNCS_MAX_IN_FLIGHT: must be a whole number of at least 1, got '0'"},
		{map[string]string{"TOPIC": "t", "KUBEFUNCS_MAX_ATTEMPTS": "many"}, "KUBEFUNCS_MAX_ATTEMPTS: must be a whole number of at least 1"},
		{map[string]string{"TOPIC": "t", "KUBEFUNCS_DEAD_LETTER_TOPIC": "dead letters"}, "KUBEFUNCS_DEAD_LETTER_TOPIC: topic name 'dead letters' is invalid"},
		{map[string]string{"TOPIC": "t", "KUBEFUNCS_HANDLER_TIMEOUT": "1m30s"}, "KUBEFUNCS_HANDLER_TIMEOUT: must be a positive duration like 30s, 5m or 1500ms, got '1m30s'"},
		{map[string]string{"TOPIC": "t", "KUBEFUNCS_DRAIN_TIMEOUT": "0s"}, "KUBEFUNCS_DRAIN_TIMEOUT: must be a positive duration"},
		{map[string]string{"TOPIC": "t", "KUBEFUNCS_MAX_MESSAGE_SIZE": "4MB"}, "KUBEFUNCS_MAX_MESSAGE_SIZE: must be a whole number of bytes from 8192 to 2147483647, got '4MB'"},
		{map[string]string{"TOPIC": "t", "KUBEFUNCS_MAX_MESSAGE_SIZE": "8191"}, "KUBEFUNCS_MAX_MESSAGE_SIZE: must be a whole number of bytes from 8192 to 2147483647, got '8191'"},
		{map[string]string{"TOPIC": "t", "KUBEFUNCS_MAX_MESSAGE_SIZE": "4294967296"}, "KUBEFUNCS_MAX_MESSAGE_SIZE: must be a whole number of bytes from 8192 to 2147483647, got '4294967296'"},
		// Several wrong: the first in the Java SDK's order is named.
		{map[string]string{"TOPIC": "t", "KUBEFUNCS_DRAIN_TIMEOUT": "x", "NSQ_NSQD_PORT": "x"}, "NSQ_NSQD_PORT:"},
	}
	for _, c := range cases {
		_, err := resolveWith(c.env, true)
		var bad *ConfigError
		if !errors.As(err, &bad) || !strings.HasPrefix(bad.Error(), c.want) {
			t.Errorf("env %v: error %v, want one starting %q", c.env, err, c.want)
		}
	}
}

// nsqd refuses the IDENTIFY of a buffer outside its limits, and go-nsq would redial forever.
func TestOutputBufferOutsideNsqdsLimitsIsRefused(t *testing.T) {
	for _, ok := range []Option{WithOutputBuffer(64, 25*time.Millisecond), WithOutputBuffer(64<<10, time.Second)} {
		if _, err := resolveWith(nil, false, ok); err != nil {
			t.Errorf("refused: %v", err)
		}
	}
	for _, bad := range []Option{WithOutputBuffer(63, 100*time.Millisecond), WithOutputBuffer(64<<10+1, 100*time.Millisecond),
		WithOutputBuffer(16<<10, 24*time.Millisecond), WithOutputBuffer(16<<10, 1001*time.Millisecond), WithOutputBuffer(16<<10, 0)} {
		_, err := resolveWith(nil, false, bad)
		want := "WithOutputBuffer: size must be 64 to 65536 bytes and timeout 25ms to 1s, got "
		var refused *ConfigError
		if !errors.As(err, &refused) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %v, want one starting %q", err, want)
		}
	}
}

func TestClientsNeedNoTopic(t *testing.T) {
	s, err := resolveWith(map[string]string{"TOPIC": "not valid!", "HEALTHZ_ADDR": "bad"}, false)
	if err != nil {
		t.Fatalf("a client read function-only variables: %v", err)
	}
	if s.deadLetterTopic != "" {
		t.Errorf("client dead-letter topic %q, want per-subscription defaults", s.deadLetterTopic)
	}
}

func TestDurationsAcceptWhatJavaAccepts(t *testing.T) {
	good := map[string]time.Duration{"1500ms": 1500 * time.Millisecond, "30s": 30 * time.Second, "5m": 5 * time.Minute,
		"1h": time.Hour, "PT30S": 30 * time.Second, "PT1M30S": 90 * time.Second, "P1D": 24 * time.Hour,
		"pt0.5s": 500 * time.Millisecond, "PT1H2M3.25S": time.Hour + 2*time.Minute + 3250*time.Millisecond}
	for in, want := range good {
		if got, ok := parseDuration(in); !ok || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "5", "1.5s", "1m30s", "P", "PT", "5 s", "P1H", "abc"} {
		if got, ok := parseDuration(in); ok {
			t.Errorf("parseDuration(%q) = %v, want rejected", in, got)
		}
	}
}

func TestNames(t *testing.T) {
	if got := deadLetterFor("rpc-x#ephemeral"); got != "rpc-x.dead" {
		t.Errorf("deadLetterFor ephemeral = %q", got)
	}
	if got := deadLetterFor(strings.Repeat("a", 64)); len(got) != 64 || !strings.HasSuffix(got, ".dead") {
		t.Errorf("deadLetterFor long = %q", got)
	}
	for _, id := range []string{"", "gateway-7d9f4c", "weird id/with:chars", strings.Repeat("x", 100)} {
		topic := returnTopicFor(id)
		if err := checkName("topic", topic); err != nil || !strings.HasPrefix(topic, "rpc-") || !strings.HasSuffix(topic, "#ephemeral") {
			t.Errorf("returnTopicFor(%q) = %q: %v", id, topic, err)
		}
	}
	if a, b := returnTopicFor("gw"), returnTopicFor("gw"); a == b {
		t.Errorf("two clients with one id share return topic %s", a)
	}
	if id := newUUID(); len(id) != 36 || id[14] != '4' || !strings.ContainsAny(id[19:20], "89ab") {
		t.Errorf("newUUID() = %s, not a version 4 UUID", id)
	}
}

func TestTracingIsWantedWhenAnExporterOrAnOtlpEndpointIsSetAndTheSdkIsNotDisabled(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"OTEL_SERVICE_NAME": "x"}, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, false},
		{map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, false},
	} {
		if got := tracingWanted(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("tracingWanted(%v) = %v, want %v", c.env, got, c.want)
		}
	}
}
