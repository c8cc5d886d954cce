package kubefuncs

import (
	"crypto/sha256"
	"errors"
	"regexp"
	"strconv"
	"sync/atomic"
	"unicode/utf8"

	nsq "github.com/nsqio/go-nsq"
	"google.golang.org/protobuf/encoding/protowire"
)

// maxReasonRunes caps a dead letter's reason: a reason quoting its input (a parser's message)
// would take the room of the body, which carries that input.
const maxReasonRunes = 1024

// defaultMaxMsgSize is nsqd's default --max-msg-size, and KUBEFUNCS_MAX_MESSAGE_SIZE's. go-nsq does
// not tell what nsqd allows (nor does nsqd 1.3.0's IDENTIFY answer), so messages stay within the
// setting until nsqd refuses one as larger than a smaller limit.
const defaultMaxMsgSize = 1 << 20

// deadLetterOf is the letter for a message, at most maxBytes encoded, since nsqd refuses a larger
// one and the message would then be redelivered instead of given up on, forever: everything but
// the body whole, the reason cut to maxReasonRunes, and as much of the body as then fits.
func deadLetterOf(topic, channel, id string, attempts int, body []byte, reason string, maxBytes int) *DeadLetter {
	if utf8.RuneCountInString(reason) > maxReasonRunes {
		reason = string([]rune(reason)[:maxReasonRunes]) + "..."
	}
	sum := sha256.Sum256(body)
	letter := &DeadLetter{
		Reason:     toValidUTF8(reason),
		Topic:      topic,
		Channel:    channel,
		Attempts:   int32(attempts),
		MessageId:  id,
		BodyLength: int64(len(body)),
		BodySha256: sum[:],
	}
	// The body field costs a tag byte and a length varint besides its bytes.
	room := maxBytes - deterministic.Size(letter) - 1
	kept := min(len(body), room-protowire.SizeVarint(uint64(max(room, 0))))
	if kept > 0 {
		letter.Body = body[:kept]
	}
	return letter
}

// refusal is a publish refused for what it is (a topic name nsqd does not accept): publishing it
// again cannot succeed.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

// isRefused reports whether a publish failed for what it published, by this client or by nsqd
// (an error frame such as E_BAD_TOPIC or E_BAD_MESSAGE), rather than for want of a connection.
func isRefused(err error) bool {
	var r *refusal
	var p nsq.ErrProtocol
	return errors.As(err, &r) || errors.As(err, &p)
}

// tooBig is nsqd's refusal of a body larger than its limit: "E_BAD_MESSAGE PUB message too big 5000 > 4096".
var tooBig = regexp.MustCompile(`message too big \d+ > (\d+)`)

// msgSizeLimit is the largest body nsqd accepts, as far as the client knows: the setting, or
// less once nsqd said so.
type msgSizeLimit struct{ bytes atomic.Int64 }

func (l *msgSizeLimit) get() int { return int(l.bytes.Load()) }

// learn lowers the limit to the one nsqd gave when it refused a message as too big.
func (l *msgSizeLimit) learn(err error) {
	var p nsq.ErrProtocol
	if !errors.As(err, &p) {
		return
	}
	m := tooBig.FindStringSubmatch(p.Reason)
	if m == nil {
		return
	}
	if n, perr := strconv.ParseInt(m[1], 10, 64); perr == nil {
		l.lower(n)
	}
}

// lower makes n the limit when it is positive and below the current one.
func (l *msgSizeLimit) lower(n int64) {
	for {
		cur := l.bytes.Load()
		if n <= 0 || n >= cur || l.bytes.CompareAndSwap(cur, n) {
			return
		}
	}
}
