package host

import (
	"encoding/binary"
	"log/slog"
	"strconv"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/kv"
)

// A handler cut short between a send and its end (kill -9, power loss) runs
// again when the platform redelivers its event after the restart, and would
// send again: the platform deduplicates passive replies by msg_seq in group
// and C2C chats only. So each send of a handler of an event is marked,
// durably, before it leaves (bindings.SendGuard), and a re-run skips a send
// whose mark exists: sends are at most once per event. A crash after the
// mark and before the request loses that one message.
//
// In the bbolt file a mark is one more handled-event record (handled.go):
//
//	mark = script NUL event id NUL handler ordinal NUL "s" send ordinal
//
// read at start-up with the others and pruned with them after
// handledRetention. Marks of many handlers share one commit (kv.Store.Batch),
// so a mark costs a send a share of an fsync, not one of its own. On a
// shared Redis store a mark is a key of its own, set with SET NX and an
// expiry (kvredis.Store.MarkOnce): that one call both finds a mark another
// process wrote and writes it, and the server drops it when it expires.

// groupStore is a store that commits the small writes of many goroutines
// together (*kv.Store).
type groupStore interface {
	Batch(ops []kv.Op) error
}

// markStore is a shared store that sets a key once, with an expiry
// (*kvredis.Store).
type markStore interface {
	MarkOnce(name string, ttl time.Duration) (bool, error)
}

// claimSend writes mark unless a process wrote it before (this one never
// does: within a process the gateway's dedup window stops a repeated event
// before it reaches a script). first is false when the mark existed.
func (l *handledLog) claimSend(mark string) (first bool, err error) {
	if ms, ok := l.store.(markStore); ok {
		return ms.MarkOnce(mark, handledRetention)
	}
	if _, ok := (*l.before.Load())[mark]; ok {
		return false, nil
	}
	k := make([]byte, 8, 8+len(mark))
	binary.BigEndian.PutUint64(k, uint64(l.now().UnixNano()))
	op := []kv.Op{{NS: HandledNamespace, Key: string(append(k, mark...)), Val: []byte{1}}}
	if gs, ok := l.store.(groupStore); ok {
		return true, gs.Batch(op)
	}
	return true, l.store.Commit(op)
}

// NextSend implements bindings.SendGuard.
func (s *script) NextSend(L *lua.LState) bindings.SendMark {
	h := s.handlerOf(L)
	if h == nil || h.eventID == "" || s.handled == nil {
		return nil
	}
	n := h.sends
	h.sends++
	return &sendMark{s: s, event: h.event, mark: handlerMark(s.name, h.eventID, h.ordinal) + "s" + strconv.Itoa(n)}
}

type sendMark struct {
	s     *script
	event string
	mark  string
}

func (m *sendMark) Claim() bool {
	first, err := m.s.handled.claimSend(m.mark)
	m.s.handled.markFailing(m.s.log, err)
	switch {
	case err != nil:
		return true // an unmarked send rather than none: see markFailing
	case !first:
		m.s.log.Debug("send skipped: it left before a restart, when this handler ran for the same event",
			"event", m.event)
	}
	return first
}

// markFailing logs when marks stop being saved (the disk is full, the
// shared store is down) and when they are saved again, not at every send.
// Meanwhile sends go out unmarked: a message is worth more than the rare
// duplicate a crash in that time could cause.
func (l *handledLog) markFailing(log *slog.Logger, err error) {
	if l.marksFailing.Swap(err != nil) == (err != nil) {
		return
	}
	if err != nil {
		log.Warn("send marks not saved; sends go out unmarked, so a crash now may send one twice", "err", err)
	} else {
		log.Info("send marks saved again")
	}
}
