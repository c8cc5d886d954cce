package kubefuncs

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// resolveTLS reads NSQ_TLS, NSQ_TLS_CA_FILE, NSQ_TLS_CERT_FILE, NSQ_TLS_KEY_FILE,
// NSQ_TLS_SERVER_NAME and NSQ_AUTH_SECRET, with the Java SDK's checks: the files are read now, so
// that a wrong path is a bad setting at start rather than a failed connection later.
func (s *settings) resolveTLS() error {
	s.tls = nil
	s.authSecret = s.env("NSQ_AUTH_SECRET", "")
	on := false
	switch v := s.env("NSQ_TLS", "false"); strings.ToLower(v) {
	case "true":
		on = true
	case "false":
	default:
		return &ConfigError{"NSQ_TLS", fmt.Sprintf("must be true or false, got '%s'", v)}
	}
	caFile, certFile, keyFile := s.env("NSQ_TLS_CA_FILE", ""), s.env("NSQ_TLS_CERT_FILE", ""), s.env("NSQ_TLS_KEY_FILE", "")
	serverName := s.env("NSQ_TLS_SERVER_NAME", "")
	if !on {
		for _, name := range []string{"NSQ_TLS_CA_FILE", "NSQ_TLS_CERT_FILE", "NSQ_TLS_KEY_FILE", "NSQ_TLS_SERVER_NAME"} {
			if s.env(name, "") != "" {
				return &ConfigError{name, "is set but NSQ_TLS is not true: set NSQ_TLS=true to connect to nsqd over TLS"}
			}
		}
		return nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := readSetting("NSQ_TLS_CA_FILE", caFile)
		if err != nil {
			return err
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return &ConfigError{"NSQ_TLS_CA_FILE", fmt.Sprintf("'%s' holds no PEM certificate", caFile)}
		}
	}
	switch {
	case certFile != "" && keyFile == "":
		return &ConfigError{"NSQ_TLS_KEY_FILE", "is not set, but NSQ_TLS_CERT_FILE is: a client certificate needs its key"}
	case certFile == "" && keyFile != "":
		return &ConfigError{"NSQ_TLS_CERT_FILE", "is not set, but NSQ_TLS_KEY_FILE is: a client key needs its certificate"}
	case certFile != "":
		cert, err := loadClientCert(certFile, keyFile)
		if err != nil {
			return err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if serverName != "" {
		if !validHost(serverName) {
			return &ConfigError{"NSQ_TLS_SERVER_NAME", fmt.Sprintf("must be a host name or IP address, got '%s'", serverName)}
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
		return nil, &ConfigError{variable, fmt.Sprintf("cannot read '%s': %v", path, err)}
	}
	return b, nil
}

// loadClientCert reads the client certificate chain and its PKCS#8 key (the one key format the
// Java SDK reads too, so that both take the same files).
func loadClientCert(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := readSetting("NSQ_TLS_CERT_FILE", certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	if block, _ := pem.Decode(certPEM); block == nil || block.Type != "CERTIFICATE" {
		return tls.Certificate{}, &ConfigError{"NSQ_TLS_CERT_FILE", fmt.Sprintf("'%s' holds no PEM certificate", certFile)}
	}
	keyPEM, err := readSetting("NSQ_TLS_KEY_FILE", keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil || block.Type != "PRIVATE KEY" {
		return tls.Certificate{}, &ConfigError{"NSQ_TLS_KEY_FILE", fmt.Sprintf(
			"'%s' holds no PEM PKCS#8 private key (-----BEGIN PRIVATE KEY-----; openssl pkcs8 -topk8 -nocrypt converts others)", keyFile)}
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		return tls.Certificate{}, &ConfigError{"NSQ_TLS_KEY_FILE", fmt.Sprintf("'%s' is not a readable PKCS#8 private key: %v", keyFile, err)}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, &ConfigError{"NSQ_TLS_KEY_FILE", fmt.Sprintf("'%s' does not go with the certificate in NSQ_TLS_CERT_FILE: %v", keyFile, err)}
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
