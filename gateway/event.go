package gateway

import (
	"encoding/json"
	"time"
)

// Event is one dispatch (op 0) from the gateway, READY and RESUMED included.
type Event struct {
	Type string          // "t": event type, e.g. "AT_MESSAGE_CREATE"
	Seq  uint64          // "s": sequence number within the session (0 if the server sent none)
	ID   string          // "id": event id, usable as event_id for passive replies
	Data json.RawMessage // "d": the event payload, undecoded

	// Received is when the event arrived, on the receiver's clock; zero when unknown. The
	// host stamps it as it routes the event; reply windows are measured from it, since the
	// payload's own timestamp is on the platform's clock.
	Received time.Time
	// BodyHash, for an event without an ID, is a digest of the request that
	// carried it (webhook), so that a retry or replay of it can still be
	// recognised; empty otherwise.
	BodyHash string
	// Done, when set, is how the source learns that the consumer has finished with the
	// event (handled it, or decided to drop it). Call it once, from any goroutine. See
	// Config.SaveFinishedSeq.
	Done func()
}

// DedupKey is what tells a repeat of ev: its ID, else its BodyHash.
func (e Event) DedupKey() string {
	if e.ID != "" {
		return e.ID
	}
	return e.BodyHash
}

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
