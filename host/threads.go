package host

import lua "github.com/yuin/gopher-lua"

// maxSpareThreads bounds the finished handler coroutines a script keeps.
// Handlers mostly end and start in turn on the scheduler (a reply comes
// back, the next event starts), so a few cover a steady load; a burst of
// endings beyond this lets the rest go to the collector.
const maxSpareThreads = 16

// thread returns a coroutine for a new handler: one a finished handler
// left, or a new one. gopher-lua's NewThread builds a whole global state
// (a global table, a registry table, the builtin metatables) that the
// thread drops at once for its parent's, plus a value stack, a call stack
// and a child context the host replaces: most of what a trivial handler
// allocated, about 18 KB and a tenth of its time (BenchmarkEventToHandler).
func (s *script) thread() *lua.LState {
	n := len(s.spare)
	if n == 0 {
		th, _ := s.L.NewThread()
		return th
	}
	th := s.spare[n-1]
	s.spare[n-1] = nil
	s.spare = s.spare[:n-1]
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
	if stack := stackOf(th); stack == nil || cap(stack) > registrySize {
		return
	}
	th.SetTop(0)
	s.spare = append(s.spare, th)
}
