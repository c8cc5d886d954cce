package kubefuncs

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
)

// resolveTLS reads NSQ_TLS, NSQ_TLS_CA_FILE, NSQ_TLS_CERT_FILE, NSQ_TLS_KEY_FILE,
// NSQ_TLS_SERVER_NAME and NSQ_AUTH_SECRET, with the Java SDK's checks, in its order and words:
// the files are read now, so that a wrong path is a bad setting at start rather than a failed
// connection later.
func (s *settings) resolveTLS() error {
	s.tls = nil
	// Not trimmed, as in the Java SDK: a secret is what it is, and the auth server compares it whole.
	s.authSecret = s.getenv("NSQ_AUTH_SECRET")
	on := s.env("NSQ_TLS", "false")
	if on != "true" && on != "false" {
		return &ConfigError{"NSQ_TLS", fmt.Sprintf("must be true or false, got '%s'", on)}
	}
	caFile, certFile, keyFile := s.env("NSQ_TLS_CA_FILE", ""), s.env("NSQ_TLS_CERT_FILE", ""), s.env("NSQ_TLS_KEY_FILE", "")
	serverName := s.env("NSQ_TLS_SERVER_NAME", "")
	if on == "false" {
		for _, name := range []string{"NSQ_TLS_CA_FILE", "NSQ_TLS_CERT_FILE", "NSQ_TLS_KEY_FILE", "NSQ_TLS_SERVER_NAME"} {
			if s.env(name, "") != "" {
				return &ConfigError{name, "is set but NSQ_TLS is not true: set NSQ_TLS=true to use TLS to nsqd, or unset " + name}
			}
		}
		return nil
	}
	switch {
	case certFile != "" && keyFile == "":
		return &ConfigError{"NSQ_TLS_KEY_FILE", "is not set but NSQ_TLS_CERT_FILE is: a client certificate needs its key, set both or neither"}
	case certFile == "" && keyFile != "":
		return &ConfigError{"NSQ_TLS_CERT_FILE", "is not set but NSQ_TLS_KEY_FILE is: a client certificate needs its key, set both or neither"}
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := readPEM("NSQ_TLS_CA_FILE", caFile, "CERTIFICATE")
		if err != nil {
			return err
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return &ConfigError{"NSQ_TLS_CA_FILE", caFile + " is not a readable PEM certificate file"}
		}
	}
	if certFile != "" {
		cert, err := loadClientCert(certFile, keyFile)
		if err != nil {
			return err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if serverName != "" {
		if !validHost(serverName) {
			return &ConfigError{"NSQ_TLS_SERVER_NAME", fmt.Sprintf("server name must be a host name or IP address, got '%s'", serverName)}
		}
		verifyAs(cfg, serverName)
	}
	s.tls = cfg
	return nil
}

func readSetting(variable, path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &ConfigError{variable, fmt.Sprintf("cannot read %s: %v", path, err)}
	}
	return b, nil
}

// readPEM reads a file that must hold a PEM block of the given kind.
func readPEM(variable, path, kind string) ([]byte, error) {
	b, err := readSetting(variable, path)
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(b, []byte("-----BEGIN "+kind+"-----")) {
		return nil, &ConfigError{variable, fmt.Sprintf("%s holds no PEM %s (-----BEGIN %s-----)", path, strings.ToLower(kind), kind)}
	}
	return b, nil
}

// pemKey finds a PEM private key, PKCS#8 or another kind (EC, RSA).
var pemKey = regexp.MustCompile(`-----BEGIN ([A-Z0-9]+ )?PRIVATE KEY-----`)

// loadClientCert reads the client certificate chain and its PKCS#8 key (the one key format the
// Java SDK reads too, so that both take the same files).
func loadClientCert(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := readPEM("NSQ_TLS_CERT_FILE", certFile, "CERTIFICATE")
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := readSetting("NSQ_TLS_KEY_FILE", keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	m := pemKey.FindSubmatch(keyPEM)
	switch {
	case m == nil:
		return tls.Certificate{}, &ConfigError{"NSQ_TLS_KEY_FILE", keyFile + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)"}
	case len(m[1]) > 0:
		return tls.Certificate{}, &ConfigError{"NSQ_TLS_KEY_FILE", fmt.Sprintf(
			"%s holds a %sPRIVATE KEY, not PKCS#8: convert it with openssl pkcs8 -topk8 -nocrypt", keyFile, m[1])}
	}
	if block, _ := pem.Decode(keyPEM[bytes.Index(keyPEM, m[0]):]); block == nil {
		return tls.Certificate{}, &ConfigError{"NSQ_TLS_KEY_FILE", keyFile + " holds a PEM private key that is not valid base64"}
	} else if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		return tls.Certificate{}, &ConfigError{"NSQ_TLS_KEY_FILE", keyFile + " holds a PKCS#8 key that is not an EC, RSA or Ed25519 key"}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, &ConfigError{"NSQ_TLS_CERT_FILE/NSQ_TLS_KEY_FILE", "cannot use the client certificate and key: " + err.Error()}
	}
	return cert, nil
}

// verifyAs makes connections check nsqd's certificate against name instead of the host
// connected to. go-nsq sets ServerName to that host on every connection, over the config's own,
// so the name cannot go there: the usual verification is replaced by the same one made with
// name (chain to RootCAs, or the system's roots, and name in the certificate).
func verifyAs(cfg *tls.Config, name string) {
	cfg.InsecureSkipVerify = true
	roots := cfg.RootCAs
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("nsqd sent no certificate")
		}
		intermediates := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			intermediates.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{DNSName: name, Roots: roots, Intermediates: intermediates})
		return err
	}
}
