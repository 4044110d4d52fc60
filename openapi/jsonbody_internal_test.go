package openapi

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

// stdJSON is what encodeBody produced before appendJSON: encoding/json with
// HTML escaping off and no trailing newline.
func stdJSON(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendJSON_SameBytesAsEncodingJSON(t *testing.T) {
	strs := []string{"", "ping", "<@!123> hi & bye", "quote\" back\\slash", "\b\f\n\r\t\x00\x01\x1f\x7f",
		"中文 🙂", "\u2028\u2029", "bad \xff\xfe utf8 \xe4\xb8", "tail\xc3"}
	cases := []any{
		nil, true, false, 0, -42, int64(math.MaxInt64), uint32(7), 3.5, json.Number("12"),
		map[string]any{}, []any{}, map[string]any(nil), []any(nil),
		map[string]any{"content": "ping", "msg_id": "m1", "msg_seq": 1, "msg_type": 0},
		map[string]any{"b": []any{1, "x", nil, map[string]any{"z": 1, "a": true}}, "a": json.Number("1.5e3"),
			"ark": map[string]any{"template_id": 23, "kv": []any{map[string]any{"key": "#DESC#", "value": "d"}}}},
		map[string]any{"message_reference": struct {
			MessageID string `json:"message_id"`
		}{"m"}, "Z": 1, "_": 2, "é": 3},
	}
	for _, s := range strs {
		cases = append(cases, s, map[string]any{s: s})
	}
	r := rand.New(rand.NewSource(1))
	for range 2000 {
		b := make([]byte, r.Intn(24))
		for i := range b {
			b[i] = byte(r.Intn(256))
			if r.Intn(3) == 0 {
				b[i] = "\"\\\n<>&\x00\xe2\x80\xa8"[r.Intn(10)]
			}
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		got, err := appendJSON(nil, c)
		if err != nil {
			t.Fatalf("appendJSON(%#v): %v", c, err)
		}
		if want := stdJSON(t, c); !bytes.Equal(got, want) {
			t.Errorf("appendJSON(%#v)\n got %s\nwant %s", c, got, want)
		}
	}
}

func TestAppendJSON_RefusesWhatEncodingJSONRefuses(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	for _, v := range []any{math.NaN(), math.Inf(1), json.Number("x"), map[string]any{"f": func() {}}, cyclic} {
		if _, err := appendJSON(nil, v); err == nil {
			t.Errorf("appendJSON(%T) = nil error, want one", v)
		}
	}
	if _, _, err := encodeBody(map[string]any{"n": math.NaN()}); err == nil || !strings.Contains(err.Error(), "encode request body") {
		t.Errorf("encodeBody(NaN) error = %v", err)
	}
}

// BenchmarkEncodeBody is the body of one passive reply, the shape every echo
// reply sends; "encoding-json" is how it was encoded before appendJSON.
func BenchmarkEncodeBody(b *testing.B) {
	body := map[string]any{"content": "ping <@!1234567890> 你好", "msg_id": "08f3b1c2d4e5f6a7b8c9d0e1f2a3b4c5", "msg_seq": 1}
	b.Run("appendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if out, _, err := encodeBody(body); err != nil || !utf8.Valid(out) {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if out := stdJSON(b, body); !utf8.Valid(out) {
				b.Fatal("invalid")
			}
		}
	})
}
