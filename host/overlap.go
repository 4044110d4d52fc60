package host

import (
	"sync"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/dispatch"
)

// A private-domain bot holding both message intents gets an @-message twice: as
// AT_MESSAGE_CREATE and as MESSAGE_CREATE, which carries every message of the channel.
// The two dispatches have their own event ids but one message id (d.id). Handlers named
// after either type get their own event, but "message" handlers, wait_for("message") and
// commands must see the message once: the host marks the second of a pair as a repeat
// when it routes it, and scripts hand a repeat to their named handlers only. It is
// decided once, in arrival order, so that a reload between the two (old version gets one,
// new version the other) does not answer twice; and it is remembered in the persisted
// dedup window (as "message:<id>"), so that a restart between the two does not either.
const overlapWindow = 1024

// messageKey prefixes a message id in the dedup window, apart from event ids.
const messageKey = "message:"

// fromSelf reports whether ev is a message the bot itself wrote. The platform's
// documentation does not say whether a private-domain bot's own guild messages come back
// as MESSAGE_CREATE (or its DMs as DIRECT_MESSAGE_CREATE); if they do, "message" handlers
// do not get them, so that an echo cannot answer itself forever. Handlers named after the
// type still do. The bot's id comes from READY.
func (h *Host) fromSelf(ev dispatch.Event) bool {
	if ev.Type != "MESSAGE_CREATE" && ev.Type != "DIRECT_MESSAGE_CREATE" {
		return false
	}
	self, _ := h.selfID.Load().(string)
	return self != "" && bindings.TopLevelString(bindings.TopLevelRaw(ev.Data, "author"), "id") == self
}

// noteSelf remembers the bot's user id from READY.
func (h *Host) noteSelf(ev dispatch.Event) {
	if ev.Type != "READY" {
		return
	}
	if id := bindings.TopLevelString(bindings.TopLevelRaw(ev.Data, "user"), "id"); id != "" {
		h.selfID.Store(id)
	}
}

// repeatedMessage reports whether ev's message already reached the "message" handlers
// as the other of the two overlapping types, and records it otherwise. Event ids repeated
// by a replay or a webhook retry never get here: the dedup window drops them first.
func (h *Host) repeatedMessage(ev dispatch.Event) bool {
	if ev.Type != "AT_MESSAGE_CREATE" && ev.Type != "MESSAGE_CREATE" {
		return false
	}
	id := bindings.TopLevelString(ev.Data, "id")
	if id == "" {
		return false
	}
	if cur := h.source.Load(); cur != nil {
		if w, ok := cur.Source.(seenWindow); ok {
			return w.Seen(messageKey + id)
		}
	}
	return h.overlap.repeated(id)
}

// overlap is the in-memory window used when there is no dedup window (a host serving
// from a source of its own). It is safe for concurrent use (webhook requests route
// concurrently).
type overlap struct {
	mu   sync.Mutex
	seen map[string]struct{}
	ring []string
	next int
}

// repeated records id and reports whether it was there already.
func (o *overlap) repeated(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.seen[id]; ok {
		return true
	}
	if o.seen == nil {
		o.seen = make(map[string]struct{}, overlapWindow)
		o.ring = make([]string, overlapWindow)
	}
	if old := o.ring[o.next]; old != "" {
		delete(o.seen, old)
	}
	o.ring[o.next] = id
	o.next = (o.next + 1) % overlapWindow
	o.seen[id] = struct{}{}
	return false
}
