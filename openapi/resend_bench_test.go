package openapi

import (
	"encoding/json"
	"net/http"
	"testing"
)

// BenchmarkIsPassiveReply is the per-reply check of a send's body for
// msg_id/event_id and msg_seq, as SendMessage builds it.
func BenchmarkIsPassiveReply(b *testing.B) {
	in := map[string]any{"content": "hello there", "msg_id": "08f3e1c2b7a4d5e6f708192a3b4c5d6e7f", "msg_seq": 1, "msg_type": 0}
	body, err := json.Marshal(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !isPassiveReply(http.MethodPost, "/v2/groups/0123456789ABCDEF/messages", in, body) {
			b.Fatal("not a passive reply")
		}
	}
}

// TestIsPassiveReply_MapAgreesWithBody: reading the body map directly gives
// the answer decoding its JSON would.
func TestIsPassiveReply_MapAgreesWithBody(t *testing.T) {
	for _, m := range []map[string]any{
		{"content": "x"},
		{"msg_id": "m1", "msg_seq": 1},
		{"msg_id": "m1", "msg_seq": int64(2)},
		{"msg_id": "m1", "msg_seq": 0},
		{"msg_id": "m1"},
		{"event_id": "e1", "msg_seq": 3},
		{"msg_id": "", "event_id": "", "msg_seq": 1},
		{"msg_id": nil, "event_id": "e1", "msg_seq": 1},
		{"msg_id": "m1", "msg_seq": "4"},
		{"msg_id": "m1", "msg_seq": 1.0},
		{"msg_id": "m1", "msg_seq": 0.5},
		{"msg_id": 7, "msg_seq": 1},
	} {
		body, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/channels/1/messages", "/v2/users/u/messages", "/channels/1/messages/2", "/v2/groups//messages"} {
			got := isPassiveReply(http.MethodPost, path, m, body)
			want := isPassiveReply(http.MethodPost, path, nil, body)
			if got != want {
				t.Errorf("%s %s: map says %v, body says %v", path, body, got, want)
			}
		}
	}
}
