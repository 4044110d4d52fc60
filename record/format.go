package record

import (
	"encoding/json"
	"time"
)

// Version is the format this package writes, and the newest it reads.
const Version = 1

// Line kinds.
const (
	KindHeader = "header"
	KindEvent  = "event"
	KindSend   = "send"
	KindEnd    = "end"
)

// Line is one line of a recording; Kind says which fields are set.
type Line struct {
	Kind string `json:"kind"`

	// Header.
	Version  int          `json:"version,omitempty"`
	Luabot   string       `json:"luabot,omitempty"`
	Start    *time.Time   `json:"start,omitempty"`
	Redacted *bool        `json:"redacted,omitempty"`
	Scripts  []ScriptHash `json:"scripts,omitempty"`

	// Event: the host's number for it (from 1 in each run), its type, scene and id.
	N     uint64 `json:"n,omitempty"`
	Type  string `json:"type,omitempty"`
	Scene string `json:"scene,omitempty"`
	ID    string `json:"id,omitempty"`
	// AtMS is the time since the header's Start, in milliseconds (events, sends, end).
	AtMS    int64           `json:"at_ms"`
	Payload json.RawMessage `json:"payload,omitempty"`
	Sends   []Send          `json:"sends,omitempty"`

	// Send: one send of a timer callback, or of a handler whose event line was
	// already written (or dropped).
	Send *Send `json:"send,omitempty"`

	// End: how many lines the queue dropped.
	Dropped uint64 `json:"dropped,omitempty"`
}

// ScriptHash names a script of the recorded run and the SHA-256 of its file.
type ScriptHash struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// Send is one REST call a script made: its method, route template, path and body as
// sent (redacted like the events). Form is set for a multipart body, which is not kept.
type Send struct {
	Script string          `json:"script"`
	Event  string          `json:"event,omitempty"` // "timer" for a timer callback's
	Method string          `json:"method"`
	Route  string          `json:"route"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body,omitempty"`
	Form   bool            `json:"form,omitempty"`
}

// SceneOf names where an event type happens: guild, dm, group or c2c; "" for the
// rest (button presses say so in their payload).
func SceneOf(eventType string) string {
	switch eventType {
	case "AT_MESSAGE_CREATE", "MESSAGE_CREATE":
		return "guild"
	case "DIRECT_MESSAGE_CREATE":
		return "dm"
	case "GROUP_AT_MESSAGE_CREATE", "GROUP_ADD_ROBOT", "GROUP_MSG_RECEIVE":
		return "group"
	case "C2C_MESSAGE_CREATE", "FRIEND_ADD", "C2C_MSG_RECEIVE":
		return "c2c"
	}
	return ""
}
