package kubefuncs

import (
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"
)

// nsqds checks each nsqd once before the client uses it, with an IDENTIFY of its own, and
// remembers its msg_timeout: handlers are TOUCHed at half of it, and go-nsq does not expose what
// nsqd said in IDENTIFY. An nsqd that states its max_msg_size lowers the client's limit to it at
// once, as the Java client does (nsqd 1.3.0 states none: KUBEFUNCS_MAX_MESSAGE_SIZE, and nsqd's
// refusals, are what the limit comes from there). go-nsq also goes on in plain text when nsqd does not offer TLS, and
// fails with a bare "Auth Required" when nsqd wants AUTH: the check fails first, saying what to
// set, before go-nsq sends anything (the AUTH secret above all) on the connection.
type nsqds struct {
	tls        *tls.Config
	authSecret string
	logger     *log.Logger
	maxMsgSize *msgSizeLimit

	timeouts   sync.Map // address -> time.Duration, for the nsqds checked
	unusedAuth sync.Once
}

func (n *nsqds) msgTimeout(addr string) time.Duration {
	if v, ok := n.timeouts.Load(addr); ok {
		return v.(time.Duration)
	}
	return defaultMsgTimeout
}

// check probes addr unless it passed before.
func (n *nsqds) check(addr string) error {
	if _, ok := n.timeouts.Load(addr); ok {
		return nil
	}
	answer, err := n.probe(addr)
	if err != nil {
		return err
	}
	switch {
	case answer.AuthRequired && n.authSecret == "":
		return fmt.Errorf("nsqd %s requires AUTH (it runs with --auth-http-address): set NSQ_AUTH_SECRET", addr)
	case !answer.AuthRequired && n.authSecret != "":
		n.unusedAuth.Do(func() {
			n.logger.Printf("kubefuncs: NSQ_AUTH_SECRET is set, but nsqd %s does not ask for AUTH: the secret is not sent", addr)
		})
	}
	n.maxMsgSize.lower(answer.MaxMsgSize)
	n.timeouts.Store(addr, time.Duration(answer.MsgTimeout)*time.Millisecond)
	return nil
}

type identifyAnswer struct {
	MsgTimeout   int64 `json:"msg_timeout"`
	MaxMsgSize   int64 `json:"max_msg_size"`
	TLSv1        bool  `json:"tls_v1"`
	AuthRequired bool  `json:"auth_required"`
}

// subscribe makes topic and channel exist on addr, which check passed: it subscribes on a
// connection of its own (AUTH first where nsqd asks for it) and returns once nsqd answered OK.
// The connection never sends RDY, so nsqd hands it no message, and it is closed at once.
func (n *nsqds) subscribe(addr, topic, channel string) error {
	conn, answer, err := n.open(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if answer.AuthRequired {
		auth := append([]byte("AUTH\n"), 0, 0, 0, 0)
		binary.BigEndian.PutUint32(auth[len(auth)-4:], uint32(len(n.authSecret)))
		if _, err := conn.Write(append(auth, n.authSecret...)); err != nil {
			return err
		}
		if _, err := readFrame(conn, addr, "AUTH"); err != nil {
			return err
		}
	}
	if _, err := conn.Write([]byte("SUB " + topic + " " + channel + "\n")); err != nil {
		return err
	}
	data, err := readFrame(conn, addr, "SUB")
	if err == nil && string(data) != "OK" {
		err = fmt.Errorf("nsqd %s answered SUB with '%s', not OK", addr, data)
	}
	return err
}

// probe returns nsqd's answer to open's IDENTIFY, and closes the connection.
func (n *nsqds) probe(addr string) (*identifyAnswer, error) {
	conn, answer, err := n.open(addr)
	if err != nil {
		return nil, err
	}
	conn.Close()
	return answer, nil
}

// open opens a connection to nsqd, sends IDENTIFY with feature negotiation (and TLS, when on),
// and returns the connection, ready for commands, and nsqd's answer; with TLS, after the
// handshake and nsqd's OK over TLS.
func (n *nsqds) open(addr string) (_ net.Conn, _ *identifyAnswer, err error) {
	conn, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			conn.Close()
		}
	}()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	body := []byte(`{"client_id":"kubefuncs-probe","feature_negotiation":true,"tls_v1":false}`)
	if n.tls != nil {
		body = []byte(`{"client_id":"kubefuncs-probe","feature_negotiation":true,"tls_v1":true}`)
	}
	req := append([]byte("  V2IDENTIFY\n"), 0, 0, 0, 0)
	binary.BigEndian.PutUint32(req[len(req)-4:], uint32(len(body)))
	if _, err := conn.Write(append(req, body...)); err != nil {
		return nil, nil, err
	}
	data, err := readFrame(conn, addr, "IDENTIFY")
	if err != nil {
		return nil, nil, err
	}
	answer := &identifyAnswer{}
	if err := json.Unmarshal(data, answer); err != nil {
		return nil, nil, fmt.Errorf("nsqd %s: IDENTIFY answer is not JSON", addr)
	}
	if n.tls == nil {
		return conn, answer, nil
	}
	if !answer.TLSv1 {
		return nil, nil, fmt.Errorf("nsqd %s does not offer TLS, and NSQ_TLS is true: give nsqd --tls-cert and --tls-key, or set NSQ_TLS=false", addr)
	}
	host, _, _ := net.SplitHostPort(addr)
	cfg := n.tls.Clone()
	cfg.ServerName = host // as go-nsq does
	tc := tls.Client(conn, cfg)
	if err := tc.Handshake(); err != nil {
		return nil, nil, tlsFailure(addr, n.tls, err)
	}
	// With TLS 1.3, nsqd's verdict on the client's certificate comes after the handshake: a
	// refusal shows here, as an alert instead of the OK.
	if data, err = readFrame(tc, addr, "TLS"); err != nil {
		return nil, nil, tlsFailure(addr, n.tls, err)
	}
	if string(data) != "OK" {
		return nil, nil, fmt.Errorf("nsqd %s answered the TLS upgrade with '%s', not OK", addr, data)
	}
	return tc, answer, nil
}

// readFrame reads one response frame; an error frame is an error.
func readFrame(r io.Reader, addr, what string) ([]byte, error) {
	var head [8]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(head[:4])
	if size < 4 || size > 1<<20 {
		return nil, fmt.Errorf("nsqd %s: bad frame size %d", addr, size)
	}
	data := make([]byte, size-4)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, err
	}
	if frameType := binary.BigEndian.Uint32(head[4:]); frameType != 0 {
		return nil, fmt.Errorf("nsqd %s refused %s: %s", addr, what, data)
	}
	return data, nil
}
