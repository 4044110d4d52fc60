package host

import (
	"context"
	"fmt"
	"runtime/metrics"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua has no allocator hook, so memory is bounded two ways:
//
//   - While a handler runs, a watchdog samples the process heap; if it grew
//     by more than the script's limit since the handler resumed, the
//     handler is killed and its script stopped (a loop filling a table or
//     concatenating strings).
//   - Between events, the scheduler estimates what the script keeps
//     reachable from its globals, handlers and timers; a script over its
//     limit is stopped (a slow leak into globals).
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

func heapBytes() int64 {
	s := make([]metrics.Sample, len(heapMetric))
	copy(s, heapMetric)
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// watchMemory kills the running handler of any script whose heap growth
// during one run passes its limit. It returns when ctx ends.
func watchMemory(ctx context.Context, scripts func() []*script) {
	t := time.NewTicker(watchdogPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		heap := int64(-1)
		for _, s := range scripts() {
			h := s.running.Load()
			if h == nil {
				continue
			}
			if heap < 0 {
				heap = heapBytes()
			}
			// The baseline is taken here rather than at each resume, which
			// keeps metrics reads off the event path.
			base := h.heapAtStart.Load()
			if base == 0 {
				h.heapAtStart.CompareAndSwap(0, heap)
				continue
			}
			if grew := heap - base; grew > s.limits.Memory {
				h.killed.Store(fmt.Sprintf("allocated %d MiB in one run, over the script's %d MiB memory limit",
					grew>>20, s.limits.Memory>>20))
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
	}
}

// estimate walks what the script keeps reachable and returns an estimate
// of its heap size in bytes, or -1 when the walk ran over its budget.
func (s *script) estimate() int64 {
	w := &walker{seen: map[any]bool{}, budget: walkBudget}
	w.value(s.L.Get(lua.GlobalsIndex))
	for _, fn := range s.g.Functions() {
		w.value(fn)
	}
	for t := range s.timers {
		w.value(t.fn)
	}
	if w.budget < 0 {
		return -1
	}
	return w.bytes
}

// walker adds up approximate gopher-lua object sizes, measured on this Go
// version: a table costs about 200 bytes plus 50 per slot, a string its
// length plus a header.
type walker struct {
	seen   map[any]bool
	bytes  int64
	budget int
}

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
	}
}
