package bindings

import (
	"encoding/json"

	lua "github.com/yuin/gopher-lua"
)

// SendGuard makes the sends of a handler of an event happen at most once,
// even when the process dies (kill -9, power loss) after a send and before
// the handler ends, and the platform delivers the event again after the
// restart: the re-run handler would send again. Before a send leaves, the
// host writes a small durable mark naming the event, the handler and the
// send's place among the handler's sends; a re-run handler's send whose
// mark exists is skipped and returns what a reply the platform
// deduplicated returns, {deduplicated = true}.
//
// ev:reply needs no mark, in any scene: a re-run's reply carries the
// msg_seq of the first run (the Replier numbers a message's replies in
// order), and the platform refuses a second msg_id+msg_seq itself
// (40054005, which the reply reads as {deduplicated = true}). The official
// Go SDK documents msg_seq as that key for guild and DM messages as well as
// group and C2C ones, and the simulator enforces it. So only qq.send* are
// marked: an active message has no key the platform could recognise.
type SendGuard interface {
	// NextSend numbers the next send of the handler running on L and
	// returns its mark, or nil when L's sends are not marked (top level,
	// timers, the REPL, events without an id). Called on the VM goroutine,
	// at the send call, so that a re-run numbers its sends the same way.
	NextSend(L *lua.LState) SendMark
}

// SendMark is one marked send.
type SendMark interface {
	// Claim writes the mark, durably, unless a run before a restart wrote
	// it; it reports false when that run did (the send left then: skip
	// it). It is called on a worker, just before the request, and may wait
	// for a disk write or the shared store. A mark that cannot be written
	// is the host's to log; the send then goes ahead unmarked (true).
	Claim() bool
}

// nextSend returns the mark of the next send of the handler on L, or nil.
func (b *binder) nextSend(L *lua.LState) SendMark {
	if b.env.Sends == nil {
		return nil
	}
	return b.env.Sends.NextSend(L)
}

// alreadySent is the answer of a send skipped because it left before a
// restart: the same as a passive reply the platform refused as a
// duplicate (openapi.SentMessage.Deduplicated), so a script handles both
// alike.
var alreadySent = json.RawMessage(`{"deduplicated":true}`)
