package gateway

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/luabot/luabot/internal/jsonscan"
)

var frameSeeds = []string{
	`{"op":0,"s":42,"t":"AT_MESSAGE_CREATE","id":"AT_MESSAGE_CREATE:1","d":{"id":"1","content":"hi \"x\"","n":[1,2.5,-3e2,true,false,null],"o":{}}}`,
	`{"op":10,"d":{"heartbeat_interval":41250}}`,
	`{"op":11}`,
	`{"op":7,"d":null}`,
	`{"op":9,"d":false}`,
	`{"op":0,"s":1,"t":"RESUMED","d":""}`,
	` { "op" : 0 , "extra" : {"a":[{}]}, "t":"X\u0041", "d" : [ ] } `,
	`{"op":0,"t":null,"s":null,"id":null,"d":null}`,
}

// DecodeEvent agrees with encoding/json on every well-formed frame.
func TestDecodeEvent_MatchesEncodingJSON(t *testing.T) {
	for _, seed := range frameSeeds {
		got, err := decodeFrame([]byte(seed))
		if err != nil {
			t.Fatalf("%s: %v", seed, err)
		}
		var want frame
		if err := json.Unmarshal([]byte(seed), &want); err != nil {
			t.Fatal(err)
		}
		if string(want.D) == "null" {
			want.D = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", seed, got, want)
		}
	}
}

func TestDecodeEvent_RejectsMalformed(t *testing.T) {
	for _, bad := range []string{``, `{`, `{"op":}`, `{"op":0,"d":{"a":}}`, `{"op":"x"}`, `{"op":0,"d":[1,]}`, `{"op":0 "d":1}`, `{"op":0,"d":"unterminated}`, `[]`, `{"op":0,"d":tru}`} {
		if _, err := decodeFrame([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzDecodeEvent(f *testing.F) {
	for _, s := range frameSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := decodeFrame(data)
		var want frame
		wantErr := json.Unmarshal(data, &want)
		if err == nil && wantErr != nil {
			// Ours checks structure, not every detail encoding/json does
			// (e.g. invalid UTF-8 or escapes inside d); d is checked again
			// when a script reads it. It must still never panic.
			return
		}
		if err != nil || wantErr != nil || foldedKey(data) {
			return
		}
		if string(want.D) == "null" {
			want.D = nil
		}
		if got.badSeq != "" {
			want.S = 0 // delivered unnumbered (maxSeq)
		}
		if !utf8.Valid(data) {
			// t and id keep bytes that are not UTF-8 (internal/jsonscan); encoding/json
			// replaces them with U+FFFD.
			want.T, want.ID = got.T, got.ID
		}
		if got.Op != want.Op || got.S != want.S || got.T != want.T || got.ID != want.ID || string(got.D) != string(want.D) {
			t.Fatalf("%q: got %+v, want %+v", data, got, want)
		}
	})
}

// foldedKey reports whether the object data has a key that encoding/json would take for
// one of the envelope's (it matches keys case-insensitively) but the platform's protocol,
// and decodeFrame, would not.
func foldedKey(data []byte) bool {
	folded := false
	_ = jsonscan.Fields(data, func(key []byte, _ jsonscan.Span) bool {
		k := string(key)
		for _, name := range []string{"op", "s", "t", "id", "d"} {
			if k != name && strings.EqualFold(k, name) {
				folded = true
			}
		}
		return true
	})
	return folded
}
