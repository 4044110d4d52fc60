package bindings

import "github.com/luabot/luabot/kv"

// Once is how the host makes a handler's kv effects happen once per event,
// even when the process dies (kill -9, power loss) after some of them were
// committed and the platform delivers the event again after the restart.
//
// kv.incr and kv.update commit at once (kv_atomic.go), so re-running the
// handler of a replayed event would apply them twice. With a Once, every
// such call commits, in the same transaction, a record of its result under
// the handler and the call's ordinal within it; on the replay, the nth call
// finds the nth record and returns it without writing anything. The host
// adds a "done" record to the handler's final commit, so a handler that had
// finished is not run again at all (host/handled.go).
type Once interface {
	// Recall returns what the handler's call'th kv.incr/kv.update (from 0)
	// stored before a restart: ok is false when there is no record, raw nil
	// when the call deleted the key.
	Recall(call int) (raw []byte, ok bool)
	// Record returns the write recording the call'th result, to commit in
	// the call's own transaction after the write it records; stored is read
	// inside that transaction (nil: the key was deleted).
	Record(call int, stored func() []byte) kv.Op
	// Done returns the writes to commit with the handler's buffered
	// writes: the record that it finished, and any DoneLater records still
	// waiting, which ride along for free.
	Done() []kv.Op
	// DoneLater records that a handler with nothing buffered (its only
	// writes were kv.incr/kv.update, already committed) finished, in a later
	// transaction: a transaction of its own for it would double the cost of
	// such a handler. Until then a crash makes a replay run it again, with
	// its kv.incr/kv.update returning their records, so kv stays exact.
	DoneLater()
}

// NewEventKVBuffer returns an empty buffer for a handler of one event,
// whose kv.incr and kv.update go through once.
func NewEventKVBuffer(once Once) *KVBuffer {
	b := NewKVBuffer()
	b.once = once
	return b
}

// CommitDone writes the buffered operations and, for a handler of an event
// that wrote anything (buffered or at once), the record that it finished,
// in one transaction.
func (b *KVBuffer) CommitDone(store Store) error {
	if b == nil {
		return nil
	}
	if b.once == nil || (len(b.ops) == 0 && b.calls == 0) {
		return b.Commit(store)
	}
	if len(b.ops) == 0 {
		b.once.DoneLater()
		return nil
	}
	return store.Commit(append(b.ops, b.once.Done()...))
}

// nextCall numbers a kv.incr/kv.update of the handler and returns what it
// recorded before a restart, if anything. A nil buffer (top level) or one
// without a Once has no records.
func (b *KVBuffer) nextCall() (call int, raw []byte, replayed bool) {
	if b == nil || b.once == nil {
		return -1, nil, false
	}
	call = b.calls
	b.calls++
	raw, replayed = b.once.Recall(call)
	return call, raw, replayed
}

// record returns the op recording call's result, or none without a Once.
func (b *KVBuffer) record(call int, stored func() []byte) []kv.Op {
	if b == nil || b.once == nil || call < 0 {
		return nil
	}
	return []kv.Op{b.once.Record(call, stored)}
}
