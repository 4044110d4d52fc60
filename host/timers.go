package host

import (
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
)

// luaTimer is one timer of a script. Its clock callback hands it to the
// scheduler, which runs fn in a coroutine like a handler.
type luaTimer struct {
	spec     bindings.TimerSpec
	fn       *lua.LFunction
	stop     func() bool
	canceled bool
	running  bool // a run is in progress: every/cron skip ticks meanwhile
	// id names the timer alike in every process of the bot; due is when
	// the scheduled tick is (claim.go).
	id  string
	due time.Time
}

// AddTimer implements bindings.Timers. Each timer keeps its callback, and
// what the callback reaches, alive: a script holds at most Limits.Timers.
func (s *script) AddTimer(spec bindings.TimerSpec, fn *lua.LFunction) (func(), error) {
	if len(s.timers) >= s.limits.Timers {
		return nil, fmt.Errorf("the script already has %d timers, the most it may hold; cancel one first", s.limits.Timers)
	}
	t := &luaTimer{spec: spec, fn: fn, id: s.timerID(spec)}
	s.timers[t] = struct{}{}
	s.timerCount.Store(int64(len(s.timers)))
	s.schedule(t)
	return func() { s.cancelTimer(t) }, nil
}

func (s *script) schedule(t *luaTimer) {
	if s.timersClosed {
		// The script is stopping and its timers were canceled: a handler
		// still finishing must not leave one behind, which would hold
		// drainWorkers until it fired (forever on a virtual clock).
		t.canceled = true
		delete(s.timers, t)
		s.timerCount.Store(int64(len(s.timers)))
		return
	}
	d := t.spec.Interval
	if s.shared(t) {
		d = untilSlot(s.clock.Now(), d)
	}
	if t.spec.Kind == bindings.TimerCron {
		now := s.clock.Now()
		next := t.spec.Cron.Next(now)
		if next.IsZero() {
			s.log.Warn("cron timer never fires again", "cron", t.spec.Cron.String())
			s.cancelTimer(t)
			return
		}
		d = next.Sub(now)
	}
	t.due = s.clock.Now().Add(d)
	s.workers.Add(1)
	t.stop = s.clock.AfterFunc(d, func() {
		defer s.workers.Done()
		s.queued.Add(1)
		select {
		case s.fires <- t:
		case <-s.stopped:
			s.queued.Add(-1)
		}
	})
}

// fire runs a due timer and schedules its next tick.
func (s *script) fire(t *luaTimer) {
	if t.canceled {
		return
	}
	mine := s.claimTick(t)
	switch {
	case t.spec.Kind == bindings.TimerAfter:
		delete(s.timers, t)
		s.timerCount.Store(int64(len(s.timers)))
		t.canceled = true
	case t.running:
		s.log.Debug("timer tick skipped: the previous run is still going")
		s.schedule(t)
		return
	default:
		s.schedule(t)
	}
	if !mine {
		return
	}
	t.running = true
	s.start("timer", t.fn, func() { t.running = false })
}

func (s *script) cancelTimer(t *luaTimer) {
	if t.canceled {
		return
	}
	t.canceled = true
	delete(s.timers, t)
	s.timerCount.Store(int64(len(s.timers)))
	if t.stop != nil && t.stop() {
		s.workers.Done()
	}
}

// cancelTimers ends every timer: the script is being stopped.
func (s *script) cancelTimers() {
	s.timersClosed = true
	for t := range s.timers {
		s.cancelTimer(t)
	}
}
