package gateway

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// Bounds on the heartbeat interval a Hello announces. The platform sends 41.25 s. A value
// outside them is not trusted as sent: time.Duration overflows past about 292 years of
// milliseconds (9223372036855 ms panicked time.NewTicker), a huge interval would also
// make the idle deadline (two intervals) useless, and a tiny one floods the socket.
//
// The value is clamped rather than the connection dropped: heartbeating at a sane rate
// is always acceptable to a server (every heartbeat is ACKed whenever it comes), while a
// reconnect would meet the same Hello again and never get the bot running. Above the
// maximum the client heartbeats more often than asked, which is harmless; below the
// minimum (which still lets tests and the simulator exercise zombie detection in well
// under a second) a server that meant it may time the connection out, which the
// reconnect policy handles. An absent, non-numeric or non-positive value gets the
// platform's usual interval.
const (
	minHeartbeatInterval     = 100 * time.Millisecond
	maxHeartbeatInterval     = 10 * time.Minute
	defaultHeartbeatInterval = 41250 * time.Millisecond
)

// heartbeatInterval reads heartbeat_interval (milliseconds) from Hello's d and returns the
// interval to use. sent is the raw value and ok is false when the interval is not the one
// sent; the caller logs that.
func heartbeatInterval(d json.RawMessage) (interval time.Duration, sent string, ok bool) {
	var h struct {
		HeartbeatInterval json.RawMessage `json:"heartbeat_interval"`
	}
	if len(bytes.TrimSpace(d)) == 0 {
		return defaultHeartbeatInterval, "no d", false
	}
	if json.Unmarshal(d, &h) != nil {
		return defaultHeartbeatInterval, "d " + oneLineRaw(d), false
	}
	raw := bytes.TrimSpace(h.HeartbeatInterval)
	sent = oneLineRaw(raw)
	if len(raw) == 0 {
		return defaultHeartbeatInterval, "absent", false
	}
	if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return defaultHeartbeatInterval, sent, false // a string, null, an object…
	}
	ms, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !math.IsInf(ms, 0) { // ParseFloat reports ±Inf for numbers beyond float64
		return defaultHeartbeatInterval, sent, false
	}
	switch {
	case ms <= 0 || math.IsNaN(ms):
		return defaultHeartbeatInterval, sent, false
	case ms > float64(maxHeartbeatInterval/time.Millisecond):
		return maxHeartbeatInterval, sent, false
	case ms < float64(minHeartbeatInterval/time.Millisecond):
		return minHeartbeatInterval, sent, false
	}
	return time.Duration(ms * float64(time.Millisecond)), sent, true
}

// oneLineRaw shortens a raw JSON value for a log line.
func oneLineRaw(b []byte) string {
	const limit = 64
	if len(b) > limit {
		return string(b[:limit]) + "…"
	}
	return string(b)
}
