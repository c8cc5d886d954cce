package kubefuncs_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	client "github.com/kubefuncs/kubefuncs/clients/go"
	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

// nsqd writes each frame of an unbuffered connection (output_buffer_size -1) in three system
// calls, size, type and data apart. Consumers ask for that so that nsqd never holds an event for
// its buffer timer; a producer must not, as every OK would cost nsqd three writes and gain nothing:
// nsqd flushes its answer to a command at once.
func TestProducersKeepNsqdsOutputBufferAndConsumersTurnItOff(t *testing.T) {
	t.Parallel()
	nsqd := nsqtest.StartNsqd(t, nil)
	wire := recordWire(t, nsqd.TCPAddr)
	fn := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(wire.addr()))
	sub, err := fn.On("buffers", "default", pong)
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	ev, err := client.NewEvent("buffers-out", &client.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if err := fn.Emit(ctxTimeout(t, 10*time.Second), ev); err != nil {
		t.Fatal(err)
	}

	asked := wire.outputBufferSizes(t)
	if got := asked["RDY"]; got != -1 {
		t.Errorf("the subscription's connection asked nsqd for output_buffer_size %v, want -1 (unbuffered)", got)
	}
	if got := asked["PUB"]; got == -1 {
		t.Errorf("the producer's connection asked nsqd for output_buffer_size -1, want nsqd's buffer")
	}
}

// wireRecorder relays connections to nsqd and keeps what each client sent.
type wireRecorder struct {
	ln    net.Listener
	mu    sync.Mutex
	sent  []*bytes.Buffer
	conns []net.Conn
}

func recordWire(t *testing.T, nsqdAddr string) *wireRecorder {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &wireRecorder{ln: ln}
	t.Cleanup(func() {
		_ = ln.Close()
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, c := range w.conns {
			_ = c.Close()
		}
	})
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", nsqdAddr)
			if err != nil {
				_ = in.Close()
				continue
			}
			sent := &lockedBuffer{mu: &w.mu}
			w.mu.Lock()
			w.sent = append(w.sent, &sent.buf)
			w.conns = append(w.conns, in, out)
			w.mu.Unlock()
			go func() { _, _ = io.Copy(out, io.TeeReader(in, sent)) }()
			go func() { _, _ = io.Copy(in, out) }()
		}
	}()
	return w
}

func (w *wireRecorder) addr() string { return w.ln.Addr().String() }

// outputBufferSizes waits until one connection has taken messages (RDY) and another published (PUB),
// and returns the output_buffer_size each asked for in its IDENTIFY, under "RDY" and "PUB".
func (w *wireRecorder) outputBufferSizes(t *testing.T) map[string]float64 {
	sizes := map[string]float64{}
	nsqtest.Eventually(t, 10*time.Second, "a consuming and a publishing connection", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, sent := range w.sent {
			if command, size, ok := identified(sent.Bytes()); ok {
				sizes[command] = size
			}
		}
		_, rdy := sizes["RDY"]
		_, pub := sizes["PUB"]
		return rdy && pub
	})
	return sizes
}

// identified reads a connection's magic and IDENTIFY, and then the PUB or the SUB and RDY that show
// what the connection is for; ok once they are there. nsqd sends messages only after a RDY.
func identified(sent []byte) (command string, outputBufferSize float64, ok bool) {
	r := bufio.NewReader(bytes.NewReader(sent))
	if _, err := r.Discard(len("  V2")); err != nil {
		return "", 0, false
	}
	if line, err := r.ReadString('\n'); err != nil || line != "IDENTIFY\n" {
		return "", 0, false
	}
	var length uint32
	if err := binary.Read(r, binary.BigEndian, &length); err != nil {
		return "", 0, false
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		return "", 0, false
	}
	var identify map[string]any
	if json.Unmarshal(body, &identify) != nil {
		return "", 0, false
	}
	size, _ := identify["output_buffer_size"].(float64)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", 0, false
		}
		// After a SUB come commands without a body (RDY, FIN...); after a PUB nothing is read.
		if command, _, _ := strings.Cut(line, " "); command == "PUB" || command == "RDY" {
			return command, size, true
		}
	}
}

type lockedBuffer struct {
	mu  *sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
