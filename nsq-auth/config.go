package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
)

// Config is the server's configuration file: who is known by which secret, and what each may
// do. The authorizations are handed to nsqd as they are; nsqd matches them.
type Config struct {
	// TTL is how many seconds nsqd keeps an answer before asking again; default 3600.
	TTL        int        `json:"ttl"`
	Identities []Identity `json:"identities"`
}

// Identity is one secret and what it grants.
type Identity struct {
	Name           string          `json:"name"`
	Secret         string          `json:"secret"`
	Authorizations []Authorization `json:"authorizations"`
}

// Authorization is nsqd's: topics and channels are regular expressions (Go's syntax, unanchored,
// as nsqd matches them), permissions are subscribe and publish.
type Authorization struct {
	Topic       string   `json:"topic"`
	Channels    []string `json:"channels"`
	Permissions []string `json:"permissions"`
}

const defaultTTL = 3600

// loadConfig reads and checks the configuration file; the error is one line naming what is wrong.
func loadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	c, err := parseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("--config %s: %w", path, err)
	}
	return c, nil
}

func parseConfig(b []byte) (*Config, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	c := &Config{}
	if err := d.Decode(c); err != nil {
		return nil, fmt.Errorf("not a valid configuration: %v", err)
	}
	if d.More() {
		return nil, errors.New("not a valid configuration: more than one JSON value")
	}
	switch {
	case c.TTL == 0:
		c.TTL = defaultTTL
	case c.TTL < 0:
		return nil, fmt.Errorf("ttl must be a number of seconds of at least 1, got %d", c.TTL)
	}
	if len(c.Identities) == 0 {
		return nil, errors.New("identities is empty: nobody could connect")
	}
	names := map[string]bool{}
	secrets := map[[sha256.Size]byte]bool{}
	for i, id := range c.Identities {
		where := fmt.Sprintf("identities[%d]", i)
		switch {
		case id.Name == "":
			return nil, fmt.Errorf("%s: name is empty", where)
		case names[id.Name]:
			return nil, fmt.Errorf("%s: name %q is taken by an earlier identity", where, id.Name)
		case id.Secret == "":
			return nil, fmt.Errorf("%s (%s): secret is empty", where, id.Name)
		case secrets[sha256.Sum256([]byte(id.Secret))]:
			// Which identity a connection gets must not depend on the order in the file.
			return nil, fmt.Errorf("%s (%s): secret is the secret of an earlier identity", where, id.Name)
		case len(id.Authorizations) == 0:
			return nil, fmt.Errorf("%s (%s): authorizations is empty: nsqd refuses an identity without any", where, id.Name)
		}
		names[id.Name] = true
		secrets[sha256.Sum256([]byte(id.Secret))] = true
		for j, a := range id.Authorizations {
			if err := a.check(); err != nil {
				return nil, fmt.Errorf("%s (%s).authorizations[%d]: %w", where, id.Name, j, err)
			}
		}
	}
	return c, nil
}

func (a Authorization) check() error {
	if _, err := regexp.Compile(a.Topic); err != nil {
		return fmt.Errorf("topic %q is not a regular expression: %v", a.Topic, err)
	}
	if len(a.Channels) == 0 {
		return errors.New(`channels is empty: nothing would be allowed (publishing needs a channel expression that matches "", like ".*")`)
	}
	for _, ch := range a.Channels {
		if _, err := regexp.Compile(ch); err != nil {
			return fmt.Errorf("channel %q is not a regular expression: %v", ch, err)
		}
	}
	if len(a.Permissions) == 0 {
		return errors.New("permissions is empty: give subscribe, publish or both")
	}
	for _, p := range a.Permissions {
		if p != "subscribe" && p != "publish" {
			return fmt.Errorf("permission %q is neither subscribe nor publish", p)
		}
	}
	return nil
}
