package kubefuncs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

func TestTLSSettingsAreRead(t *testing.T) {
	pki := nsqtest.NewPKI(t)
	s, err := resolveWith(map[string]string{
		"NSQ_TLS": "true", "NSQ_TLS_CA_FILE": pki.CAFile, "NSQ_TLS_CERT_FILE": pki.ClientCert, "NSQ_TLS_KEY_FILE": pki.ClientKey,
		"NSQ_TLS_SERVER_NAME": "nsqd.kubefuncs.svc", "NSQ_AUTH_SECRET": "s3cret\n",
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	if s.tls == nil || s.tls.MinVersion != tls.VersionTLS12 || s.tls.RootCAs == nil || len(s.tls.Certificates) != 1 ||
		s.tls.VerifyConnection == nil {
		t.Errorf("TLS config %+v", s.tls)
	}
	// Taken whole, as the Java SDK does: the auth server compares it whole.
	if s.authSecret != "s3cret\n" {
		t.Errorf("auth secret %q", s.authSecret)
	}

	s, err = resolveWith(map[string]string{"NSQ_TLS": "true"}, false)
	if err != nil || s.tls == nil || s.tls.RootCAs != nil || s.tls.InsecureSkipVerify {
		t.Errorf("NSQ_TLS alone: %v, %+v; want the system's roots and the usual verification", err, s.tls)
	}
	s, err = resolveWith(map[string]string{}, false)
	if err != nil || s.tls != nil || s.authSecret != "" {
		t.Errorf("defaults: %v, tls %+v, secret %q", err, s.tls, s.authSecret)
	}
}

func TestBadTLSSettingsNameTheVariable(t *testing.T) {
	pki := nsqtest.NewPKI(t)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	writeFile(t, notPEM, []byte("hello\n"))
	ecKey := filepath.Join(dir, "ec.key")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, ecKey, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	unreadable := filepath.Join(dir, "unreadable.crt")
	writeFile(t, unreadable, nil)
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	on := func(kv ...string) map[string]string {
		env := map[string]string{"NSQ_TLS": "true"}
		for i := 0; i < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	cases := []struct {
		env              map[string]string
		variable, reason string
	}{
		{map[string]string{"NSQ_TLS": "yes"}, "NSQ_TLS", "must be true or false, got 'yes'"},
		{map[string]string{"NSQ_TLS": "TRUE"}, "NSQ_TLS", "must be true or false, got 'TRUE'"},
		{map[string]string{"NSQ_TLS_CA_FILE": pki.CAFile}, "NSQ_TLS_CA_FILE", "is set but NSQ_TLS is not true: set NSQ_TLS=true to use TLS to nsqd, or unset NSQ_TLS_CA_FILE"},
		{map[string]string{"NSQ_TLS": "false", "NSQ_TLS_SERVER_NAME": "nsqd"}, "NSQ_TLS_SERVER_NAME", "is set but NSQ_TLS is not true"},
		{map[string]string{"NSQ_TLS_KEY_FILE": pki.ClientKey}, "NSQ_TLS_KEY_FILE", "is set but NSQ_TLS is not true"},
		{on("NSQ_TLS_CA_FILE", filepath.Join(dir, "missing.crt")), "NSQ_TLS_CA_FILE", "cannot read " + filepath.Join(dir, "missing.crt") + ": no such file or directory"},
		{on("NSQ_TLS_CA_FILE", notPEM), "NSQ_TLS_CA_FILE", notPEM + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)"},
		{on("NSQ_TLS_CERT_FILE", pki.ClientCert), "NSQ_TLS_KEY_FILE", "is not set but NSQ_TLS_CERT_FILE is: a client certificate needs its key, set both or neither"},
		{on("NSQ_TLS_KEY_FILE", pki.ClientKey), "NSQ_TLS_CERT_FILE", "is not set but NSQ_TLS_KEY_FILE is"},
		{on("NSQ_TLS_KEY_FILE", pki.ClientKey, "NSQ_TLS_CA_FILE", "/nonexistent"), "NSQ_TLS_CERT_FILE", "is not set but NSQ_TLS_KEY_FILE is"},
		{on("NSQ_TLS_CERT_FILE", notPEM, "NSQ_TLS_KEY_FILE", pki.ClientKey), "NSQ_TLS_CERT_FILE", "holds no PEM certificate"},
		{on("NSQ_TLS_CERT_FILE", pki.ClientCert, "NSQ_TLS_KEY_FILE", ecKey), "NSQ_TLS_KEY_FILE", ecKey + " holds a EC PRIVATE KEY, not PKCS#8: convert it with openssl pkcs8 -topk8 -nocrypt"},
		{on("NSQ_TLS_CERT_FILE", pki.ClientCert, "NSQ_TLS_KEY_FILE", pki.ClientCert), "NSQ_TLS_KEY_FILE", " holds no PEM private key (-----BEGIN PRIVATE KEY-----)"},
		{on("NSQ_TLS_CERT_FILE", pki.ClientCert, "NSQ_TLS_KEY_FILE", pki.ServerKey), "NSQ_TLS_CERT_FILE/NSQ_TLS_KEY_FILE", "cannot use the client certificate and key: "},
		{on("NSQ_TLS_SERVER_NAME", "nsqd/x"), "NSQ_TLS_SERVER_NAME", "server name must be a host name or IP address, got 'nsqd/x'"},
	}
	if os.Geteuid() != 0 { // root reads any file
		cases = append(cases, struct {
			env              map[string]string
			variable, reason string
		}{on("NSQ_TLS_CA_FILE", unreadable), "NSQ_TLS_CA_FILE", "permission denied"})
	}
	for _, c := range cases {
		_, err := resolveWith(c.env, false)
		var bad *ConfigError
		if !errors.As(err, &bad) || bad.Variable != c.variable || !strings.Contains(bad.Message, c.reason) {
			t.Errorf("%v: got %v, want %s: ...%s...", c.env, err, c.variable, c.reason)
		}
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
