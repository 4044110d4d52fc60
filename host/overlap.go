package host

import (
	"sync"

	"github.com/luabot/luabot/bindings"
)

// A private-domain bot holding both message intents gets an @-message twice: as
// AT_MESSAGE_CREATE and as MESSAGE_CREATE, which carries every message of the channel.
// The two dispatches have their own event ids but one message id (d.id). Handlers named
// after either type get their own event, but "message" handlers, wait_for("message") and
// commands must see the message once: the host remembers the message ids of the last
// overlapWindow such dispatches and marks the second of a pair as a repeat, which scripts
// hand to their named handlers only. It is decided once, in arrival order, when the event
// is routed, so that a reload between the two (old version gets one, new version the
// other) does not answer twice. The two arrive on the same shard (same guild), one right
// after the other, so a small window is plenty.
const overlapWindow = 1024

// overlap is the host's window of recent guild message ids, by the type they came as. It
// is safe for concurrent use (webhook requests route concurrently).
type overlap struct {
	mu   sync.Mutex
	seen map[string]string // message id → AT_MESSAGE_CREATE or MESSAGE_CREATE
	ring []string
	next int
}

// repeated reports whether the message of this dispatch already came as the other of the
// two overlapping types, and records it otherwise. The same type twice is not a repeat:
// replays are the dedup window's business (gateway.Dedup, by event id).
func (o *overlap) repeated(evType string, data []byte) bool {
	if evType != "AT_MESSAGE_CREATE" && evType != "MESSAGE_CREATE" {
		return false
	}
	id := bindings.TopLevelString(data, "id")
	if id == "" {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if t, ok := o.seen[id]; ok {
		return t != evType
	}
	if o.seen == nil {
		o.seen = make(map[string]string, overlapWindow)
		o.ring = make([]string, overlapWindow)
	}
	if old := o.ring[o.next]; old != "" {
		delete(o.seen, old)
	}
	o.ring[o.next] = id
	o.next = (o.next + 1) % overlapWindow
	o.seen[id] = evType
	return false
}
