package host

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/internal/luaframe"
)

// maxSpareThreads bounds the finished handler coroutines a script keeps
// (about 9 KB each). Under load handlers end and start in runs, one run of
// replies coming back then one of new events: at 100 in flight 16 spares
// still left a third of the events a new coroutine, 64 none; at 1000 in
// flight (luabot bench --window 1000 --latency 50ms) 64 left NewThread at
// 5 % of the bot's CPU, and 1024 took CPU per reply from 1.37-1.45x the
// bare client's to 1.06-1.32x. Spares no handler took for a second or two
// are dropped (trimSpares), so an idle script keeps none.
const maxSpareThreads = 1024

// thread returns a coroutine for a new handler: one a finished handler
// left, or a new one. gopher-lua's NewThread builds a whole global state
// (a global table, a registry table, the builtin metatables) that the
// thread drops at once for its parent's, plus a value stack, a call stack
// and a child context the host replaces: most of what a trivial handler
// allocated, about 18 KB, and 40 % of its time (BenchmarkEventToHandler:
// 30.5 µs with a new coroutine per event, 17.4 µs with spares).
func (s *script) thread() *lua.LState {
	n := len(s.spare)
	if n == 0 {
		th, _ := s.L.NewThread()
		return th
	}
	th := s.spare[n-1]
	s.spare[n-1] = nil
	s.spare = s.spare[:n-1]
	s.spareLow = min(s.spareLow, n-1)
	// A spare stays dead while it waits, so a script that kept a reference
	// (coroutine.running()) cannot resume it; it lives again only as a
	// handler the host resumes (guardResume refuses the script).
	th.Dead = false
	th.Env = s.L.Env // as NewThread sets it
	return th
}

// keepThread keeps th, whose handler ran to its end without an error, for
// a later handler. After a normal end gopher-lua leaves the thread as new
// (no call frames) but dead, with the handler's arguments still on its
// value stack: they are cleared here, so a spare keeps no event alive. A
// thread whose value stack grew past its first size is let go: the spares
// would otherwise hold memory no script is charged for.
func (s *script) keepThread(th *lua.LState) {
	if len(s.spare) >= maxSpareThreads || !th.Dead || th.Parent != nil {
		return
	}
	if stack := luaframe.Stack(th); stack == nil || cap(stack) > registrySize {
		return
	}
	th.SetTop(0)
	s.spare = append(s.spare, th)
}

// trimSpares drops the spares no handler needed since the last trim: the
// fewest there were in that time. The scheduler calls it every
// estimatePeriod, so spares left by a burst are gone a period or two after
// it.
func (s *script) trimSpares() {
	n := copy(s.spare, s.spare[s.spareLow:]) // the oldest are at the bottom
	clear(s.spare[n:])
	s.spare = s.spare[:n]
	s.spareLow = n
}
