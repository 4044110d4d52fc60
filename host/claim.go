package host

import (
	"fmt"
	"strconv"
	"time"

	"github.com/luabot/luabot/bindings"
)

// Timers once per cluster. When several processes of a bot share a store,
// each runs the same scripts and so the same timer.every and timer.cron
// timers; a tick must run in one of them. Before running a tick a process
// claims it in the store under a name every process computes alike: the
// script, the timer (its spec and its ordinal among the script's timers of
// that spec) and the tick's time. The first claim wins; the others skip
// the tick. timer.after is not claimed: it was started by one handler, in
// one process, and runs there. A timer with each_process runs everywhere.
//
// Ticks of a shared timer.every fall on multiples of the interval since the
// Unix epoch (untilSlot), so that every process ticks at the same instants
// and names the tick by the same time; processes' clocks only need to agree
// to well within the interval.

// tickClaimer is a store shared by several processes (kvredis): ClaimTick
// reports whether this process is the first to claim name; the claim lapses
// after ttl.
type tickClaimer interface {
	ClaimTick(name string, ttl time.Duration) (bool, error)
}

// timerID names a new timer of spec: the spec and how many timers of the
// same spec the script made before it.
func (s *script) timerID(spec bindings.TimerSpec) string {
	var k string
	switch spec.Kind {
	case bindings.TimerCron:
		k = "cron " + spec.Cron.String()
	default:
		k = fmt.Sprintf("%d %s", spec.Kind, spec.Interval)
	}
	if s.timerIDs == nil {
		s.timerIDs = map[string]int{}
	}
	n := s.timerIDs[k]
	s.timerIDs[k]++
	return k + "#" + strconv.Itoa(n)
}

// shared reports whether t's ticks are claimed.
func (s *script) shared(t *luaTimer) bool {
	if t.spec.Kind == bindings.TimerAfter || t.spec.EachProcess {
		return false
	}
	_, ok := s.store.(tickClaimer)
	return ok
}

// untilSlot is how long from now to the next multiple of every.
func untilSlot(now time.Time, every time.Duration) time.Duration {
	if every <= 0 {
		return every
	}
	n := now.UnixNano()
	next := (n/int64(every) + 1) * int64(every)
	return time.Duration(next - n)
}

// claimTick reports whether this process runs t's tick due now. A store
// that cannot answer gets the tick skipped (run nowhere rather than maybe
// twice: a daily message is better late than doubled), logged once per
// change between answering and not.
func (s *script) claimTick(t *luaTimer) bool {
	if !s.shared(t) {
		return true
	}
	at := t.due.UnixNano()
	ttl := 10 * time.Minute
	if iv := int64(t.spec.Interval); t.spec.Kind == bindings.TimerEvery && iv > 0 {
		// Round to the slot: the clock may fire a moment early or late.
		at = (at + iv/2) / iv * iv
		ttl = t.spec.Interval + time.Minute
	}
	name := s.name + "\x00" + t.id + "\x00" + strconv.FormatInt(at, 10)
	ok, err := s.store.(tickClaimer).ClaimTick(name, ttl)
	switch {
	case err != nil && !s.claimDown:
		s.claimDown = true
		s.log.Warn("timer tick skipped: the shared store cannot say whether another process runs it", "err", err)
	case err == nil && s.claimDown:
		s.claimDown = false
		s.log.Info("timer ticks claimed again")
	}
	return err == nil && ok
}
