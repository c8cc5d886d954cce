package kubefuncs

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// The golden vectors of proto/testdata (written by the Java side) are the wire format's truth:
// Go must decode every one to the manifest's content, re-encode it to the same bytes, and build
// the same bytes from the manifest.

type vector struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
	Event  struct {
		ID       string            `json:"id"`
		Topic    string            `json:"topic"`
		Return   string            `json:"return"`
		Metadata map[string]string `json:"metadata"`
		Payload  *struct {
			TypeURL string                     `json:"type_url"`
			Fields  map[string]json.RawMessage `json:"fields"`
		} `json:"payload"`
	} `json:"event"`
	bytes []byte
}

func loadVectors(t *testing.T) map[string]*vector {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "proto", "testdata", "vectors.json")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("proto/testdata/vectors.json not found above the working directory")
		}
	}
	testdata := filepath.Join(dir, "proto", "testdata")
	raw, err := os.ReadFile(filepath.Join(testdata, "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Format  string    `json:"format"`
		Vectors []*vector `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	if manifest.Format != "kubefuncs-golden-vectors/1" || len(manifest.Vectors) == 0 {
		t.Fatalf("unexpected manifest: format %q, %d vectors", manifest.Format, len(manifest.Vectors))
	}
	vectors := map[string]*vector{}
	for _, v := range manifest.Vectors {
		if v.bytes, err = os.ReadFile(filepath.Join(testdata, v.File)); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(v.bytes)
		if len(v.bytes) != v.Size || hex.EncodeToString(sum[:]) != v.SHA256 {
			t.Fatalf("%s: %d bytes with sha256 %x, the manifest says %d and %s", v.File, len(v.bytes), sum, v.Size, v.SHA256)
		}
		vectors[v.Name] = v
	}
	return vectors
}

// fromManifest builds the message held in the payload from the manifest's fields, which list
// every field of the message.
func (v *vector) payloadFromManifest(t *testing.T) proto.Message {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByURL(v.Event.Payload.TypeURL)
	if err != nil {
		t.Fatalf("%s: payload type %s: %v", v.Name, v.Event.Payload.TypeURL, err)
	}
	m := mt.New()
	fields := m.Descriptor().Fields()
	if len(v.Event.Payload.Fields) != fields.Len() {
		t.Fatalf("%s: the manifest lists %d fields of %s, the message has %d", v.Name, len(v.Event.Payload.Fields), m.Descriptor().FullName(), fields.Len())
	}
	for name, raw := range v.Event.Payload.Fields {
		fd := fields.ByName(protoreflect.Name(name))
		if fd == nil {
			t.Fatalf("%s: %s has no field %s", v.Name, m.Descriptor().FullName(), name)
		}
		switch {
		case fd.IsMap():
			var entries map[string]string
			mustJSON(t, raw, &entries)
			mp := m.Mutable(fd).Map()
			for k, val := range entries {
				mp.Set(protoreflect.ValueOfString(k).MapKey(), protoreflect.ValueOfString(val))
			}
		case fd.Kind() == protoreflect.StringKind:
			var s string
			mustJSON(t, raw, &s)
			m.Set(fd, protoreflect.ValueOfString(s))
		case fd.Kind() == protoreflect.BytesKind:
			var s string
			mustJSON(t, raw, &s)
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				t.Fatal(err)
			}
			m.Set(fd, protoreflect.ValueOfBytes(b))
		case fd.Kind() == protoreflect.Int32Kind:
			var n int32
			mustJSON(t, raw, &n)
			m.Set(fd, protoreflect.ValueOfInt32(n))
		default:
			t.Fatalf("%s: field %s of kind %s is not handled by this test", v.Name, name, fd.Kind())
		}
	}
	return m.Interface()
}

func mustJSON(t *testing.T, raw json.RawMessage, dst any) {
	t.Helper()
	if err := json.Unmarshal(raw, dst); err != nil {
		t.Fatal(err)
	}
}

func TestGoldenVectorsDecodeToTheManifest(t *testing.T) {
	for name, v := range loadVectors(t) {
		t.Run(name, func(t *testing.T) {
			ev, err := decode(v.bytes)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Id != v.Event.ID || ev.Topic != v.Event.Topic || ev.Return != v.Event.Return {
				t.Errorf("id/topic/return %q %q %q, want %q %q %q", ev.Id, ev.Topic, ev.Return, v.Event.ID, v.Event.Topic, v.Event.Return)
			}
			if len(ev.Metadata) != len(v.Event.Metadata) {
				t.Errorf("metadata %v, want %v", ev.Metadata, v.Event.Metadata)
			}
			for k, val := range v.Event.Metadata {
				if ev.Metadata[k] != val {
					t.Errorf("metadata[%s] = %q, want %q", k, ev.Metadata[k], val)
				}
			}
			if v.Event.Payload == nil {
				if ev.Payload != nil {
					t.Errorf("payload %v, want none", ev.Payload)
				}
				return
			}
			if ev.Payload.GetTypeUrl() != v.Event.Payload.TypeURL {
				t.Errorf("type URL %s, want %s", ev.Payload.GetTypeUrl(), v.Event.Payload.TypeURL)
			}
			want := v.payloadFromManifest(t)
			got := want.ProtoReflect().New().Interface()
			if err := (&Message{event: ev}).Payload(got); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got, want) {
				t.Errorf("payload\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestGoldenVectorsReencodeByteForByte(t *testing.T) {
	for name, v := range loadVectors(t) {
		t.Run(name, func(t *testing.T) {
			ev, err := decode(v.bytes)
			if err != nil {
				t.Fatal(err)
			}
			again, err := encode(ev)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, v.bytes) {
				t.Errorf("re-encoded to %d different bytes\n got %x\nwant %x", len(again), again, v.bytes)
			}
		})
	}
}

func TestGoldenVectorsBuiltFromTheManifestByteForByte(t *testing.T) {
	for name, v := range loadVectors(t) {
		t.Run(name, func(t *testing.T) {
			// Built as the client builds events: NewEvent packs the payload.
			ev, err := NewEvent(v.Event.Topic, v.payloadFromManifest(t))
			if err != nil {
				t.Fatal(err)
			}
			ev.Id = v.Event.ID
			ev.Return = v.Event.Return
			if len(v.Event.Metadata) > 0 {
				ev.Metadata = v.Event.Metadata
			}
			// Encoded many times: Go randomizes map iteration, deterministic encoding must not care.
			for i := 0; i < 20; i++ {
				b, err := encode(ev)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b, v.bytes) {
					t.Fatalf("built %d different bytes\n got %x\nwant %x", len(b), b, v.bytes)
				}
			}
		})
	}
}

// The answers a Go function publishes are the vectors' answers, byte for byte.
func TestAnswersAreTheVectorsAnswers(t *testing.T) {
	vectors := loadVectors(t)
	request, err := decode(vectors["http_request_with_return"].bytes)
	if err != nil {
		t.Fatal(err)
	}
	created := vectors["http_response_created"]
	answer, err := Answer(HandlerFunc(func(ev *Message) error {
		return ev.Respond(created.payloadFromManifest(t))
	}), request)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := encode(answer); !bytes.Equal(b, created.bytes) {
		t.Errorf("Respond published\n %x\nwant %x", b, created.bytes)
	}

	failed := vectors["error_response"]
	answer, err = Answer(HandlerFunc(func(ev *Message) error {
		return errors.New("handler failed: division by zero")
	}), request)
	if err == nil {
		t.Fatal("Answer did not return the handler's error")
	}
	if b, _ := encode(answer); !bytes.Equal(b, failed.bytes) {
		t.Errorf("a failed handler's answer\n %x\nwant %x", b, failed.bytes)
	}
}
