package kubefuncs

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// maxNameLength is nsqd's limit on topic and channel names, "#ephemeral" included.
const maxNameLength = 64

const ephemeralSuffix = "#ephemeral"

// returnChannel is the channel of every caller's return topic.
const returnChannel = "default" + ephemeralSuffix

var validName = regexp.MustCompile(`^[.a-zA-Z0-9_-]+(#ephemeral)?$`)

// checkName returns an error saying why nsqd would refuse name as a topic or channel. Checking
// here turns nsqd's fatal E_BAD_TOPIC (which drops the connection) into an error at the call.
func checkName(kind, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s name is empty", kind)
	case len(name) > maxNameLength:
		return fmt.Errorf("%s name '%s' is %d characters, nsqd allows %d", kind, name, len(name), maxNameLength)
	case !validName.MatchString(name):
		return fmt.Errorf("%s name '%s' is invalid: use only letters, digits, '.', '_' and '-', optionally ending in #ephemeral", kind, name)
	}
	return nil
}

// deadLetterFor is the default dead-letter topic of topic: <topic>.dead, kept a valid name.
func deadLetterFor(topic string) string {
	base := strings.TrimSuffix(topic, ephemeralSuffix)
	const suffix = ".dead"
	if len(base)+len(suffix) > maxNameLength {
		base = base[:maxNameLength-len(suffix)]
	}
	return base + suffix
}

var invalidIDChars = regexp.MustCompile(`[^.a-zA-Z0-9_-]`)

// returnTopicFor is a caller's return topic: rpc-<client id>-<random>#ephemeral, shortened from
// the left to a valid name, as the Java SDK names it.
func returnTopicFor(clientID string) string {
	id := invalidIDChars.ReplaceAllString(clientID, "-")
	unique := newUUID()[:8]
	if id == "" {
		id = unique
	} else {
		id += "-" + unique
	}
	max := maxNameLength - len("rpc-") - len(ephemeralSuffix)
	if len(id) > max {
		id = id[len(id)-max:]
	}
	return "rpc-" + id + ephemeralSuffix
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("kubefuncs: no randomness for event ids: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
