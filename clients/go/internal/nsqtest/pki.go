package nsqtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// PKI is a throwaway certificate authority with the certificates the TLS tests need, as PEM
// files (keys in PKCS#8) in a folder of the test.
type PKI struct {
	// CAFile is the CA that signed the server and client certificates.
	CAFile string
	// ServerCert and ServerKey are nsqd's, for 127.0.0.1 and localhost only.
	ServerCert, ServerKey string
	// ClientCert and ClientKey are a client's (common name kubefuncs-client), for
	// --tls-client-auth-policy.
	ClientCert, ClientKey string
	// OtherCAFile is a CA that signed nothing here.
	OtherCAFile string
}

// NewPKI makes a CA, a server and a client certificate signed by it, and an unrelated CA.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	dir := t.TempDir()
	p := &PKI{}
	caCert, caKey := issue(t, dir, "ca", &x509.Certificate{
		Subject: pkix.Name{CommonName: "kubefuncs test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}, nil, nil)
	p.CAFile = filepath.Join(dir, "ca.crt")
	p.ServerCert, p.ServerKey = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	issue(t, dir, "server", &x509.Certificate{
		Subject: pkix.Name{CommonName: "nsqd"}, DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, caCert, caKey)
	p.ClientCert, p.ClientKey = filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")
	issue(t, dir, "client", &x509.Certificate{
		Subject:  pkix.Name{CommonName: "kubefuncs-client"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, caCert, caKey)
	issue(t, dir, "other-ca", &x509.Certificate{
		Subject: pkix.Name{CommonName: "unrelated CA"}, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, nil, nil)
	p.OtherCAFile = filepath.Join(dir, "other-ca.crt")
	return p
}

// NsqdFlags are nsqd's TLS flags with this PKI's server certificate, requiring TLS as required
// says (true, or tcp-https as the nsq chart runs it).
func (p *PKI) NsqdFlags(required string) []string {
	return []string{"--tls-cert=" + p.ServerCert, "--tls-key=" + p.ServerKey, "--tls-root-ca-file=" + p.CAFile,
		"--tls-required=" + required, "--tls-min-version=tls1.2"}
}

// issue writes NAME.crt and NAME.key, signed by parent (self-signed when parent is nil).
func issue(t testing.TB, dir, name string, tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.SerialNumber, err = rand.Int(rand.Reader, big.NewInt(1<<62)); err != nil {
		t.Fatal(err)
	}
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, name+".crt"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(dir, name+".key"), "PRIVATE KEY", pkcs8)
	return cert, key
}

func writePEM(t testing.TB, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// StartAuth starts an nsqd auth server (for --auth-http-address; its host:port is returned)
// that grants subscribe and publish on the topics matching the regular expression topics, on
// every channel, to the one secret it knows, and refuses every other secret.
func StartAuth(t testing.TB, secret, topics string) string {
	t.Helper()
	grant, err := json.Marshal(map[string]any{"ttl": 3600, "identity": "test", "authorizations": []map[string]any{
		{"topic": topics, "channels": []string{".*"}, "permissions": []string{"subscribe", "publish"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/auth" || r.URL.Query().Get("secret") != secret {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		_, _ = w.Write(grant)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}
