package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// Whatever heartbeat_interval a Hello carries, the client keeps going: it identifies and
// heartbeats at a rate within bounds, and says once when it did not use the value as
// sent. 9223372036855 ms overflows time.Duration; it used to panic the process in
// time.NewTicker.
func TestClient_HelloHeartbeatIntervalBounds(t *testing.T) {
	tests := []struct {
		name  string
		d     string // Hello's d
		want  string // the interval used, as logged
		fixed bool   // a warning says the value was not used as sent
	}{
		{"platform value", `{"heartbeat_interval":41250}`, "41.25s", false},
		{"overflows time.Duration", `{"heartbeat_interval":9223372036855}`, "10m0s", true},
		{"max int64", `{"heartbeat_interval":9223372036854775807}`, "10m0s", true},
		{"beyond int64", `{"heartbeat_interval":1e30}`, "10m0s", true},
		{"an hour", `{"heartbeat_interval":3600000}`, "10m0s", true},
		{"too small", `{"heartbeat_interval":1}`, "100ms", true},
		{"fraction", `{"heartbeat_interval":0.5}`, "100ms", true},
		{"zero", `{"heartbeat_interval":0}`, "41.25s", true},
		{"negative", `{"heartbeat_interval":-45000}`, "41.25s", true},
		{"string", `{"heartbeat_interval":"45000"}`, "41.25s", true},
		{"missing", `{}`, "41.25s", true},
		{"null d", `null`, "41.25s", true},
		{"d not an object", `[1]`, "41.25s", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFakeGateway(t)
			c, logs := newClient(t, g.url, nil)
			startRun(t, c)
			sc := g.next(t)
			sc.mustSend(t, map[string]any{"op": 10, "d": json.RawMessage(tt.d)})
			sc.expect(t, 2) // it identifies
			line := logs.waitFor(t, "gateway hello")
			if line.Attrs["heartbeat_interval"] != tt.want {
				t.Errorf("heartbeat every %s, want %s", line.Attrs["heartbeat_interval"], tt.want)
			}
			if got := line.Attrs["sent"] != ""; got != tt.fixed || (tt.fixed && line.Level.String() != "WARN") {
				t.Errorf("log line %v; want a warning naming what was sent: %v", line, tt.fixed)
			}
		})
	}
}

// A dispatch whose "s" cannot be a sequence number is still delivered, unnumbered, with
// one warning per connection; the client keeps counting from the last good seq, so a
// resume asks for the right replay. A huge seq used to be taken as is, and after a resume
// every later dispatch was skipped as "already delivered".
func TestClient_DispatchSeqBounds(t *testing.T) {
	tests := []struct {
		name string
		s    string // raw "s"
		seq  uint64 // Event.Seq delivered
		bad  bool
	}{
		{"next", `2`, 2, false},
		{"2^53", `9007199254740992`, 9007199254740992, false},
		{"above 2^53", `9007199254740993`, 0, true},
		{"2^63", `9223372036854775808`, 0, true},
		{"beyond uint64", `18446744073709551616`, 0, true},
		{"negative", `-1`, 0, true},
		{"fraction", `2.5`, 0, true},
		{"exponent", `2e3`, 0, true},
		{"string", `"2"`, 0, true},
		{"null", `null`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFakeGateway(t)
			c, logs := newClient(t, g.url, nil)
			r := startRun(t, c)
			sc := g.next(t)
			sc.hello(t, 45000)
			sc.expect(t, 2)
			sc.ready(t, 1, "sess-1")
			if ev := r.event(t); ev.Type != "READY" {
				t.Fatalf("got %s", ev.Type)
			}
			for range 2 { // the warning comes once per connection
				sc.mustSend(t, json.RawMessage(`{"op":0,"s":`+tt.s+`,"t":"AT_MESSAGE_CREATE","id":"E:1","d":{"id":"m"}}`))
				if ev := r.event(t); ev.Type != "AT_MESSAGE_CREATE" || ev.Seq != tt.seq {
					t.Fatalf("delivered %s with seq %d, want AT_MESSAGE_CREATE with %d", ev.Type, ev.Seq, tt.seq)
				}
			}
			want := max(tt.seq, 1)
			if got := c.Status().Seq; got != want {
				t.Errorf("last seq %d, want %d", got, want)
			}
			warned := strings.Count(logs.String(), "WARN gateway dispatch with an unusable seq")
			if (warned == 1) != tt.bad || warned > 1 {
				t.Errorf("%d warnings; log:\n%s", warned, logs)
			}
			// A resume asks for what follows the last good seq.
			sc.drop()
			sc = g.next(t)
			sc.hello(t, 45000)
			if rd := decodeResume(t, sc.expect(t, 6)); rd.Seq != want {
				t.Errorf("resumed after seq %d, want %d", rd.Seq, want)
			}
		})
	}
}

func decodeResume(t *testing.T, f clientFrame) (d struct {
	SessionID string `json:"session_id"`
	Seq       uint64 `json:"seq"`
}) {
	t.Helper()
	if err := json.Unmarshal(f.D, &d); err != nil {
		t.Fatalf("resume d %s: %v", f.D, err)
	}
	return d
}
