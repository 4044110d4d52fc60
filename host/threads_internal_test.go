package host

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/internal/luaframe"
)

// numberedEvent is msgEvent with an id of its own.
func numberedEvent(n int, text string) gateway.Event {
	return gateway.Event{Type: "AT_MESSAGE_CREATE", ID: fmt.Sprint("AT_MESSAGE_CREATE:", n), Data: json.RawMessage(msg(text))}
}

// parkedHandler returns the script's only handler, which must be parked.
func parkedHandler(t *testing.T, s *script) *handler {
	t.Helper()
	if len(s.threads) != 1 {
		t.Fatalf("%d handlers running, want 1", len(s.threads))
	}
	for _, h := range s.threads {
		if !h.waiting {
			t.Fatal("the handler is not waiting")
		}
		return h
	}
	return nil
}

// A handler that ends runs the next one on its coroutine, which starts as
// a new one would: only the next event as its argument, nothing left of
// the one before.
func TestThreads_NextHandlerReusesAFinishedCoroutine(t *testing.T) {
	h := mustHarness(t, `runs, last = {}, nil
on("message", function(ev, ...)
  local here = coroutine.running()
  runs[#runs + 1] = {same = here == last, extra = select("#", ...)}
  last = here
end)`)
	s := h.s
	for i, text := range []string{"one", "two", "three"} {
		s.handleOnce(numberedEvent(i, text))
	}
	runs := s.L.GetGlobal("runs").(*lua.LTable)
	if runs.Len() != 3 {
		t.Fatalf("%d runs, want 3", runs.Len())
	}
	for i := 1; i <= 3; i++ {
		run := runs.RawGetInt(i).(*lua.LTable)
		if got := run.RawGetString("extra"); got != lua.LNumber(0) {
			t.Errorf("run %d had %v extra arguments", i, got)
		}
		if i > 1 && run.RawGetString("same") != lua.LTrue {
			t.Errorf("run %d did not reuse the coroutine of the run before", i)
		}
	}
	if len(s.spare) != 1 {
		t.Fatalf("%d spare coroutines after three handlers in turn, want 1", len(s.spare))
	}
	if stack := luaframe.Stack(s.spare[0]); len(stack) > 0 && stack[0] != nil {
		t.Fatalf("the spare coroutine still holds %v", stack[0])
	}
}

// Waits are numbered per script, not per handler: a completion that
// arrives for a wait of a handler that has ended cannot resume the next
// handler on the same coroutine, though it is that handler's first wait
// too.
func TestThreads_StaleCompletionDoesNotResumeTheNextHandler(t *testing.T) {
	h := mustHarness(t, `woke = {}
on("message", function(ev)
  sleep(1)
  woke[#woke + 1] = ev.text
end)`)
	s := h.s
	s.handleOnce(numberedEvent(1, "first"))
	first := parkedHandler(t, s)
	h.clock.Advance(time.Second)
	stale := <-s.completions
	s.complete(stale)
	if len(s.threads) != 0 || len(s.spare) != 1 {
		t.Fatalf("after the first handler: %d running, %d spare", len(s.threads), len(s.spare))
	}

	s.handleOnce(numberedEvent(2, "second"))
	second := parkedHandler(t, s)
	if second.th != first.th {
		t.Fatal("the second handler did not reuse the first one's coroutine")
	}
	s.complete(stale)
	if !second.waiting {
		t.Fatal("the first handler's completion resumed the second handler")
	}
	if woke := s.L.GetGlobal("woke").(*lua.LTable); woke.Len() != 1 {
		t.Fatalf("%d handlers woke, want 1", woke.Len())
	}
	h.clock.Advance(time.Second)
	s.complete(<-s.completions)
	if woke := s.L.GetGlobal("woke").(*lua.LTable); woke.Len() != 2 || woke.RawGetInt(2).String() != "second" {
		t.Fatalf("woke = %d handlers, want first and second", woke.Len())
	}
}

// A script that keeps its handler's coroutine cannot resume it after the
// handler ended: not while it is spare, nor while it runs another handler.
func TestThreads_KeptHandlerCoroutineCannotBeResumed(t *testing.T) {
	h := mustHarness(t, `tries, kept = {}, nil
on("message", function(ev)
  if ev.text == "keep" then kept = coroutine.running() return end
  local ok, err = coroutine.resume(kept)
  tries[#tries + 1] = tostring(ok) .. " " .. tostring(err)
end)`)
	s := h.s
	s.handleOnce(numberedEvent(1, "keep"))
	if len(s.spare) != 1 {
		t.Fatalf("%d spare coroutines, want 1", len(s.spare))
	}
	// While the kept coroutine is spare, the next handler runs on it: it
	// is then the host's. Resuming a spare one is tried by holding two.
	s.handleOnce(numberedEvent(2, "try"))
	tries := s.L.GetGlobal("tries").(*lua.LTable)
	if tries.Len() != 1 || tries.RawGetInt(1).String() == "true nil" {
		t.Fatalf("tries = %v", tries.RawGetInt(1))
	}
	th := s.spare[0]
	s.L.SetGlobal("kept", th)
	s.spare = append(s.spare, mustNewThread(s)) // the next handler takes this one
	s.handleOnce(numberedEvent(3, "try"))
	if tries.Len() != 2 || tries.RawGetInt(2).String() != "false can not resume a dead thread" {
		t.Fatalf("resuming a spare coroutine: %v", tries.RawGetInt(2))
	}
}

func mustNewThread(s *script) *lua.LState {
	th, _ := s.L.NewThread()
	th.Dead = true
	return th
}

// A handler that failed, or whose value stack grew, leaves no spare.
func TestThreads_OnlySmallCleanCoroutinesAreKept(t *testing.T) {
	h := mustHarness(t, `local function deep(n) if n == 0 then return 0 end return 1 + deep(n - 1) end
on("message", function(ev)
  if ev.text == "fail" then error("no") end
  if ev.text == "deep" then deep(1000) end
end)`)
	s := h.s
	s.handleOnce(numberedEvent(1, "fail"))
	s.handleOnce(numberedEvent(2, "deep"))
	if len(s.spare) != 0 {
		t.Fatalf("%d spare coroutines, want none", len(s.spare))
	}
	s.handleOnce(numberedEvent(3, "ok"))
	if len(s.spare) != 1 {
		t.Fatalf("%d spare coroutines after a clean handler, want 1", len(s.spare))
	}
}

// Spares a burst left are dropped once no handler needs them, so an idle
// script keeps none; the ones handlers keep taking stay.
func TestThreads_UnusedSparesAreDropped(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev) if ev.text == "wait" then sleep(1) end end)`)
	s := h.s
	for i := range 3 {
		s.handleOnce(numberedEvent(i, "wait"))
	}
	h.clock.Advance(time.Second)
	for range 3 {
		s.complete(<-s.completions)
	}
	if len(s.spare) != 3 {
		t.Fatalf("%d spares after three handlers at once, want 3", len(s.spare))
	}
	s.trimSpares() // the burst's spares were all new since the last trim
	s.handleOnce(numberedEvent(4, "quick"))
	s.trimSpares()
	if len(s.spare) != 1 {
		t.Fatalf("%d spares after a period in which one was taken, want 1", len(s.spare))
	}
	s.trimSpares()
	if len(s.spare) != 0 || cap(s.spare) > 0 && s.spare[:cap(s.spare)][0] != nil {
		t.Fatalf("%d spares after a period in which none was taken, want 0", len(s.spare))
	}
}

// The shutdown line names where each parked handler waits, also when the
// wait started inside a pcall (a nested coroutine).
func TestScript_WaitsForNamesWhereHandlersWait(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  if ev.text == "send" then
    qq.send("100", "nobody answers")
  else
    pcall(function()
      sleep(3600)
    end)
  end
end)`)
	h.api.calls = make(chan apiCall) // read only at the end: the send waits till then
	h.s.handleOnce(numberedEvent(1, "send"))
	h.s.handleOnce(numberedEvent(2, "nap"))
	if h.s.parked != 2 {
		t.Fatalf("%d handlers parked, want 2; log:\n%s", h.s.parked, h.logs.dump())
	}
	want := "a platform or http call at " + h.dir + "/bot.lua:3; sleep(1h0m0s) at " + h.dir + "/bot.lua:6"
	if got := h.s.waitsFor(); got != want {
		t.Fatalf("waitsFor = %q, want %q", got, want)
	}
	<-h.api.calls
}
