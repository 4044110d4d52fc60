package host

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
)

// doneObserver hands each handler's outcome to the test.
type doneObserver struct{ done chan string }

func (o doneObserver) HandlerDone(_, outcome string, _ time.Duration) { o.done <- outcome }
func (doneObserver) Dropped()                                         {}

// lastCallState is what the scheduler holds while a handler's last call runs.
type lastCallState struct {
	threads, ending, spares, parked int
	inflight                        int64
	kvSaved                         bool
}

// state reads the scheduler's books on its own goroutine.
func (h *harness) state() lastCallState {
	h.t.Helper()
	got := make(chan lastCallState, 1)
	h.s.do(func() {
		_, saved, _ := h.s.store.Get(h.s.name, "seen")
		got <- lastCallState{threads: len(h.s.threads), ending: len(h.s.ending), spares: len(h.s.spare),
			parked: h.s.parked, inflight: h.s.inflight.Load(), kvSaved: saved}
	})
	select {
	case st := <-got:
		return st
	case <-time.After(harnessWait):
		h.t.Fatal("the scheduler did not answer")
	}
	return lastCallState{}
}

// heldReplies makes every API call wait until release is called; a test
// defers release, so a failing one still lets its handlers end.
func heldReplies(h *harness) (release func()) {
	ch := make(chan struct{})
	h.api.respond = func(apiCall) (json.RawMessage, error) {
		<-ch
		return json.RawMessage(`{"id":"r1"}`), nil
	}
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

func waitOutcome(t *testing.T, o doneObserver) string {
	t.Helper()
	select {
	case out := <-o.done:
		return out
	case <-time.After(harnessWait):
		t.Fatal("the handler did not end")
	}
	return ""
}

// A handler whose last statement is ev:reply gives its coroutine back as
// soon as the reply is under way, but ends (kv saved, observed, no longer
// in flight) only when the reply is done.
func TestLastCall_CoroutineFreedHandlerEndsWithTheReply(t *testing.T) {
	for _, body := range []string{
		`kv.set("seen", ev.text) ev:reply(ev.text)`,
		`kv.set("seen", ev.text) if ev.text then return ev:reply(ev.text) end`,
	} {
		t.Run(body, func(t *testing.T) {
			h := mustHarness(t, `on("message", function(ev) `+body+` end)`)
			obs := doneObserver{done: make(chan string, 4)}
			h.s.obs = obs
			release := heldReplies(h)
			defer release()
			h.start()
			h.send("AT_MESSAGE_CREATE", atMessage)
			if c := h.nextCall(); c.Body["content"] != "hello there" || c.Body["msg_id"] != "MSG1" {
				t.Fatalf("reply = %v", c.Body)
			}
			want := lastCallState{threads: 0, ending: 1, spares: 1, parked: 0, inflight: 1, kvSaved: false}
			if got := h.state(); got != want {
				t.Fatalf("while the reply runs: %+v, want %+v", got, want)
			}
			release()
			if out := waitOutcome(t, obs); out != OutcomeOK {
				t.Fatalf("outcome = %q", out)
			}
			want = lastCallState{threads: 0, ending: 0, spares: 1, parked: 0, inflight: 0, kvSaved: true}
			if got := h.state(); got != want {
				t.Fatalf("after the reply: %+v, want %+v", got, want)
			}
		})
	}
}

// A send returned from a coroutine the script resumes still hands its
// results to the script.
func TestLastCall_ResultsReachTheScriptsCoroutine(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  local m, err = coroutine.wrap(function() return ev:reply(ev.text) end)()
  kv.set("seen", m and m.id or tostring(err))
end)`)
	obs := doneObserver{done: make(chan string, 4)}
	h.s.obs = obs
	h.start()
	h.send("AT_MESSAGE_CREATE", atMessage)
	h.nextCall()
	if out := waitOutcome(t, obs); out != OutcomeOK {
		t.Fatalf("outcome = %q", out)
	}
	got := make(chan string, 1)
	h.s.do(func() {
		v, _, _ := h.s.store.Get(h.s.name, "seen")
		got <- string(v)
	})
	if v := <-got; !strings.Contains(v, "m1") {
		t.Fatalf("kv seen = %q, want the reply's id m1", v)
	}
}

// Anything after the call, a used result or a call inside a nested
// function keeps the handler parked on its coroutine as before.
func TestLastCall_OnlyWhenNothingFollows(t *testing.T) {
	for _, body := range []string{
		`ev:reply(ev.text) kv.set("seen", 1)`,
		`local m = ev:reply(ev.text)`,
		`local function say(t) ev:reply(t) end say(ev.text)`,
		`pcall(ev.reply, ev, ev.text)`,
		`return (ev:reply(ev.text))`,
	} {
		t.Run(body, func(t *testing.T) {
			h := mustHarness(t, `on("message", function(ev) `+body+` end)`)
			release := heldReplies(h)
			defer release()
			h.start()
			h.send("AT_MESSAGE_CREATE", atMessage)
			h.nextCall()
			if got := h.state(); got.threads != 1 || got.ending != 0 || got.parked != 1 {
				t.Fatalf("while the reply runs: %+v, want the handler parked on its coroutine", got)
			}
		})
	}
}

// An ending handler holds no coroutine, so it does not count against the
// parked cap: past the cap, a handler failed and its reply was lost.
func TestLastCall_NotCountedAsParked(t *testing.T) {
	h, err := newHarnessWith(t, `on("message", function(ev) ev:reply(ev.text) end)`, Limits{CPU: 3 * time.Second, Parked: 1})
	if err != nil {
		t.Fatal(err)
	}
	release := heldReplies(h)
	defer release()
	h.start()
	for _, id := range []string{"A", "B", "C"} {
		h.s.deliver(eventFor(id))
	}
	for range 3 {
		h.nextCall()
	}
	if got := h.state(); got.ending != 3 || got.parked != 0 {
		t.Fatalf("state = %+v, want 3 ending, none parked", got)
	}
}

// A stop waits for an ending handler's call like any running handler's,
// names it, and cancels it when the drain runs out; the run then returns.
func TestLastCall_StopDrainsThenCancels(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev) ev:reply(ev.text) end)`)
	h.api.calls = make(chan apiCall) // nobody reads it: the call waits until canceled
	ctx, cancel := context.WithCancel(context.Background())
	h.s.markStarted()
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		defer close(h.s.done)
		h.s.run(ctx, 50*time.Millisecond)
	}()
	h.send("AT_MESSAGE_CREATE", atMessage)
	cancel() // the stop handles the queued event first
	h.logs.waitLog(t, "waiting for handlers to finish before stopping", "count=1", "the platform call that ended it")
	h.logs.waitLog(t, "handlers still running at shutdown; canceling them", "count=1")
	select {
	case <-ran:
	case <-time.After(harnessWait):
		t.Fatal("the run did not return: the ending handler's call was not canceled")
	}
}

func eventFor(id string) gateway.Event {
	return gateway.Event{Type: "AT_MESSAGE_CREATE", ID: "AT_MESSAGE_CREATE:" + id,
		Data: json.RawMessage(strings.Replace(atMessage, `"MSG1"`, `"`+id+`"`, 1))}
}
