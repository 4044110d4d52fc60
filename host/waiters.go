package host

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
)

// waiter is a handler parked in wait_for.
type waiter struct {
	h     *handler
	gen   uint64
	event string
	pred  *lua.LFunction
	stop  func() bool // the timeout timer
	// parked is true while the wait counts in script.clockWaits; unclock
	// clears it once, from whichever of the timer or the scheduler ends
	// the wait first.
	parked atomic.Bool
}

// unclock stops counting w as a handler only the clock or an event can
// wake. The timeout's callback calls it before handing the handler back,
// so Host.Settled never sees a woken handler as parked.
func (s *script) unclock(w *waiter) {
	if w.parked.CompareAndSwap(true, false) {
		s.clockWaits.Add(-1)
	}
}

// WaitFor implements bindings.Events.
func (s *script) WaitFor(L *lua.LState, event string, pred *lua.LFunction, timeout time.Duration) int {
	if len(s.waiters) >= s.limits.Waiters {
		bindings.Raise(L, "wait_for: %d waits of this script are already pending, the most it may have at once", s.limits.Waiters)
	}
	return s.parkOnClock(L, event, pred, timeout, []lua.LValue{lua.LNil, lua.LString("timeout")})
}

// Sleep implements bindings.Events: a wait for no event, so the timer runs
// on the clock itself rather than in a worker goroutine, and a sleeping
// handler counts as parked for Host.Settled.
func (s *script) Sleep(L *lua.LState, d time.Duration) int {
	return s.parkOnClock(L, "", nil, d, []lua.LValue{lua.LTrue})
}

// parkOnClock parks the calling handler until an event named event (never,
// when empty) satisfies pred or d passes; then the handler resumes with
// onTimeout.
func (s *script) parkOnClock(L *lua.LState, event string, pred *lua.LFunction, d time.Duration, onTimeout []lua.LValue) int {
	h, gen := s.park(L)
	h.waitsFor = fmt.Sprintf("sleep(%v)", d)
	if event != "" {
		h.waitsFor = fmt.Sprintf("wait_for(%q)", event)
	}
	w := &waiter{h: h, gen: gen, event: event, pred: pred}
	w.parked.Store(true)
	s.clockWaits.Add(1)
	s.workers.Add(1)
	w.stop = s.clock.AfterFunc(d, func() {
		defer s.workers.Done()
		s.unclock(w)
		c := completion{th: h.th, gen: gen, finish: func(L *lua.LState) []lua.LValue {
			s.removeWaiter(w)
			return onTimeout
		}}
		select {
		case s.completions <- c:
		case <-s.stopped:
		}
	})
	s.waiters = append(s.waiters, w)
	return L.Yield(s.marker)
}

// wake resumes the waiters an event satisfies, before the event's own
// handlers start; waiters for "message" only when isMessage (dispatch).
func (s *script) wake(evType string, ev lua.LValue, isMessage bool) {
	if len(s.waiters) == 0 {
		return
	}
	pending := append([]*waiter(nil), s.waiters...)
	for _, w := range pending {
		if w.event == "" || !(w.event == evType || (w.event == bindings.EventMessage && isMessage) ||
			(w.event == bindings.EventButton && evType == bindings.InteractionEvent)) {
			continue
		}
		if !w.h.waiting || w.h.gen != w.gen {
			continue
		}
		if !s.matches(w, ev) {
			continue
		}
		s.removeWaiter(w)
		s.resume(w.h, nil, ev)
	}
}

// matches runs the waiter's predicate on the scheduler. The predicate is
// part of the waiting handler: its run time is added to the handler's CPU
// use and bounded by what is left of the handler's budget, so predicates
// cannot burn CPU charged to nobody. A predicate that spends the rest of
// the budget kills its handler (logged with the predicate's script:line);
// one that fails otherwise, or waits, counts as no match.
func (s *script) matches(w *waiter, ev lua.LValue) bool {
	if w.pred == nil {
		return true
	}
	remaining := s.limits.CPU - w.h.cpu
	if remaining <= 0 {
		s.killWaiter(w)
		return false
	}
	ctx, cancel := context.WithCancel(w.h.ctx)
	defer cancel()
	s.L.SetContext(forVM(ctx))
	defer s.L.RemoveContext()
	// The memory watchdog watches the predicate as a run of its handler.
	endLua := beginLua(w.h, &s.osThread)
	s.running.Store(w.h)
	s.meter.start(s.osThread.hold(), remaining, cancel)
	err := s.L.CallByParam(lua.P{Fn: w.pred, NRet: 1, Protect: true}, ev)
	w.h.cpu += s.meter.stop()
	s.running.Store(nil)
	endLua()
	if w.h.overMemory.Load() {
		why, _ := w.h.killed.Load().(string)
		s.removeWaiter(w)
		s.finish(w.h)
		s.halt(why)
		return false
	}
	if err != nil {
		if ctx.Err() != nil || w.h.cpu >= s.limits.CPU {
			s.killWaiter(w)
			return false
		}
		s.log.Warn("wait_for predicate failed", "event", w.event, "err", luaMessage(err))
		return false
	}
	ok := lua.LVAsBool(s.L.Get(-1))
	s.L.Pop(1)
	return ok
}

// killWaiter ends a handler parked in wait_for whose predicate used up the
// handler's CPU budget: the wait is dropped and the handler ends as killed,
// so the predicate never runs again.
func (s *script) killWaiter(w *waiter) {
	h := w.h
	at := "?"
	if p := w.pred.Proto; p != nil {
		at = fmt.Sprintf("%s:%d", p.SourceName, p.LineDefined)
	}
	why := fmt.Sprintf("its wait_for predicate (function at %s) used the handler's CPU budget of %s", at, s.limits.CPU)
	h.killed.Store(why)
	s.removeWaiter(w)
	if h.onResult != nil {
		h.onResult(nil, why)
	} else {
		s.failed("handler killed", h.event, why)
	}
	s.finish(h)
}

// removeWaiter forgets w and stops its timeout.
func (s *script) removeWaiter(w *waiter) {
	s.unclock(w)
	for i, x := range s.waiters {
		if x == w {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			if w.stop() {
				s.workers.Done()
			}
			return
		}
	}
}

// dropWaiters forgets the waits of a handler that ended.
func (s *script) dropWaiters(h *handler) {
	for i := 0; i < len(s.waiters); {
		if s.waiters[i].h == h {
			s.removeWaiter(s.waiters[i])
			continue
		}
		i++
	}
}
