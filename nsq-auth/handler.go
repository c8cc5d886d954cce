package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"log"
	"net/http"
)

// handler answers nsqd's GET /auth?secret=...&remote_ip=...&tls=...&common_name=... with the
// identity the secret belongs to and its authorizations (200), or 403 for an unknown secret;
// GET /healthz with 200.
type handler struct {
	identities []identity
	logger     *log.Logger
}

type identity struct {
	digest [sha256.Size]byte
	answer []byte // nsqd's JSON, made once
}

// authAnswer is what nsqd reads (nsqd/internal/auth State).
type authAnswer struct {
	TTL            int             `json:"ttl"`
	Identity       string          `json:"identity"`
	IdentityURL    string          `json:"identity_url"`
	Authorizations []Authorization `json:"authorizations"`
}

func newHandler(c *Config, logger *log.Logger) (*handler, error) {
	h := &handler{logger: logger}
	for _, id := range c.Identities {
		answer, err := json.Marshal(authAnswer{TTL: c.TTL, Identity: id.Name, Authorizations: id.Authorizations})
		if err != nil {
			return nil, err
		}
		h.identities = append(h.identities, identity{digest: sha256.Sum256([]byte(id.Secret)), answer: answer})
	}
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/auth", "/healthz":
	default:
		http.Error(w, "not found: nsqd asks GET /auth", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/healthz" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	q := r.URL.Query()
	answer := h.find(q.Get("secret"))
	if answer == nil {
		// Not JSON: nsqd reads a JSON 403 as a pointer to its HTTPS port and asks again there.
		h.logger.Printf("nsq-auth: refused an unknown secret: remote_ip %q, tls %q, common_name %q",
			q.Get("remote_ip"), q.Get("tls"), q.Get("common_name"))
		http.Error(w, "unknown secret", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(answer)
}

// find compares the secret with every identity's in constant time, through their SHA-256
// digests so that not even the length of a secret shows in the timing, and without stopping at
// the first match.
func (h *handler) find(secret string) []byte {
	if secret == "" {
		return nil
	}
	digest := sha256.Sum256([]byte(secret))
	var found []byte
	for i := range h.identities {
		if subtle.ConstantTimeCompare(digest[:], h.identities[i].digest[:]) == 1 {
			found = h.identities[i].answer
		}
	}
	return found
}
