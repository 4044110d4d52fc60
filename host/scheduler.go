package host

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/dispatch"
)

// run is the scheduler: the only goroutine that touches s.L after load.
// It returns after ctx ends and in-flight handlers are done or cut off.
func (s *script) run(ctx context.Context, drain time.Duration) {
	defer s.L.Close()
	defer s.osThread.release()
	estimate := time.NewTicker(s.estimateEvery)
	defer estimate.Stop()
	active := false // something ran since the last estimate
	for !s.halted.Load() {
		s.idle()
		select {
		case <-s.inbox.ready:
			if in, ok := s.inbox.pop(); ok {
				s.dispatchRouted(in)
				s.queued.Add(-1)
				active = true
			}
		case c := <-s.completions:
			s.complete(c)
		case t := <-s.fires:
			s.fire(t)
			s.queued.Add(-1)
			active = true
		case f := <-s.control:
			f()
		case <-estimate.C:
			s.trimSpares()
			if active {
				active = false
				s.checkMemory()
			}
		case <-ctx.Done():
			s.stop(drain)
			return
		}
	}
	s.abandon()
}

// do runs f on the scheduler goroutine, or right away if the scheduler has
// not started (holding off its start meanwhile). It reports false if the
// scheduler has already returned.
func (s *script) do(f func()) bool {
	s.startMu.Lock()
	if !s.started {
		defer s.startMu.Unlock()
		defer s.osThread.release() // this goroutine is not the scheduler
		f()
		return true
	}
	s.startMu.Unlock()
	select {
	case s.control <- f:
		return true
	case <-s.done:
		return false
	}
}

// markStarted records that the scheduler goroutine is about to run: from
// now on only it touches the VM.
func (s *script) markStarted() {
	s.startMu.Lock()
	s.started = true
	s.startMu.Unlock()
}

// checkMemory stops the script if what it keeps is over its limit.
func (s *script) checkMemory() {
	n := s.estimate()
	if s.rec != nil {
		s.rec.memory.Store(n)
	}
	if n < 0 || n > s.limits.Memory {
		s.halt(fmt.Sprintf("it keeps more than its %d MiB memory limit between events", s.limits.Memory>>20))
	}
}

// halt stops a script that broke a limit: nothing of it runs again, and
// its VM is discarded when the scheduler returns.
func (s *script) halt(why string) {
	if s.halted.Swap(true) {
		return
	}
	s.log.Error("script stopped", "err", why, "hint", "fix the script and reload or restart it; other scripts keep running")
}

// abandon ends a halted script: its handlers and timers are canceled and
// its workers drained; no unload handler runs in a VM that broke a limit.
func (s *script) abandon() {
	for {
		in, ok := s.inbox.pop()
		if !ok {
			break
		}
		in.settle.done()
		s.queued.Add(-1)
	}
	s.cancelTimers()
	s.cancelHandlers()
	s.drainWorkers()
}

// cancelHandlers ends every handler: waits on workers end through their
// context, waits on events and timers are dropped here.
func (s *script) cancelHandlers() {
	for _, h := range s.threads {
		h.cancel()
		s.dropWaiters(h)
		s.inflight.Add(-1)
		s.runAtEnd(h) // a stream the handler had open is still finished
	}
	for h := range s.ending {
		h.cancel()
		s.inflight.Add(-1)
		s.runAtEnd(h)
	}
	s.threads = map[*lua.LState]*handler{}
	s.ending = map[*handler]struct{}{}
	s.parked = 0
}

// stop retires the script: it handles the events already queued, cancels
// its timers, lets in-flight handlers finish, runs the unload handlers, and
// after drain cancels whatever still runs and waits for its workers.
func (s *script) stop(drain time.Duration) {
	for {
		in, ok := s.inbox.pop()
		if !ok {
			break
		}
		s.dispatchRouted(in)
		s.queued.Add(-1)
	}
	s.cancelTimers()
	if s.handlers() > 0 {
		// Say at once what delays the stop, not only when the drain ends.
		s.log.Info("waiting for handlers to finish before stopping", "count", s.handlers(),
			"waiting_for", s.waitsFor(), "at_most", drain)
	}
	deadline := time.NewTimer(drain)
	defer deadline.Stop()
	if s.settle(deadline.C) {
		for _, fn := range s.g.Handlers(bindings.EventUnload) {
			s.start(bindings.EventUnload, fn, nil)
		}
		s.settle(deadline.C)
	}
	if s.handlers() > 0 {
		s.log.Warn("handlers still running at shutdown; canceling them", "count", s.handlers())
		s.cancelHandlers()
	}
	s.drainWorkers()
}

// settle resumes handlers as their waits complete until none is left; it
// reports false if the deadline came first.
func (s *script) settle(deadline <-chan time.Time) bool {
	for s.handlers() > 0 {
		s.idle()
		select {
		case c := <-s.completions:
			s.complete(c)
		case f := <-s.control:
			f()
		case <-deadline:
			return false
		}
	}
	return true
}

// idle lets go of the scheduler's thread (cpumeter.go's osThread) unless
// work is already waiting: the select that follows may block, and a
// goroutine locked to its thread that blocks costs two thread switches to
// wake. The scheduler is the only reader of these channels, so work seen
// waiting here is still there for the select.
func (s *script) idle() {
	if len(s.inbox.ready) == 0 && len(s.completions) == 0 && len(s.fires) == 0 && len(s.control) == 0 {
		s.osThread.release()
	}
}

// drainWorkers consumes completions and timer fires until every worker has
// exited, so no worker blocks forever on a send.
func (s *script) drainWorkers() {
	close(s.stopped)
	done := make(chan struct{})
	go func() {
		s.workers.Wait()
		close(done)
	}()
	for {
		select {
		case <-s.completions:
		case <-s.fires:
		case <-done:
			s.pool.close()
			return
		}
	}
}

// deliver queues ev for the scheduler without ever blocking the gateway:
// when the inbox is full the oldest event is dropped and counted.
func (s *script) deliver(ev dispatch.Event) { s.deliverSettled(ev, 0, false, nil) }

// deliverSettled is deliver for an event whose settle is told when this
// script is done with it (settle.go), with the repeat mark of dispatchSettled.
func (s *script) deliverSettled(ev dispatch.Event, n uint64, repeat bool, settle *eventSettle) {
	if s.halted.Load() {
		settle.done()
		return
	}
	s.queued.Add(1)
	if old, full := s.inbox.push(inboxEvent{ev, repeat, settle, n}); full {
		s.queued.Add(-1)
		old.settle.done()
		s.obs.Dropped()
		if n := s.dropped.Add(1); n == 1 || n%1000 == 0 {
			s.log.Warn("inbox full: dropped the oldest event", "event", old.ev.Type, "dropped_total", n, "inbox", s.inbox.limit)
		}
	}
}

// dispatch starts every matching handler for ev, each in its own coroutine,
// and wakes the handlers waiting for it.
func (s *script) dispatch(ev dispatch.Event) {
	s.dispatchSettled(ev, false, nil)
	s.osThread.release()
}

// dispatchRouted is dispatchSettled for an event from the inbox: the handlers it
// starts carry its number in their Cause.
func (s *script) dispatchRouted(in inboxEvent) {
	s.routing = in.n
	s.dispatchSettled(in.ev, in.repeat, in.settle)
	s.routing = 0
}

// dispatchSettled starts the handlers for ev and tells settle when every
// handler it started has ended (settle.go). When repeat is true the "message"
// handlers, waiters and commands already had its message (overlap.go).
func (s *script) dispatchSettled(ev dispatch.Event, repeat bool, settle *eventSettle) {
	defer settle.done() // this script's own share; each handler holds one more
	// isMessage: this dispatch goes to the "message" handlers, waiters and
	// commands too, unless they had its message already (overlap.go).
	isMessage := bindings.IsMessageEvent(ev.Type) && !repeat
	fns := s.g.HandlersFor(ev.Type, isMessage)
	if len(fns) == 0 && len(s.waiters) == 0 && !(isMessage && s.g.HasCommands()) {
		return
	}
	arg, err := s.g.Event(s.L, ev)
	if err != nil {
		s.log.Error("bad event payload", "event", ev.Type, "err", err)
		return
	}
	s.wake(ev.Type, arg, isMessage)
	for i, fn := range fns {
		s.startOnce(ev, settle, i, fn, arg)
	}
	if isMessage {
		if fn, args, ok := s.g.Command(s.L, arg); ok {
			s.startOnce(ev, settle, len(fns), fn, args...)
		}
	}
}

// startOnce starts the ordinal'th handler of ev, unless a run of it before
// a restart finished (handled.go).
func (s *script) startOnce(ev dispatch.Event, settle *eventSettle, ordinal int, fn *lua.LFunction, args ...lua.LValue) {
	if s.handled.done(s.name, ev.ID, ordinal) {
		s.log.Debug("handler already ran for this event before a restart; not run again", "event", ev.Type, "event_id", ev.ID)
		return
	}
	settle.add()
	s.startMarked(ev.Type, ev.ID, ordinal, settle, fn, nil, args...)
}

// start runs fn in a new handler coroutine.
func (s *script) start(event string, fn *lua.LFunction, onDone func(), args ...lua.LValue) {
	s.startMarked(event, "", 0, nil, fn, onDone, args...)
}

// startMarked is start for the ordinal'th handler of the event eventID
// (handled.go).
func (s *script) startMarked(event, eventID string, ordinal int, settle *eventSettle, fn *lua.LFunction, onDone func(), args ...lua.LValue) {
	th := s.thread()
	h := &handler{event: event, started: time.Now(), th: th, onDone: onDone, eventID: eventID, ordinal: ordinal, settle: settle}
	// The handler's calls carry what started it, for a recording (cause.go).
	ctx, cancel := context.WithCancel(withCause(context.Background(), Cause{Script: s.name, Event: event, Dispatch: s.routing}))
	h.ctx, h.cancel = forVM(ctx), cancel
	th.SetContext(h.ctx)
	s.threads[th] = h
	s.inflight.Add(1)
	s.resume(h, fn, args...)
}

// complete resumes the handler a worker finished for, unless that wait is
// stale (the handler already died or moved on).
func (s *script) complete(c completion) {
	if c.last != nil {
		s.endLast(c.last, c.gen)
		return
	}
	h := s.threads[c.th]
	if h == nil || !h.waiting || h.gen != c.gen {
		return
	}
	s.resume(h, nil, c.finish(s.L)...)
}

// resume runs the handler until it parks on a host wait, finishes or fails.
// A watchdog cancels the handler's context once its CPU budget is spent;
// the VM checks that context before every instruction.
func (s *script) resume(h *handler, fn *lua.LFunction, args ...lua.LValue) {
	s.unpark(h)
	endLua := beginLua(h, &s.osThread)
	s.meter.start(s.osThread.hold(), s.limits.CPU-h.cpu, func() {
		h.killed.Store(fmt.Sprintf("used its CPU budget of %s of Lua (an endless loop?)", s.limits.CPU))
		h.cancel()
	})
	s.running.Store(h)
	st, vals, err := s.safeResume(h.th, fn, args)
	s.running.Store(nil)
	h.cpu += s.meter.stop()
	endLua()
	if h.overMemory.Load() {
		why, _ := h.killed.Load().(string)
		why += stoppedAt(h.th, err)
		s.finish(h)
		s.halt(why)
		return
	}

	if st == lua.ResumeYield && h.waiting {
		return // a worker or an event will complete it
	}
	why, _ := h.killed.Load().(string)
	if st == lua.ResumeOK && why == "" && h.last {
		s.release(h) // its last call still runs (lastcall.go)
		return
	}
	var failure string
	switch {
	case st == lua.ResumeOK && why == "":
		s.commit(h)
	case why != "":
		failure = why + stoppedAt(h.th, err)
		s.failed("handler killed", h.event, failure)
	case st == lua.ResumeYield:
		failure = "coroutine.yield called outside a coroutine the script created"
		s.failed("handler failed", h.event, failure)
	case st == lua.ResumeError:
		failure = s.explainCall(luaMessage(err))
		if tb := traceback(h.th, failure); tb != "" {
			failure += " (called from " + tb + ")"
		}
		if h.onResult == nil {
			s.failed("handler failed", h.event, failure)
		}
	}
	h.failed = failure != ""
	if failure != "" && s.acks != nil && h.eventID != "" {
		s.acks.fail(h.eventID) // a press whose handler failed is answered with failure
	}
	if h.onResult != nil {
		h.onResult(vals, failure)
	}
	s.finish(h)
	if st == lua.ResumeOK && failure == "" {
		s.keepThread(h.th)
	}
}

// commit saves a finished handler's kv.set and kv.delete calls. No Lua
// runs here: kv.incr and kv.update committed when they were called.
func (s *script) commit(h *handler) {
	if h.kv == nil {
		return
	}
	if err := h.kv.CommitDone(s.store); err != nil {
		s.log.Error("handler's kv writes not saved", "event", h.event, "err", err)
	}
}

// unpark marks h as no longer waiting.
func (s *script) unpark(h *handler) {
	if h.waiting {
		h.waiting = false
		s.parked--
	}
}

func (s *script) finish(h *handler) {
	if !h.started.IsZero() { // REPL evaluations are not handlers
		took := time.Since(h.started)
		s.obs.HandlerDone(h.event, h.outcome(), took)
		if s.rec != nil {
			s.rec.observe(took)
		}
	}
	s.unpark(h)
	h.cancel()
	s.runAtEnd(h)
	delete(s.threads, h.th)
	s.dropWaiters(h)
	if h.onDone != nil {
		h.onDone()
	}
	h.settle.done()
	// Last: what the end starts (a button's acknowledgement, by
	// h.settle) is under way before the handler stops counting, so
	// Host.Settled never sees neither.
	s.inflight.Add(-1)
}

// stoppedAt says where a handler the CPU or memory limit stopped was
// running (" (at x.lua:8)"), so that its author finds the loop: the
// position of the error the stop raised (err, the resume's), or, when
// that was raised outside the script (in pcall's prelude), the script's
// frames still on the stack; "" when neither names a line of the script.
func stoppedAt(th *lua.LState, err error) string {
	if pos := errorAt(err); pos != "" {
		return " (at " + pos + ")"
	}
	if tb := traceback(th, ""); tb != "" {
		return " (at " + tb + ")"
	}
	return ""
}

// errorAt is the script position ("x.lua:8") a Lua error message starts
// with, or "" (none, or the prelude's).
func errorAt(err error) string {
	if err == nil {
		return ""
	}
	if m := messagePosition.FindStringSubmatch(luaMessage(err)); m != nil && !strings.HasPrefix(m[1], "=") {
		return m[1]
	}
	return ""
}

// messagePosition matches the "file:line: " a Lua error message starts with.
var messagePosition = regexp.MustCompile(`^(.+?:\d+): `)

// traceback lists the script lines a failed coroutine was called from,
// innermost first, leaving out the line the message itself names.
func traceback(th *lua.LState, message string) string {
	var lines []string
	for level := 0; level < 8; level++ {
		dbg, ok := th.GetStack(level)
		if !ok {
			break
		}
		if _, err := th.GetInfo("Sl", dbg, lua.LNil); err != nil || dbg.CurrentLine <= 0 ||
			strings.HasPrefix(dbg.Source, "=") || dbg.Source == "[G]" {
			continue
		}
		pos := fmt.Sprintf("%s:%d", dbg.Source, dbg.CurrentLine)
		if len(lines) == 0 && strings.HasPrefix(message, pos+":") {
			continue
		}
		lines = append(lines, pos)
	}
	return strings.Join(lines, ", ")
}

// safeResume turns a panic escaping gopher-lua into a handler error, so one
// script's bug cannot take down the host. It returns what L.Resume does,
// the error last.
func (s *script) safeResume(th *lua.LState, fn *lua.LFunction, args []lua.LValue) (st lua.ResumeState, vals []lua.LValue, err error) {
	defer func() {
		if r := recover(); r != nil {
			st, err = lua.ResumeError, fmt.Errorf("internal error in handler: %v", r)
		}
	}()
	st, err, vals = s.L.Resume(th, fn, args...)
	return st, vals, err
}

// KV implements bindings.Scope: the kv buffer of the handler running on L.
func (s *script) KV(L *lua.LState) *bindings.KVBuffer {
	h := s.handlerOf(L)
	if h == nil {
		return nil
	}
	if h.kv == nil && h.eventID != "" && s.handled != nil {
		h.kv = bindings.NewEventKVBuffer(s.handled.once(handlerMark(s.name, h.eventID, h.ordinal)))
	} else if h.kv == nil {
		h.kv = bindings.NewKVBuffer()
	}
	return h.kv
}

// handlerOf finds the handler a coroutine belongs to: its own, or the one
// of the coroutine that resumed it (pcall and user coroutines).
func (s *script) handlerOf(L *lua.LState) *handler {
	for th := L; th != nil; th = th.Parent {
		if h := s.threads[th]; h != nil {
			return h
		}
	}
	return nil
}

// park marks h as waiting and returns the wait's generation.
func (s *script) park(L *lua.LState) (*handler, uint64) {
	h := s.handlerOf(L)
	if h == nil {
		bindings.Raise(L, "this call waits for the network or a timer: make it inside an event handler, "+
			"timer or command, not at load time")
	}
	if !yieldable() {
		bindings.Raise(L, "this call waits and cannot be made inside a metamethod, an iterator, "+
			"a sort/gsub callback or a kv.update function; call it directly in the handler (pcall is fine)")
	}
	if !h.waiting {
		// A parked handler keeps its coroutine and everything its locals
		// reach until it resumes: handlers that park and never finish
		// (sleep(3600) per event) would pile up without a cap.
		if s.parked >= s.limits.Parked {
			bindings.Raise(L, "%d handlers of this script are already waiting (sleep, wait_for or a platform call), "+
				"the most it may have at once; this call cannot wait until some of them end", s.limits.Parked)
		}
		s.parked++
	}
	s.waitGen++
	h.gen = s.waitGen
	h.waiting = true
	h.waitsFor, h.parkedIn = "a platform or http call", L
	return h, h.gen
}

// parkedPos is the script line where a parked coroutine waits
// ("bot.lua:12"), skipping Go frames and luabot's own chunks. Its frames
// stay as they were, less the Go function that yielded, so this is worked
// out only when asked (at shutdown), not for every wait.
func parkedPos(L *lua.LState) string {
	for level := 0; level < 8; level++ {
		w := L.Where(level)
		if w == "" {
			break
		}
		if w != "[G]:" && !strings.HasPrefix(w, "=") {
			return strings.TrimSuffix(w, ":")
		}
	}
	return ""
}

// atEndTimeout bounds what a binding does after its handler has ended.
const atEndTimeout = 10 * time.Second

// runAtEnd starts what bindings asked to run when h ends, each on a worker
// (drainWorkers waits for them).
func (s *script) runAtEnd(h *handler) {
	// What runs at the end is still the handler's doing, for a recording (cause.go).
	base := context.Background()
	if c, ok := CauseOf(h.ctx); ok {
		base = withCause(base, c)
	}
	for _, f := range h.atEnd {
		s.workers.Add(1)
		s.atEnds.Add(1)
		s.pool.run(func() {
			defer s.workers.Done()
			defer s.atEnds.Add(-1)
			ctx, cancel := context.WithTimeout(base, atEndTimeout)
			defer cancel()
			f(ctx)
		})
	}
	h.atEnd = nil
}

// AtEnd implements bindings.Ends.
func (s *script) AtEnd(L *lua.LState, f func(ctx context.Context)) {
	h := s.handlerOf(L)
	if h == nil {
		bindings.Raise(L, "this call belongs in an event handler, not at load time")
	}
	h.atEnd = append(h.atEnd, f)
}

// Await implements bindings.Async.
func (s *script) Await(L *lua.LState, work func(ctx context.Context) bindings.Finish) int {
	h, gen := s.park(L)
	ctx := h.ctx
	s.workers.Add(1)
	s.pool.run(func() {
		defer s.workers.Done()
		finish := work(ctx)
		// The scheduler drains completions until every worker is done, so
		// this send always completes.
		s.completions <- completion{th: h.th, gen: gen, finish: finish}
	})
	return L.Yield(s.marker)
}

// forward is the prelude's fwd(): it passes a host wait that started in a
// nested coroutine (pcall, a user coroutine) up to the host.
func (s *script) forward(L *lua.LState) int {
	if s.handlerOf(L) == nil || !yieldable() {
		bindings.Raise(L, "this call waits and cannot be made inside a metamethod, an iterator, "+
			"a sort/gsub callback or a kv.update function")
	}
	return L.Yield(s.marker)
}

// yield is coroutine.yield: a handler itself is not a coroutine the script
// may yield.
func (s *script) yield(L *lua.LState) int {
	if s.threads[L] != nil {
		bindings.Raise(L, "coroutine.yield called outside a coroutine the script created")
	}
	if !yieldable() {
		bindings.Raise(L, "attempt to yield across a metamethod, iterator or callback")
	}
	n := L.GetTop()
	vals := make([]lua.LValue, n)
	for i := range vals {
		vals[i] = L.Get(i + 1)
	}
	return L.Yield(vals...)
}

// guardResume wraps coroutine.resume so a script cannot resume a handler's
// own coroutine and hand it made-up results.
func (s *script) guardResume(raw *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		if th, ok := L.Get(1).(*lua.LState); ok && s.threads[th] != nil {
			L.Push(lua.LFalse)
			L.Push(lua.LString("cannot resume a handler coroutine: the host resumes it"))
			return 2
		}
		// gopher-lua gives a coroutine a child of its creator's context,
		// which ends when the creator's run ends or it dies: a generator
		// made in one handler (or pcall's pooled coroutines, or one made
		// inside a coroutine that later failed) would then fail in the
		// next with "context canceled". It runs in its resumer's run, so
		// it takes the resumer's context: the CPU watchdog still stops it.
		if th, ok := L.Get(1).(*lua.LState); ok && L.Context() != nil && L.Status(th) == "suspended" {
			th.SetContext(L.Context())
		}
		top := L.GetTop()
		L.Push(raw)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, lua.MultRet)
		return L.GetTop() - top
	}
}

// waitsFor lists what the script's running handlers are doing, for the
// shutdown log: "sleep(1h0m0s) at bot.lua:3; running".
func (s *script) waitsFor() string {
	var parts []string
	for _, h := range s.threads {
		switch {
		case h.waiting && h.waitsFor != "":
			what := h.waitsFor
			if pos := parkedPos(h.parkedIn); pos != "" {
				what += " at " + pos
			}
			parts = append(parts, what)
		case h.waiting:
			parts = append(parts, "a wait")
		default:
			parts = append(parts, "running Lua")
		}
	}
	for range s.ending {
		parts = append(parts, "the platform call that ended it")
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}
