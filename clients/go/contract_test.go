package kubefuncs

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The function runtime contract (proto/testdata/function-runtime.json) is what a function reads
// from its environment; the Java SDK runs the same checks (FunctionRuntimeContractTest).

type contractGrammar struct {
	Pattern string                     `json:"pattern"`
	Valid   map[string]json.RawMessage `json:"valid"`
	Invalid []string                   `json:"invalid"`
}

type contractVariable struct {
	Name     string          `json:"name"`
	Grammar  string          `json:"grammar"`
	Required bool            `json:"required"`
	Default  json.RawMessage `json:"default"`
	Requires string          `json:"requires"`
}

type runtimeContract struct {
	Grammars  map[string]contractGrammar `json:"grammars"`
	Variables []contractVariable         `json:"variables"`
}

func loadContract(t *testing.T) runtimeContract {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "proto", "testdata", "function-runtime.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c runtimeContract
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

const contractTopic = "orders"

// readContractValue is how each variable shows in the resolved settings, as the contract writes
// values (durations in milliseconds). NSQ_TLS_* other than NSQ_TLS go into the tls.Config and
// are checked by accepting and refusing only.
var readContractValue = map[string]func(s *settings) any{
	"TOPIC":                       func(s *settings) any { return s.topic },
	"CHANNEL":                     func(s *settings) any { return s.channel },
	"NSQ_NSQD_ADDR":               func(s *settings) any { return contractHost(s.nsqd) },
	"NSQ_NSQD_PORT":               func(s *settings) any { return contractPort(s.nsqd) },
	"NSQ_LOOKUPD_ADDR":            func(s *settings) any { return contractLookupd(s, contractHost) },
	"NSQ_LOOKUPD_PORT":            func(s *settings) any { return contractLookupd(s, contractPort) },
	"HEALTHZ_ADDR":                func(s *settings) any { return s.healthzAddr },
	"KUBEFUNCS_MAX_IN_FLIGHT":     func(s *settings) any { return float64(s.maxInFlight) },
	"KUBEFUNCS_MAX_ATTEMPTS":      func(s *settings) any { return float64(s.maxAttempts) },
	"KUBEFUNCS_DEAD_LETTER_TOPIC": func(s *settings) any { return s.deadLetterTopic },
	"KUBEFUNCS_HANDLER_TIMEOUT":   func(s *settings) any { return float64(s.handlerTimeout.Milliseconds()) },
	"KUBEFUNCS_DRAIN_TIMEOUT":     func(s *settings) any { return float64(s.drainTimeout.Milliseconds()) },
	"KUBEFUNCS_MAX_MESSAGE_SIZE":  func(s *settings) any { return float64(s.maxMessageSize) },
	"KUBEFUNCS_CLIENT_ID":         func(s *settings) any { return s.clientID },
	"NSQ_TLS":                     func(s *settings) any { return s.tls != nil },
	"NSQ_AUTH_SECRET":             func(s *settings) any { return unsetIfEmpty(s.authSecret) },
}

var readIntoTLS = []string{"NSQ_TLS_CA_FILE", "NSQ_TLS_CERT_FILE", "NSQ_TLS_KEY_FILE", "NSQ_TLS_SERVER_NAME"}

func unsetIfEmpty(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func contractHost(addr string) any {
	host, _, _ := net.SplitHostPort(addr)
	return host
}

func contractPort(addr string) any {
	_, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	return float64(n)
}

func contractLookupd(s *settings, part func(string) any) any {
	if len(s.lookupdAddresses) == 0 {
		return nil
	}
	return part(s.lookupdAddresses[0])
}

// contractEnv sets v to text (nil: unset) beside what v needs.
func contractEnv(v contractVariable, text *string) map[string]string {
	env := map[string]string{"TOPIC": contractTopic, "HOSTNAME": "pod-7"}
	if text != nil {
		env[v.Name] = *text
	}
	if v.Name == "NSQ_LOOKUPD_PORT" {
		env["NSQ_LOOKUPD_ADDR"] = "lookupd"
	}
	if v.Requires != "" {
		env[v.Requires] = "true"
	}
	return env
}

// contractValue is a contract value as the settings hold it, in JSON's types.
func contractValue(t *testing.T, v contractVariable, raw json.RawMessage) any {
	var value any
	if err := json.Unmarshal(raw, &value); err != nil {
		t.Fatal(err)
	}
	text, isText := value.(string)
	switch {
	case v.Grammar == "duration" && isText:
		d, ok := parseDuration(text)
		if !ok {
			t.Fatalf("%s: default %q is no duration", v.Name, text)
		}
		return float64(d.Milliseconds())
	case text == "<TOPIC>.dead":
		return contractTopic + ".dead"
	case text == "$HOSTNAME":
		return "pod-7"
	}
	return value
}

func TestTheClientReadsExactlyTheContractsVariables(t *testing.T) {
	var want, got []string
	for _, v := range loadContract(t).Variables {
		want = append(want, v.Name)
	}
	for name := range readContractValue {
		got = append(got, name)
	}
	got = append(got, readIntoTLS...)
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, ",") != strings.Join(got, ",") {
		t.Fatalf("contract variables %v, read here %v", want, got)
	}
}

func TestEachVariableHasTheContractsDefault(t *testing.T) {
	for _, v := range loadContract(t).Variables {
		read, ok := readContractValue[v.Name]
		if !ok || v.Required {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			s, err := resolveWith(contractEnv(v, nil), true)
			if err != nil {
				t.Fatal(err)
			}
			var want any
			if v.Default != nil {
				want = contractValue(t, v, v.Default)
			}
			if got := read(s); got != want {
				t.Fatalf("got %#v, the contract says %#v", got, want)
			}
		})
	}
}

func TestARequiredVariableThatIsUnsetIsNamed(t *testing.T) {
	for _, v := range loadContract(t).Variables {
		if !v.Required {
			continue
		}
		for _, env := range []map[string]string{{}, {v.Name: "  "}} {
			_, err := resolveWith(env, true)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Variable != v.Name {
				t.Fatalf("%v: got %v, want a ConfigError naming %s", env, err, v.Name)
			}
		}
	}
}

func TestEveryAcceptedTextReadsToTheContractsValue(t *testing.T) {
	c := loadContract(t)
	for _, v := range c.Variables {
		g := c.Grammars[v.Grammar]
		pattern := regexp.MustCompile(g.Pattern)
		for text, raw := range g.Valid {
			t.Run(v.Name+"="+text, func(t *testing.T) {
				if g.Pattern != "" && !pattern.MatchString(strings.TrimSpace(text)) {
					t.Fatalf("the grammar's pattern %s refuses its own example", g.Pattern)
				}
				s, err := resolveWith(contractEnv(v, &text), true)
				if err != nil {
					t.Fatal(err)
				}
				if read, ok := readContractValue[v.Name]; ok {
					if got, want := read(s), contractValue(t, v, raw); got != want {
						t.Fatalf("got %#v, the contract says %#v", got, want)
					}
				}
			})
		}
	}
}

func TestEveryRefusedTextIsRefusedNamingTheVariable(t *testing.T) {
	c := loadContract(t)
	for _, v := range c.Variables {
		for _, text := range c.Grammars[v.Grammar].Invalid {
			t.Run(v.Name+"="+text, func(t *testing.T) {
				_, err := resolveWith(contractEnv(v, &text), true)
				var ce *ConfigError
				if !errors.As(err, &ce) || ce.Variable != v.Name {
					t.Fatalf("got %v, want a ConfigError naming %s", err, v.Name)
				}
				if !strings.Contains(ce.Message, strings.TrimSpace(text)) {
					t.Fatalf("%q does not quote %q", ce.Message, text)
				}
			})
		}
	}
}
