package openapi

import (
	"encoding/json"
	"testing"
)

// messageAnswer is what the platform answers to a message send.
var messageAnswer = []byte(`{"id":"08f3fb9fc9a8e0a2bd0110a2b8c5051a0131","channel_id":"1234567","guild_id":"7654321",` +
	`"content":"pong: hello there","timestamp":"2026-12-05T16:20:00+08:00","tts":false,"mention_everyone":false,` +
	`"author":{"id":"1111","username":"luabot-demo","avatar":"","bot":true},"pinned":false,"type":0,"flags":0,"seq_in_channel":"42"}`)

// BenchmarkAnswer is the client's work on a successful send's answer after
// reading it: classify it, hand it over as raw JSON, and check it for a
// pending audit (bindings does that for every send). "before" is what the
// same steps cost when each decoded the body with encoding/json.
func BenchmarkAnswer(b *testing.B) {
	b.Run("before", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			raw := append([]byte(nil), messageAnswer...)
			var eb errorBody
			var out json.RawMessage
			var ab auditBody
			if json.Unmarshal(raw, &eb) != nil || json.Unmarshal(raw, &out) != nil || json.Unmarshal(out, &ab) != nil {
				b.Fatal("decode")
			}
		}
	})
	b.Run("now", func(b *testing.B) {
		c := &Client{}
		b.ReportAllocs()
		for b.Loop() {
			raw := append([]byte(nil), messageAnswer...)
			if _, e := c.classify(200, "", raw); e != nil {
				b.Fatal(e)
			}
			var out json.RawMessage
			if err := decodeAnswer(raw, &out); err != nil {
				b.Fatal(err)
			}
			if _, ok := AuditOf(out); ok {
				b.Fatal("audit")
			}
		}
	})
}
