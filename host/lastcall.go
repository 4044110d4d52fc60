package host

import (
	"context"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
)

// A handler whose last statement is a send (ev:reply(...), its results
// unused, or return ev:reply(...), whose results only the host would see)
// has nothing left to run in Lua once the send is under way, yet
// parked on it as on any other call it kept its coroutine, and everything
// the coroutine's stack reaches (the event's table and fields), for the
// whole round trip: with a thousand replies waiting on a slow platform
// that was most of the bot's memory. AwaitLast starts the send without
// yielding; when the handler's run then returns, release gives its
// coroutine back for the next handler, and the handler stays in ending
// until the send is done. Only then does it end as any handler does: its
// kv writes saved, its event settled, its time observed. Until then it
// counts as running (inflight, a stop's drain), so nothing about when a
// handler counts as done changes. It does not count against Limits.Parked,
// which bounds kept coroutines: what an ending handler holds is its
// request.

// AwaitLast implements bindings.Detacher.
func (s *script) AwaitLast(L *lua.LState, work func(ctx context.Context) bindings.Finish) int {
	h := s.handlerOf(L)
	if h == nil || s.threads[L] != h || h.onResult != nil {
		// Not a handler's own coroutine (pcall, a user coroutine: their
		// results go back to the script) or the REPL (which prints them):
		// a plain wait.
		return s.Await(L, work)
	}
	// Not s.park: the handler waits for nothing in Lua, and the parked cap
	// bounds coroutines kept with what they reach, which an ending handler
	// no longer has (a handler that failed at the cap lost its reply).
	s.waitGen++
	h.gen, h.last = s.waitGen, true
	gen, ctx := h.gen, h.ctx
	s.workers.Add(1)
	s.pool.run(func() {
		defer s.workers.Done()
		work(ctx) // the handler's run ended: nothing reads its results
		s.completions <- completion{gen: gen, last: h}
	})
	return 0
}

// release frees the coroutine of h, whose run returned while its last call
// runs.
func (s *script) release(h *handler) {
	delete(s.threads, h.th)
	s.keepThread(h.th)
	h.th, h.parkedIn = nil, nil
	s.ending[h] = struct{}{}
}

// endLast ends h once its last call is done: as resume ends a handler that
// returned. A completion for a handler that failed before its run returned
// (killed right after the call) or was canceled finds it gone.
func (s *script) endLast(h *handler, gen uint64) {
	if _, ok := s.ending[h]; !ok || h.gen != gen {
		return
	}
	delete(s.ending, h)
	h.last = false
	s.commit(h)
	s.finish(h)
}

// handlers counts the script's handlers that have not ended.
func (s *script) handlers() int { return len(s.threads) + len(s.ending) }
