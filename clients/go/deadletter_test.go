package kubefuncs

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

// A dead letter fits its limit exactly at every body size, across the lengths where the body's
// length prefix grows a byte (127/128, 16383/16384, 2097151/2097152), and keeps all it can.
func TestEveryDeadLetterFitsItsLimitAndKeepsAsMuchOfTheBodyAsFits(t *testing.T) {
	for _, limit := range []int{300, 500, 16_600, 1 << 20, 3 << 20} {
		for _, size := range []int{0, 1, 127, 128, 129, 16_383, 16_384, 16_385, limit - 200, limit - 100, limit - 1, limit,
			limit + 1, 2_097_151, 2_097_152, 4 << 20} {
			body := bytes.Repeat([]byte{7}, size)
			letter := deadLetterOf("t", "c", "0123456789abcdef", 3, body, "why", limit)
			sum := sha256.Sum256(body)
			n := deterministic.Size(letter)
			switch {
			case n > limit:
				t.Errorf("body of %d bytes within %d: letter of %d bytes", size, limit, n)
			case letter.BodyLength != int64(size) || !bytes.Equal(letter.BodySha256, sum[:]):
				t.Errorf("body of %d bytes within %d: length %d, digest %x", size, limit, letter.BodyLength, letter.BodySha256)
			case len(letter.Body) < size:
				letter.Body = body[:len(letter.Body)+1]
				if deterministic.Size(letter) <= limit {
					t.Errorf("body of %d bytes within %d: cut to %d, one more byte fits", size, limit, len(letter.Body)-1)
				}
			}
		}
	}
}

func TestALongReasonIsCutSoThatTheBodyKeepsItsRoom(t *testing.T) {
	letter := deadLetterOf("t", "c", "0123456789abcdef", 1, make([]byte, 10_000), strings.Repeat("é", 100_000), 1<<20)
	if got := []rune(letter.Reason); len(got) != maxReasonRunes+3 || !strings.HasSuffix(letter.Reason, "...") {
		t.Errorf("reason of %d runes", len(got))
	}
	if len(letter.Body) != 10_000 {
		t.Errorf("body cut to %d bytes", len(letter.Body))
	}
}
