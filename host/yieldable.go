package host

import (
	"maps"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// yieldable reports whether the running coroutine can yield to its
// resumer. gopher-lua starts a nested VM loop for native pcall,
// metamethods, iterators and callbacks (through callR); a yield inside one
// corrupts the state instead of failing, so look for callR between here
// and the coroutine's base.
//
// Every platform call asks (a reply waits for its answer), so what each
// return address on the stack is gets worked out once: resolving frames
// by name on every call was 5 % of luabot run's CPU under bench.
func yieldable() bool {
	// A reply's park is seven or eight frames above threadRun: look that
	// far first, since unwinding is most of the cost, then further down
	// (calls from inside a pcall's coroutine are deeper).
	var pcs [64]uintptr
	for depth := 8; ; depth = len(pcs) {
		n := runtime.Callers(2, pcs[:depth])
		for _, pc := range pcs[:n] {
			switch frameKindOf(pc) {
			case frameCallR:
				return false
			case frameThreadRun:
				return true
			}
		}
		if n < depth || depth == len(pcs) {
			return false
		}
	}
}

type frameKind uint8

const (
	frameOther frameKind = iota
	frameCallR
	frameThreadRun
)

// frameKinds maps return addresses to what they are. Readers take the map
// without a lock; a new address (a few hundred in a process) is added to
// a copy.
var (
	frameKinds   atomic.Pointer[map[uintptr]frameKind]
	frameKindsMu sync.Mutex // serialises the copies
)

func frameKindOf(pc uintptr) frameKind {
	if m := frameKinds.Load(); m != nil {
		if k, ok := (*m)[pc]; ok {
			return k
		}
	}
	k := resolveFrameKind(pc)
	frameKindsMu.Lock()
	defer frameKindsMu.Unlock()
	m := map[uintptr]frameKind{}
	if old := frameKinds.Load(); old != nil {
		m = maps.Clone(*old)
	}
	m[pc] = k
	frameKinds.Store(&m)
	return k
}

// resolveFrameKind names the functions at pc, innermost first (inlined
// calls give several), and says which of the two it meets first.
func resolveFrameKind(pc uintptr) frameKind {
	frames := runtime.CallersFrames([]uintptr{pc})
	for {
		f, more := frames.Next()
		switch {
		case strings.HasSuffix(f.Function, "gopher-lua.(*LState).callR"):
			return frameCallR
		case strings.HasSuffix(f.Function, "gopher-lua.threadRun"):
			return frameThreadRun
		}
		if !more {
			return frameOther
		}
	}
}
