package kubefuncs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"strings"
)

// hints add what to set to the errors of go-nsq and nsqd about TLS and AUTH, which go-nsq hands
// over as text ("Auth Required", "E_UNAUTHORIZED AUTH failed for PUB on ..."): whoever reads
// them learns which setting is wrong, not only that something is.
var hints = []struct{ text, hint string }{
	{"E_UNAUTHORIZED", "the auth server (nsqd --auth-http-address) does not grant this topic to the identity of NSQ_AUTH_SECRET"},
	{"E_AUTH_FAILED", "nsqd's auth server refused NSQ_AUTH_SECRET, or did not answer"},
	{"Auth Required", "nsqd requires AUTH: set NSQ_AUTH_SECRET"},
	{"(TLS required)", "nsqd requires TLS: set NSQ_TLS=true"},
	{"x509: certificate signed by unknown authority", "set NSQ_TLS_CA_FILE to the CA that signed nsqd's certificate"},
	{"x509: certificate is valid for", "set NSQ_TLS_SERVER_NAME to a name nsqd's certificate carries"},
}

func hintFor(text string) string {
	for _, h := range hints {
		if strings.Contains(text, h.text) {
			return h.hint
		}
	}
	return ""
}

// hinted is an error with what to do about it.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() + ": " + h.hint }
func (h *hinted) Unwrap() error { return h.err }

// explain adds its hint to err, if it has one.
func explain(err error) error {
	if err == nil {
		return nil
	}
	if h := hintFor(err.Error()); h != "" {
		return &hinted{err, h}
	}
	return err
}

// nsqLog is the client's logger as go-nsq's: go-nsq logs what nsqd answers asynchronously (a
// SUB refused for want of a grant, say) itself, so the hints go into its lines.
type nsqLog struct{ l *log.Logger }

func (n nsqLog) Output(calldepth int, s string) error {
	if h := hintFor(s); h != "" {
		s += ": " + h
	}
	return n.l.Output(calldepth+1, s)
}

// tlsFailure says why a TLS connection to nsqd failed, and what to set.
func tlsFailure(addr string, cfg *tls.Config, err error) error {
	var unknown x509.UnknownAuthorityError
	var name x509.HostnameError
	switch {
	case errors.As(err, &unknown):
		if cfg.RootCAs == nil {
			return fmt.Errorf("nsqd %s: its certificate is not signed by a CA of the system's trust store (%w): set NSQ_TLS_CA_FILE to the CA that signed it", addr, err)
		}
		return fmt.Errorf("nsqd %s: its certificate is not signed by a CA in NSQ_TLS_CA_FILE (%w)", addr, err)
	case errors.As(err, &name):
		return fmt.Errorf("nsqd %s: its certificate is not valid for the name %s (%w): set NSQ_TLS_SERVER_NAME to a name it carries", addr, name.Host, err)
	case strings.Contains(err.Error(), "remote error: tls:"):
		return fmt.Errorf("nsqd %s refused the TLS connection (%w): if it requires client certificates (--tls-client-auth-policy), set NSQ_TLS_CERT_FILE and NSQ_TLS_KEY_FILE to one signed by its --tls-root-ca-file", addr, err)
	}
	return fmt.Errorf("nsqd %s: TLS failed: %w", addr, err)
}
