package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func testHandler(t *testing.T) (*handler, *bytes.Buffer) {
	t.Helper()
	c, err := parseConfig([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	h, err := newHandler(c, log.New(logs, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	return h, logs
}

func serve(h http.Handler, method, target string) (int, string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

func authQuery(secret string) string {
	return "/auth?" + url.Values{"secret": {secret}, "remote_ip": {"10.0.0.9"}, "tls": {"true"}, "common_name": {""}}.Encode()
}

func TestKnownSecretGetsItsIdentityInNsqdsFormat(t *testing.T) {
	h, _ := testHandler(t)
	code, body := serve(h, http.MethodGet, authQuery("r-secret"))
	if code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", code, body)
	}
	// The fields nsqd reads (nsqd/internal/auth State), nothing else.
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"ttl": 60.0, "identity": "reader", "identity_url": "", "authorizations": []any{
		map[string]any{"topic": "^orders$", "channels": []any{"^audit$"}, "permissions": []any{"subscribe"}}}}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("answer\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if _, body := serve(h, http.MethodGet, authQuery("f-secret")); !strings.Contains(body, `"identity":"functions"`) {
		t.Errorf("f-secret: %s", body)
	}
}

func TestUnknownSecretIsForbiddenAndNotLogged(t *testing.T) {
	h, logs := testHandler(t)
	for _, secret := range []string{"nope-secret", "", "r-secre", "r-secret "} {
		code, body := serve(h, http.MethodGet, authQuery(secret))
		if code != http.StatusForbidden {
			t.Errorf("secret %q: HTTP %d %s, want 403", secret, code, body)
		}
		// Not JSON, so that nsqd does not look for an HTTPS port in it.
		if json.Valid([]byte(body)) {
			t.Errorf("secret %q: 403 body %q is JSON", secret, body)
		}
	}
	if strings.Contains(logs.String(), "nope-secret") || !strings.Contains(logs.String(), `refused an unknown secret: remote_ip "10.0.0.9", tls "true", common_name ""`) {
		t.Errorf("log:\n%s", logs)
	}
	if code, _ := serve(h, http.MethodGet, "/auth"); code != http.StatusForbidden {
		t.Errorf("no secret at all: HTTP %d", code)
	}
}

func TestHealthzAndOtherRequests(t *testing.T) {
	h, _ := testHandler(t)
	if code, body := serve(h, http.MethodGet, "/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, _ := serve(h, http.MethodPost, authQuery("r-secret")); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /auth: %d", code)
	}
	if code, _ := serve(h, http.MethodGet, "/"); code != http.StatusNotFound {
		t.Errorf("GET /: %d", code)
	}
}
