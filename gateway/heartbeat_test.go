package gateway_test

import (
	"encoding/json"
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
