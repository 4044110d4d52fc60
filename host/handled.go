package host

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/kv"
)

// HandledNamespace is the kv namespace of the records that make each
// event's kv effects happen once per script across a crash. Like
// GatewayNamespace it starts with "/", which no script namespace can.
const HandledNamespace = "/handled"

// handledRetention is how long the records are kept: a replay of an event
// first handled longer ago than this runs its handlers again. The platform
// replays on resume what a session missed, and a webhook retries for a few
// minutes; a bot that stays down longer starts a new session anyway.
const handledRetention = time.Hour

// The gateway's dedup window is saved at most once a second, but kv.incr
// and kv.update commit at once; after kill -9 the platform replays events
// whose handlers already wrote. So "this handler of this event has run" is
// written together with the handler's own writes, in the same bbolt
// transaction, and consulted when an event arrives:
//
//	key   = 8-byte big-endian unix nanoseconds of the write, then the mark
//	mark  = script NUL event id NUL handler ordinal NUL ("done" | "c" call ordinal)
//	value = 0 (the call deleted the key) or 1 followed by the stored value
//
// A handler's ordinal is its place among the handlers the event starts in
// the script (on() handlers in order, then the command). The time prefix
// lets pruning delete the oldest records with a cursor from the start.
//
// Only records written before this process started are ever looked up:
// within one process the gateway's in-memory dedup window already stops a
// repeated event. So they are read once, at start-up, into a map that is
// never written afterwards, and a fresh store costs an event nothing; the
// steady-state cost is one more key in the transactions of handlers that
// write, and one transaction more for a handler whose only writes were
// kv.incr/kv.update.
type handledLog struct {
	store bindings.Store
	now   func() time.Time
	// before holds the marks found at start-up (and, with shards shared
	// between processes, at each takeover: reload); a map is never written
	// once published, so every script's scheduler reads it without a lock.
	before atomic.Pointer[map[string][]byte]

	// later holds done records of handlers that had nothing else to
	// commit, until the next handler commit or flushDone (at most a second).
	mu    sync.Mutex
	later []kv.Op

	// marksFailing: the last send mark was not saved (sends.go).
	marksFailing atomic.Bool
}

// loadHandled reads the records younger than handledRetention and deletes
// the older ones.
func loadHandled(store bindings.Store, now func() time.Time) (*handledLog, error) {
	l := &handledLog{store: store, now: now}
	empty := map[string][]byte{}
	l.before.Store(&empty)
	if err := l.reload(); err != nil {
		return nil, err
	}
	return l, nil
}

// reload reads the records younger than handledRetention, replacing
// before, and deletes the older ones. A process taking a shard over from
// another calls it so that the events the other one handled, replayed now,
// do not run again here.
func (l *handledLog) reload() error {
	cutoff := l.now().Add(-handledRetention).UnixNano()
	var stale []kv.Op
	before := map[string][]byte{}
	err := l.store.Scan(HandledNamespace, "", func(key string, val []byte) bool {
		if len(key) < 8 || int64(binary.BigEndian.Uint64([]byte(key[:8]))) < cutoff {
			stale = append(stale, kv.Op{NS: HandledNamespace, Key: key})
			return true
		}
		before[key[8:]] = val
		return true
	})
	if err != nil {
		return fmt.Errorf("read the handled-event records: %w", err)
	}
	if err := l.store.Commit(stale); err != nil {
		return fmt.Errorf("prune the handled-event records: %w", err)
	}
	l.before.Store(&before)
	return nil
}

// ReloadHandled reads again which events' handlers have run, as recorded
// in the store by every process sharing it: called before a shard taken
// over from another process resumes (transport.Config.OnTakeover).
func (h *Host) ReloadHandled() error { return h.handled.reload() }

// prune deletes the records older than handledRetention, in transactions
// of at most pruneBatch keys so that other writers are not held up long.
func (l *handledLog) prune() error {
	cutoff := l.now().Add(-handledRetention).UnixNano()
	for {
		var stale []kv.Op
		err := l.store.Scan(HandledNamespace, "", func(key string, _ []byte) bool {
			if len(key) >= 8 && int64(binary.BigEndian.Uint64([]byte(key[:8]))) >= cutoff {
				return false // keys are in time order: the rest are younger
			}
			stale = append(stale, kv.Op{NS: HandledNamespace, Key: key})
			return len(stale) < pruneBatch
		})
		if err != nil {
			return err
		}
		if err := l.store.Commit(stale); err != nil || len(stale) < pruneBatch {
			return err
		}
	}
}

const pruneBatch = 10000

// handlerMark names one handler of one event in one script, or "" when the
// event has no id (it cannot be recognised when replayed).
func handlerMark(script, eventID string, ordinal int) string {
	if eventID == "" {
		return ""
	}
	return script + "\x00" + eventID + "\x00" + strconv.Itoa(ordinal) + "\x00"
}

// done reports whether the ordinal'th handler of script for the event
// eventID finished before this process started. Without records from
// before (the usual case) it costs nothing.
func (l *handledLog) done(script, eventID string, ordinal int) bool {
	if l == nil || eventID == "" {
		return false
	}
	before := *l.before.Load()
	if len(before) == 0 {
		return false
	}
	_, ok := before[handlerMark(script, eventID, ordinal)+"done"]
	return ok
}

// once returns the bindings.Once of the handler named by mark.
func (l *handledLog) once(mark string) bindings.Once { return &handlerOnce{log: l, mark: mark} }

type handlerOnce struct {
	log  *handledLog
	mark string
}

func (o *handlerOnce) Recall(call int) ([]byte, bool) {
	before := *o.log.before.Load()
	if len(before) == 0 {
		return nil, false
	}
	v, ok := before[o.mark+"c"+strconv.Itoa(call)]
	if !ok || len(v) == 0 || v[0] == 0 {
		return nil, ok
	}
	return v[1:], true
}

func (o *handlerOnce) Record(call int, stored func() []byte) kv.Op {
	return kv.Op{NS: HandledNamespace, Key: o.key("c" + strconv.Itoa(call)), Apply: func([]byte, bool) ([]byte, error) {
		raw := stored()
		if raw == nil {
			return []byte{0}, nil
		}
		return append([]byte{1}, raw...), nil
	}}
}

func (o *handlerOnce) Done() []kv.Op {
	o.log.mu.Lock()
	ops := append(o.log.later, o.done())
	o.log.later = nil
	o.log.mu.Unlock()
	return ops
}

func (o *handlerOnce) DoneLater() {
	o.log.mu.Lock()
	o.log.later = append(o.log.later, o.done())
	o.log.mu.Unlock()
}

func (o *handlerOnce) done() kv.Op {
	return kv.Op{NS: HandledNamespace, Key: o.key("done"), Val: []byte{1}}
}

// flushDone commits the done records waiting for a ride.
func (l *handledLog) flushDone() error {
	l.mu.Lock()
	ops := l.later
	l.later = nil
	l.mu.Unlock()
	err := l.store.Commit(ops)
	if err != nil && len(ops) <= maxLater {
		// A shared store that is down: keep them for the next flush, up to
		// a bound (beyond it a replay after a crash runs those handlers
		// again, their kv.incr/kv.update answered from their records).
		l.mu.Lock()
		l.later = append(ops, l.later...)
		l.mu.Unlock()
	}
	return err
}

// maxLater bounds the done records kept while the store cannot take them.
const maxLater = 10000

func (o *handlerOnce) key(suffix string) string {
	k := make([]byte, 8, 8+len(o.mark)+len(suffix))
	binary.BigEndian.PutUint64(k, uint64(o.log.now().UnixNano()))
	return string(append(append(k, o.mark...), suffix...))
}

// maintainHandled commits waiting done records every second and deletes
// stale records every few minutes, until ctx ends.
func (h *Host) maintainHandled(ctx context.Context) {
	flush := time.NewTicker(time.Second)
	defer flush.Stop()
	prune := time.NewTicker(handledRetention / 6)
	defer prune.Stop()
	// failing: the last flush failed; a store that is down is logged when
	// it goes and when it comes back, not every second in between.
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-flush.C:
			err := h.handled.flushDone()
			switch {
			case err != nil && !failing:
				h.log.Warn("handled-event records not saved; will retry", "err", err)
			case err == nil && failing:
				h.log.Info("handled-event records saved again")
			}
			failing = err != nil
		case <-prune.C:
			if err := h.handled.prune(); err != nil {
				h.log.Warn("old handled-event records not pruned; will retry", "err", err)
			}
		}
	}
}
