package gateway

import (
	"encoding/json"

	"github.com/luabot/luabot/dispatch"
)

// Event is one dispatch (op 0) from the gateway, READY and RESUMED included. It is
// defined in package dispatch, so that code consuming events need not import the client.
type Event = dispatch.Event

// Opcodes (§3.2 of the protocol reference).
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opResume         = 6
	opReconnect      = 7
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatAck   = 11
)

// frame is the envelope of every message in both directions.
type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d,omitempty"`
	S  uint64          `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
	ID string          `json:"id,omitempty"`

	// badSeq is the raw "s" of a received frame when it is not a sequence number the
	// client can use (negative, fractional, not a number, above maxSeq); S is 0 then.
	badSeq string
}

type readyData struct {
	SessionID string `json:"session_id"`
	User      struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
}

type identifyFrame struct {
	Op int          `json:"op"`
	D  identifyData `json:"d"`
}

type identifyData struct {
	Token      string             `json:"token"`
	Intents    Intent             `json:"intents"`
	Shard      [2]int             `json:"shard"`
	Properties identifyProperties `json:"properties"`
}

type identifyProperties struct {
	OS      string `json:"$os"`
	Browser string `json:"$browser"`
	Device  string `json:"$device"`
}

// heartbeatFrame carries the last sequence number, or null before any was seen.
type heartbeatFrame struct {
	Op int     `json:"op"`
	D  *uint64 `json:"d"`
}

type resumeFrame struct {
	Op int        `json:"op"`
	D  resumeData `json:"d"`
}

type resumeData struct {
	Token     string `json:"token"`
	SessionID string `json:"session_id"`
	Seq       uint64 `json:"seq"`
}
