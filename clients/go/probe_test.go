package kubefuncs

import (
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"net"
	"testing"
)

// An nsqd that states its max_msg_size in IDENTIFY lowers the client's limit to it, and never
// raises it: nsqd 1.3.0 states none, so this nsqd is a few lines of the protocol on a socket.
func TestMaxMsgSizeFromIdentifyLowersTheLimit(t *testing.T) {
	for _, tc := range []struct {
		stated, configured, want int64
	}{
		{stated: 300_000, configured: 1 << 20, want: 300_000},
		{stated: 4 << 20, configured: 1 << 20, want: 1 << 20},
		{stated: 0, configured: 1 << 20, want: 1 << 20},
	} {
		addr := identifyOnce(t, fmt.Sprintf(`{"msg_timeout":60000,"max_msg_size":%d}`, tc.stated))
		limit := &msgSizeLimit{}
		limit.bytes.Store(tc.configured)
		n := &nsqds{logger: log.New(io.Discard, "", 0), maxMsgSize: limit}
		if err := n.check(addr); err != nil {
			t.Fatal(err)
		}
		if got := int64(limit.get()); got != tc.want {
			t.Errorf("nsqd stating %d, configured %d: limit %d, want %d", tc.stated, tc.configured, got, tc.want)
		}
	}
}

// identifyOnce listens on 127.0.0.1 and answers one IDENTIFY with answer.
func identifyOnce(t *testing.T, answer string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		var head [4 + len("IDENTIFY\n") + 4]byte
		if _, err := io.ReadFull(conn, head[:]); err != nil {
			return
		}
		if _, err := io.CopyN(io.Discard, conn, int64(binary.BigEndian.Uint32(head[len(head)-4:]))); err != nil {
			return
		}
		frame := make([]byte, 8, 8+len(answer))
		binary.BigEndian.PutUint32(frame, uint32(4+len(answer)))
		_, _ = conn.Write(append(frame, answer...)) // frame type 0: a response
	}()
	return ln.Addr().String()
}
