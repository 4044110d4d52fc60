package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/gateway"
)

// Limits for one script. Load runs the top level under loadBudget; a
// handler may run cpuSlice of Lua between two waits before it is killed.
const (
	loadBudget = 5 * time.Second
	cpuSlice   = time.Second
	queueSize  = 1024
)

// script is one loaded Lua file and the goroutine that owns its state.
type script struct {
	name  string
	path  string
	L     *lua.LState
	g     *bindings.Globals
	log   *slog.Logger
	slice time.Duration

	events      chan gateway.Event
	completions chan completion

	// Owned by the scheduler goroutine.
	threads map[*lua.LState]*handler

	workers sync.WaitGroup
}

// handler is one running handler coroutine.
type handler struct {
	event   string
	ctx     context.Context
	cancel  context.CancelFunc
	gen     uint64 // which wait a completion belongs to
	waiting bool
	killed  atomic.Bool // set by the CPU watchdog
}

type completion struct {
	th     *lua.LState
	gen    uint64
	finish bindings.Finish
}

// LoadError is a script that could not be loaded.
type LoadError struct {
	Path string
	Err  error
}

func (e *LoadError) Error() string { return e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

// loadScript compiles path and runs its top level in a fresh sandbox.
func loadScript(path string, deps scriptDeps) (*script, error) {
	src, err := readCapped(path, maxModule)
	if err != nil {
		return nil, &LoadError{Path: path, Err: fmt.Errorf("load %s: %w", path, err)}
	}
	chunk := filepath.ToSlash(path)
	proto, err := compile(src, chunk)
	if err != nil {
		return nil, &LoadError{Path: path, Err: err}
	}
	name := strings.TrimSuffix(filepath.Base(path), ".lua")
	s := &script{
		name:        name,
		path:        path,
		L:           newSandbox(),
		log:         deps.logger.With("script", name),
		slice:       deps.slice,
		events:      make(chan gateway.Event, queueSize),
		completions: make(chan completion, queueSize),
		threads:     map[*lua.LState]*handler{},
	}
	if s.slice <= 0 {
		s.slice = cpuSlice
	}
	dir := filepath.Dir(path)
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, &LoadError{Path: path, Err: err}
	}
	g, err := bindings.Install(s.L, bindings.Env{
		Script: name,
		Dir:    absDir,
		API:    deps.api,
		Store:  deps.store,
		Async:  s,
		Logger: deps.logger,
	})
	if err != nil {
		s.L.Close()
		return nil, &LoadError{Path: path, Err: err}
	}
	s.g = g
	s.L.SetGlobal("require", s.L.NewFunction(newRequirer(absDir, dir).require))
	s.guardCoroutines()

	ctx, cancel := context.WithTimeout(context.Background(), loadBudget)
	defer cancel()
	s.L.SetContext(ctx)
	s.L.Push(s.L.NewFunctionFromProto(proto))
	err = s.L.PCall(0, 0, nil)
	s.L.RemoveContext()
	if err != nil {
		s.L.Close()
		msg := luaMessage(err)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			msg = fmt.Sprintf("%s: top level ran longer than %s (an endless loop?)", chunk, loadBudget)
		}
		return nil, &LoadError{Path: path, Err: errors.New(msg)}
	}
	return s, nil
}

// scriptDeps are the shared services every script's bindings use.
type scriptDeps struct {
	api    bindings.API
	store  bindings.Store
	logger *slog.Logger
	slice  time.Duration
}

// guardCoroutines stops a script from resuming its own handler coroutines
// with coroutine.resume: the coroutine is waiting on the host, and a fake
// resume would hand it made-up results.
func (s *script) guardCoroutines() {
	co := s.L.GetGlobal("coroutine").(*lua.LTable)
	resume := co.RawGetString("resume").(*lua.LFunction)
	co.RawSetString("resume", s.L.NewFunction(func(L *lua.LState) int {
		if th, ok := L.Get(1).(*lua.LState); ok && s.threads[th] != nil {
			L.Push(lua.LFalse)
			L.Push(lua.LString("cannot resume a handler coroutine: the host resumes it when its call completes"))
			return 2
		}
		top := L.GetTop()
		L.Push(resume)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, lua.MultRet)
		return L.GetTop() - top
	}))
}

// luaMessage extracts the readable message of a Lua error, without the
// stack traceback gopher-lua appends to protected calls.
func luaMessage(err error) string {
	var ae *lua.ApiError
	msg := err.Error()
	if errors.As(err, &ae) && ae.Object != nil {
		msg = ae.Object.String()
	}
	if i := strings.Index(msg, "\nstack traceback:"); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// run is the scheduler: the only goroutine that touches s.L after load.
// It returns after ctx ends and in-flight handlers are done or cut off.
func (s *script) run(ctx context.Context, drain time.Duration) {
	defer s.L.Close()
	for {
		select {
		case ev := <-s.events:
			s.dispatch(ev)
		case c := <-s.completions:
			s.complete(c)
		case <-ctx.Done():
			s.stop(drain)
			return
		}
	}
}

// stop handles the events already queued, lets in-flight handlers finish
// for up to drain, then cancels the rest and waits for their workers, which
// always finish once canceled.
func (s *script) stop(drain time.Duration) {
	for queued := true; queued; {
		select {
		case ev := <-s.events:
			s.dispatch(ev)
		default:
			queued = false
		}
	}
	s.runUnload()
	deadline := time.NewTimer(drain)
	defer deadline.Stop()
	for len(s.threads) > 0 {
		select {
		case c := <-s.completions:
			s.complete(c)
		case <-deadline.C:
			s.log.Warn("handlers still running at shutdown; canceling them", "count", len(s.threads))
			for _, h := range s.threads {
				h.cancel()
			}
			s.drainWorkers()
			return
		}
	}
	s.drainWorkers()
}

// drainWorkers consumes completions until every worker has exited, so no
// worker blocks forever on a send.
func (s *script) drainWorkers() {
	done := make(chan struct{})
	go func() {
		s.workers.Wait()
		close(done)
	}()
	for {
		select {
		case <-s.completions:
		case <-done:
			return
		}
	}
}

func (s *script) runUnload() {
	for _, fn := range s.g.Handlers(bindings.EventUnload) {
		s.start(bindings.EventUnload, fn, lua.LNil)
	}
}

// dispatch starts every matching handler for ev, each in its own coroutine.
func (s *script) dispatch(ev gateway.Event) {
	fns := s.g.Handlers(ev.Type)
	if len(fns) == 0 {
		return
	}
	arg, err := s.g.Event(s.L, ev)
	if err != nil {
		s.log.Error("bad event payload", "event", ev.Type, "err", err)
		return
	}
	for _, fn := range fns {
		s.start(ev.Type, fn, arg)
	}
}

func (s *script) start(event string, fn *lua.LFunction, arg lua.LValue) {
	th, _ := s.L.NewThread()
	h := &handler{event: event}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	th.SetContext(h.ctx)
	s.threads[th] = h
	s.resume(th, h, fn, arg)
}

// complete resumes the coroutine a worker finished for, unless that wait is
// stale (the handler already died or moved on).
func (s *script) complete(c completion) {
	h := s.threads[c.th]
	if h == nil || !h.waiting || h.gen != c.gen {
		return
	}
	vals := c.finish(s.L)
	s.resume(c.th, h, nil, vals...)
}

// resume runs th until it yields on a wait, finishes or fails. A watchdog
// cancels the handler's context if this slice of Lua runs too long; the VM
// checks that context before every instruction.
func (s *script) resume(th *lua.LState, h *handler, fn *lua.LFunction, args ...lua.LValue) {
	h.waiting = false
	watchdog := time.AfterFunc(s.slice, func() {
		h.killed.Store(true)
		h.cancel()
	})
	st, err := s.safeResume(th, fn, args)
	watchdog.Stop()
	switch {
	case st == lua.ResumeYield && h.waiting:
		return // a worker will complete it
	case st == lua.ResumeYield:
		s.log.Error("handler failed", "event", h.event,
			"err", "coroutine.yield called outside a coroutine the script created")
	case st == lua.ResumeError && h.killed.Load():
		s.log.Error("handler killed", "event", h.event,
			"err", fmt.Sprintf("ran %s of Lua without waiting (an endless loop?)", s.slice))
	case st == lua.ResumeError:
		s.log.Error("handler failed", "event", h.event, "err", luaMessage(err))
	}
	h.cancel()
	delete(s.threads, th)
}

// safeResume turns a panic escaping gopher-lua into a handler error, so one
// script's bug cannot take down the host.
func (s *script) safeResume(th *lua.LState, fn *lua.LFunction, args []lua.LValue) (st lua.ResumeState, err error) {
	defer func() {
		if r := recover(); r != nil {
			st, err = lua.ResumeError, fmt.Errorf("internal error in handler: %v", r)
		}
	}()
	st, err, _ = s.L.Resume(th, fn, args...)
	return st, err
}

// Await implements bindings.Async for the handler coroutine L.
func (s *script) Await(L *lua.LState, work func(ctx context.Context) bindings.Finish) int {
	h := s.threads[L]
	if h == nil {
		bindings.Raise(L, "this call waits for the network or a timer: make it inside an event handler, "+
			"not at load time and not inside a coroutine the script created")
	}
	if !yieldable() {
		bindings.Raise(L, "this call waits for the network or a timer and cannot be made inside pcall, "+
			"a metamethod, an iterator or a sort/gsub callback; call it directly in the handler")
	}
	h.gen++
	h.waiting = true
	gen, ctx := h.gen, h.ctx
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		finish := work(ctx)
		// The scheduler drains completions until every worker is done, so
		// this send always completes.
		s.completions <- completion{th: L, gen: gen, finish: finish}
	}()
	return L.Yield()
}

// yieldable reports whether the running coroutine can yield to the host.
// gopher-lua starts a nested VM loop for pcall, metamethods, iterators and
// callbacks (through callR); a yield inside one corrupts the state instead
// of failing, so look for callR between here and the coroutine's base.
func yieldable() bool {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		switch {
		case strings.HasSuffix(f.Function, "gopher-lua.(*LState).callR"):
			return false
		case strings.HasSuffix(f.Function, "gopher-lua.threadRun"):
			return true
		}
		if !more {
			return false
		}
	}
}

// deliver queues ev for the scheduler; it blocks when the script is far
// behind rather than drop events. An event that fits in the queue is
// queued even when ctx has just ended, so shutdown handles it.
func (s *script) deliver(ctx context.Context, ev gateway.Event) {
	select {
	case s.events <- ev:
		return
	default:
	}
	select {
	case s.events <- ev:
	case <-ctx.Done():
	}
}
