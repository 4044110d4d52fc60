package host

import (
	"sync"
	"sync/atomic"
	"time"
)

// The memory watchdog can only read the heap of the whole process, so it
// needs to know which scripts ran Lua while the heap grew (memory.go). All
// hosts in the process share one heap, so what runs is counted process-wide:
// active is how many stretches of Lua (handler runs, wait_for predicates,
// top levels) are executing, and epoch changes whenever one starts or ends.
// Between two heap samples with the same epoch and one stretch active, the
// growth was that stretch's alone.
//
// When growth cannot be told apart (several scripts ran and together grew
// the heap past a running script's limit), the gate is closed for a while:
// stretches of Lua then take it exclusively, one at a time across the
// process, so that from then on each one's growth is its own. A script that
// allocates in bursts beside a neighbour's long run can therefore not get the
// neighbour stopped, and cannot hide its own allocations behind it.
var luaRuns struct {
	active atomic.Int64
	epoch  atomic.Uint64

	gate      sync.RWMutex
	exclusive atomic.Bool
	until     atomic.Int64 // unix nanoseconds when exclusive mode ends
}

// exclusiveFor is how long stretches of Lua run one at a time after the
// watchdog could not attribute heap growth.
const exclusiveFor = 2 * time.Second

// beginLua is called before a stretch of Lua runs on the calling goroutine;
// the function it returns is called when the stretch is over. In exclusive
// mode it waits until no other stretch runs. A scheduler passes its thread:
// it lets go of it before it waits, since a goroutine locked to its thread
// that blocks costs two thread switches to wake, and in exclusive mode every
// scheduler but one waits here.
func beginLua(h *handler, thread *osThread) (end func()) {
	exclusive := luaRuns.exclusive.Load()
	if exclusive && time.Now().UnixNano() >= luaRuns.until.Load() {
		luaRuns.exclusive.Store(false)
		exclusive = false
	}
	switch {
	case exclusive && !luaRuns.gate.TryLock():
		thread.release()
		luaRuns.gate.Lock()
	case !exclusive && !luaRuns.gate.TryRLock():
		thread.release()
		luaRuns.gate.RLock()
	}
	if h != nil {
		h.runSeq.Add(1)
	}
	luaRuns.epoch.Add(1)
	luaRuns.active.Add(1)
	if exclusive {
		return endExclusive
	}
	return endShared
}

func endShared() {
	luaRuns.active.Add(-1)
	luaRuns.epoch.Add(1)
	luaRuns.gate.RUnlock()
}

func endExclusive() {
	luaRuns.active.Add(-1)
	luaRuns.epoch.Add(1)
	luaRuns.gate.Unlock()
}

// runOneAtATime switches to exclusive mode for exclusiveFor.
func runOneAtATime() {
	luaRuns.until.Store(time.Now().Add(exclusiveFor).UnixNano())
	luaRuns.exclusive.Store(true)
}
