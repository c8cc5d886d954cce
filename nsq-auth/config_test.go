package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `{"ttl": 60, "identities": [
  {"name": "functions", "secret": "f-secret", "authorizations": [
    {"topic": "^(orders|rpc-.*)$", "channels": [".*"], "permissions": ["subscribe", "publish"]}]},
  {"name": "reader", "secret": "r-secret", "authorizations": [
    {"topic": "^orders$", "channels": ["^audit$"], "permissions": ["subscribe"]}]}]}`

func TestConfigIsRead(t *testing.T) {
	c, err := parseConfig([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if c.TTL != 60 || len(c.Identities) != 2 || c.Identities[1].Name != "reader" ||
		c.Identities[0].Authorizations[0].Topic != "^(orders|rpc-.*)$" || len(c.Identities[0].Authorizations[0].Permissions) != 2 {
		t.Errorf("config %+v", c)
	}
	c, err = parseConfig([]byte(`{"identities": [{"name": "a", "secret": "s", "authorizations": [{"topic": ".*", "channels": [".*"], "permissions": ["publish"]}]}]}`))
	if err != nil || c.TTL != 3600 {
		t.Errorf("ttl without a value: %v, %+v; want 3600", err, c)
	}
}

func TestBadConfigSaysWhatIsWrong(t *testing.T) {
	id := func(name, secret, auth string) string {
		return `{"name": "` + name + `", "secret": "` + secret + `", "authorizations": [` + auth + `]}`
	}
	ok := `{"topic": "^a$", "channels": [".*"], "permissions": ["subscribe"]}`
	cases := map[string]string{
		`{"identities": [` + id("a", "s", ok) + `], "tll": 5}`: `unknown field "tll"`,
		`{"identities": [`: "not a valid configuration: unexpected EOF",
		`{"identities": [` + id("a", "s", ok) + `]} {}`:         "more than one JSON value",
		`{"ttl": -1, "identities": [` + id("a", "s", ok) + `]}`: "ttl must be a number of seconds of at least 1, got -1",
		`{"ttl": 60}`: "identities is empty",
		`{"identities": [` + id("", "s", ok) + `]}`:                                                                "identities[0]: name is empty",
		`{"identities": [` + id("a", "s", ok) + `,` + id("a", "t", ok) + `]}`:                                      `identities[1]: name "a" is taken`,
		`{"identities": [` + id("a", "", ok) + `]}`:                                                                "identities[0] (a): secret is empty",
		`{"identities": [` + id("a", "s", ok) + `,` + id("b", "s", ok) + `]}`:                                      "identities[1] (b): secret is the secret of an earlier identity",
		`{"identities": [` + id("a", "s", "") + `]}`:                                                               "identities[0] (a): authorizations is empty",
		`{"identities": [` + id("a", "s", `{"topic": "(", "channels": [".*"], "permissions": ["publish"]}`) + `]}`: `authorizations[0]: topic "(" is not a regular expression`,
		`{"identities": [` + id("a", "s", `{"topic": "a", "channels": [], "permissions": ["publish"]}`) + `]}`:     "channels is empty",
		`{"identities": [` + id("a", "s", `{"topic": "a", "channels": ["["], "permissions": ["publish"]}`) + `]}`:  `channel "[" is not a regular expression`,
		`{"identities": [` + id("a", "s", `{"topic": "a", "channels": [".*"], "permissions": []}`) + `]}`:          "permissions is empty",
		`{"identities": [` + id("a", "s", `{"topic": "a", "channels": [".*"], "permissions": ["read"]}`) + `]}`:    `permission "read" is neither subscribe nor publish`,
	}
	for config, want := range cases {
		_, err := parseConfig([]byte(config))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line with %q", config, err, want)
		}
	}
}

func TestLoadConfigNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if _, err := loadConfig(path); err == nil || !strings.HasPrefix(err.Error(), "--config: open "+path+": no such file") {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte(`{"ttl": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(path); err == nil || err.Error() != "--config "+path+": identities is empty: nobody could connect" {
		t.Errorf("bad file: %v", err)
	}
}
