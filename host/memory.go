package host

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/internal/luaframe"
)

// gopher-lua has no allocator hook, so memory is bounded two ways:
//
//   - While a handler runs, a watchdog samples the process heap; if the
//     growth it can charge to that run (watchMemory) passes the script's
//     limit, the handler is killed and its script stopped (a loop filling
//     a table or concatenating strings).
//   - Between events, the scheduler estimates everything the script can
//     reach, wherever it is held (estimate); a script over its limit is
//     stopped (a slow leak into globals, a coroutine or a parked handler).
//
// Stopping a script discards its VM, which frees what it held. The host
// and the other scripts keep running.
const (
	defaultMemory  = 64 << 20
	watchdogPeriod = 5 * time.Millisecond
	estimatePeriod = time.Second
	// walkBudget bounds one estimate; a state with more objects than this
	// is far over any sensible limit anyway.
	walkBudget = 2_000_000
)

var heapMetric = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

var liveMetric = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// liveBytes is the heap the last collection found live.
func liveBytes() int64 {
	s := make([]metrics.Sample, len(liveMetric))
	copy(s, liveMetric)
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return heapBytes()
	}
	return int64(s[0].Value.Uint64())
}

func heapBytes() int64 {
	s := make([]metrics.Sample, len(heapMetric))
	copy(s, heapMetric)
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// sharedFactor bounds growth the watchdog cannot attribute: a run is
// stopped when the heap grew by more than this many times its limit while
// it and other scripts ran, even though the growth may be theirs.
const sharedFactor = 4

// gcSpacing is the least time between two collections the watchdog forces
// to tell kept memory from garbage.
const gcSpacing = 100 * time.Millisecond

// watchMemory kills the running handler of any script whose heap growth
// during one run passes its limit. It returns when ctx ends.
//
// The heap is the process's, so growth is charged by interval between two
// samples: to a run alone when it was the only Lua running throughout
// (runs.go), otherwise to every run as shared. A run is stopped when its
// own growth passes its limit; when its own and shared growth together do,
// Lua runs one stretch at a time for a while, so that the next intervals
// are attributable; past sharedFactor times the limit it is stopped anyway,
// so that scripts allocating together cannot exhaust the process.
func watchMemory(ctx context.Context, scripts func() []*script) {
	t := time.NewTicker(watchdogPeriod)
	defer t.Stop()
	var lastGC time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sampled := false
		var heap, active int64
		var epoch uint64
		for _, s := range scripts() {
			h := s.running.Load()
			if h == nil {
				continue
			}
			if !sampled {
				sampled = true
				epoch = luaRuns.epoch.Load()
				active = luaRuns.active.Load()
				heap = heapBytes()
			}
			// The baseline is taken here rather than at each resume, which
			// keeps metrics reads off the event path.
			if seq := h.runSeq.Load(); h.wSeq != seq {
				h.wSeq, h.wHeap, h.wEpoch, h.sole, h.shared = seq, heap, epoch, 0, 0
				h.wLive = liveBytes()
				continue
			}
			delta := heap - h.wHeap
			if epoch == h.wEpoch && active == 1 {
				h.sole += delta
			} else {
				// Gross, not net: a collection during a shared interval
				// frees the run's own garbage too, and netting it against
				// a neighbour's kept growth would leave that growth to be
				// charged to this run after the next forced collection.
				h.shared += max(delta, 0)
			}
			h.wHeap, h.wEpoch = heap, epoch
			limit := s.limits.Memory
			if grew := h.sole + h.shared; grew > limit {
				if h.shared > 0 {
					runOneAtATime()
				}
				// The heap counts garbage until the collector runs, and
				// how much garbage piles up depends on what the other
				// scripts keep alive. Collect, and charge only what the
				// collection did not free: a run that makes garbage is
				// not stopped for it, one that keeps memory is. Forced
				// collections are spaced out unless the growth is far
				// over the limit, so that garbage does not make the
				// process collect all the time.
				if time.Since(lastGC) < gcSpacing && grew <= sharedFactor*limit {
					continue
				}
				runtime.GC()
				lastGC = time.Now()
				after := heapBytes()
				h.wHeap = after
				// What the whole process kept since the run began (live
				// heap then: as of the collection before it) bounds what
				// the run kept; of that, growth while others ran may be
				// theirs, so the run alone kept at most the rest.
				kept := max(after-h.wLive, 0)
				h.sole = min(h.sole, max(kept-max(h.shared, 0), 0))
				h.shared = min(h.shared, kept)
			}
			var why string
			switch {
			case h.sole > limit:
				why = fmt.Sprintf("allocated %d MiB in one run, over the script's %d MiB memory limit", h.sole>>20, limit>>20)
			case h.sole+h.shared > sharedFactor*limit:
				why = fmt.Sprintf("the heap grew %d MiB during one run while other scripts ran too, over %d times the script's %d MiB memory limit",
					(h.sole+h.shared)>>20, sharedFactor, limit>>20)
			}
			if why != "" {
				h.killed.Store(why)
				h.overMemory.Store(true)
				h.cancel()
			}
		}
	}
}

// watchLoad bounds a script's top level the way watchMemory bounds a
// handler: the top level runs before the script is in the host's list, so
// without this a loop at load time could fill the heap for the whole load
// budget. It cancels the load once the heap grew past limit and reports
// that through over; stop ends the watch.
func watchLoad(cancel context.CancelFunc, limit int64) (over func() bool, stop func()) {
	var exceeded atomic.Bool
	done := make(chan struct{})
	finished := make(chan struct{})
	endLua := beginLua(nil, nil)
	base := heapBytes()
	go func() {
		defer close(finished)
		t := time.NewTicker(watchdogPeriod)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if heapBytes()-base > limit {
				exceeded.Store(true)
				cancel()
				return
			}
		}
	}()
	return exceeded.Load, func() {
		close(done)
		<-finished
		endLua()
	}
}

// estimate walks what the script keeps reachable and returns an estimate
// of its heap size in bytes, or -1 when the walk ran over its budget. It
// also records how many coroutines the script holds besides its handlers.
//
// The roots are everything the VM or the host keeps for the script: the
// globals, the VM's registry table, the main thread's and every handler's
// value stack (a handler parked in sleep keeps its locals there), the
// handlers, timers and wait_for predicates, and the modules require
// loaded. Values reached from them are followed through tables,
// metatables, upvalues, userdata and the stacks of coroutines, so memory
// kept in a suspended coroutine stored anywhere counts too. It must run on
// the scheduler goroutine (or inside a builtin the scheduler is running).
func (s *script) estimate() int64 {
	w := &walker{seen: map[any]bool{}, budget: walkBudget, handlers: s.threads, main: s.L, own: map[*lua.LState]bool{}}
	if s.pcallPool != nil {
		s.pcallPool.ForEach(func(_, v lua.LValue) {
			if co, ok := v.(*lua.LState); ok {
				w.own[co] = true
			}
		})
	}
	w.value(s.L)
	w.value(s.L.G.Global)
	w.value(s.L.G.Registry)
	for _, fn := range s.g.Functions() {
		w.value(fn)
	}
	for t := range s.timers {
		w.value(t.fn)
	}
	for _, wt := range s.waiters {
		if wt.pred != nil {
			w.value(wt.pred)
		}
	}
	counted := map[*handler]bool{}
	for th, h := range s.threads {
		w.value(th)
		if h != nil && !counted[h] {
			// kv writes a parked handler has buffered live in Go
			// until it ends, outside the walk and outside any run.
			counted[h] = true
			w.bytes += h.kv.HeldBytes()
		}
	}
	if s.req != nil {
		w.value(s.req.loaded)
		w.value(s.req.preload)
	}
	s.coroutines, s.created = w.coroutines, 0
	if w.budget < 0 {
		return -1
	}
	s.memEstimate.Store(w.bytes)
	return w.bytes
}

// heldBytes is implemented by the Go value behind a userdata that keeps
// memory the walk cannot see, such as a kv.scan iterator's page.
type heldBytes interface{ HeldBytes() int64 }

// walker adds up approximate gopher-lua object sizes, measured on this Go
// version: a table costs about 200 bytes plus 50 per slot, a string its
// length plus a header, a coroutine about 8 KB plus 16 bytes a stack slot.
type walker struct {
	seen   map[any]bool
	bytes  int64
	budget int
	// handlers are the host's handler coroutines: not counted as the
	// script's own coroutines.
	handlers map[*lua.LState]*handler
	main     *lua.LState
	// own are pcall's idle pooled coroutines: not counted either.
	own        map[*lua.LState]bool
	coroutines int
}

// threadBytes is the fixed cost of a coroutine besides its value stack:
// the state, its call frame segments and allocator.
const threadBytes = 8 << 10

func (w *walker) value(v lua.LValue) {
	if w.budget < 0 {
		return
	}
	switch v := v.(type) {
	case lua.LString:
		w.bytes += int64(len(v)) + 32
	case *lua.LTable:
		if w.seen[v] {
			return
		}
		w.seen[v] = true
		w.budget--
		w.bytes += 200
		v.ForEach(func(k, e lua.LValue) {
			w.bytes += 50
			w.budget--
			w.value(k)
			w.value(e)
		})
		if v.Metatable != nil {
			w.value(v.Metatable)
		}
	case *lua.LFunction:
		if w.seen[v] {
			return
		}
		w.seen[v] = true
		w.budget--
		w.bytes += 100
		for _, uv := range v.Upvalues {
			if uv != nil {
				w.value(uv.Value())
			}
		}
		if v.Env != nil {
			w.value(v.Env)
		}
	case *lua.LUserData:
		if w.seen[v] {
			return
		}
		w.seen[v] = true
		w.budget--
		w.bytes += 64
		if h, ok := v.Value.(heldBytes); ok {
			w.bytes += h.HeldBytes()
		}
		if v.Metatable != nil {
			w.value(v.Metatable)
		}
		if v.Env != nil {
			w.value(v.Env)
		}
	case *lua.LState:
		if w.seen[v] {
			return
		}
		w.seen[v] = true
		w.budget--
		if w.handlers[v] == nil && v != w.main && !w.own[v] {
			w.coroutines++
		}
		stack := luaframe.Stack(v)
		w.bytes += threadBytes + 16*int64(cap(stack))
		for _, e := range stack {
			if e != nil && e != lua.LNil {
				w.budget--
				w.value(e)
			}
		}
		if v.Env != nil {
			w.value(v.Env)
		}
	}
}
