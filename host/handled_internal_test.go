package host

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
)

// runOnce loads src as bot.lua from a folder of its own (a new process
// after a restart: the records are read from store again) and runs it until
// the returned stop, which cancels what still runs, like kill -9 would.
func runOnce(t *testing.T, store *kv.Store, api *fakeAPI, src string) (*script, func()) {
	t.Helper()
	handled, err := loadHandled(store, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	path := writeScript(t, t.TempDir(), "bot.lua", src)
	s, err := loadScript(path, scriptDeps{api: api, store: store, logger: slog.New(slog.DiscardHandler),
		limits: Limits{CPU: 3 * time.Second}, handled: handled})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.markStarted()
	go func() {
		defer close(s.done)
		s.run(ctx, time.Millisecond)
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-s.done
		}
	}
	t.Cleanup(stop)
	return s, stop
}

func (f *fakeAPI) next(t *testing.T) string {
	t.Helper()
	select {
	case c := <-f.calls:
		return c.Body["content"].(string)
	case <-time.After(5 * time.Second):
		t.Fatal("no API call")
	}
	return ""
}

// A handler cut off after its kv.incr and kv.update committed (the process
// died) is run again when the platform replays the event after a restart:
// the calls return what they stored the first time and write nothing; its
// kv.set lands this time. Once it has finished, a further replay does not
// run it at all.
func TestOnce_ReplayedEventDoesNotRepeatKVWrites(t *testing.T) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	api := &fakeAPI{calls: make(chan apiCall, 64)}
	const body = `on("message", function(ev)
  kv.set("n", 10)
  local a = kv.incr("n")
  local b = kv.update("u", function(o) return (o or 0) + 5 end)
  kv.set("last", ev.text)
  qq.request("POST", "/probe", {content = a .. " " .. b}) -- unmarked, unlike qq.send (sends.go)
  %s
end)`
	event := func(id, text string) gateway.Event {
		return gateway.Event{Type: "AT_MESSAGE_CREATE", ID: id, Data: json.RawMessage(msg(text))}
	}
	get := func(key string) string {
		raw, _, err := store.Get("bot", key)
		if err != nil || len(raw) == 0 {
			return "nil"
		}
		return string(raw[1:])
	}

	s, crash := runOnce(t, store, api, fmtSrc(body, `sleep(3600)`))
	s.deliver(event("E1", "one"))
	if got := api.next(t); got != "11 5" {
		t.Fatalf("first run: %q", got)
	}
	crash()
	if get("n") != "11" || get("u") != "5" || get("last") != "nil" {
		t.Fatalf("after the crash n=%s u=%s last=%s, want 11 5 nil", get("n"), get("u"), get("last"))
	}

	s, crash = runOnce(t, store, api, fmtSrc(body, ``))
	s.deliver(event("E1", "one"))
	if got := api.next(t); got != "11 5" {
		t.Fatalf("replay after the restart: %q, want the recorded 11 5", got)
	}
	s.deliver(event("E2", "two"))
	if got := api.next(t); got != "11 10" {
		t.Fatalf("a new event: %q, want 11 10", got)
	}
	// The reply is sent before the handler ends and commits its kv.set:
	// crash only once E2's handler is over (under load this came first).
	waitIdle(t, s)
	crash() // E1 and E2 finished: their records are committed
	if get("n") != "11" || get("u") != "10" || get("last") != `"two"` {
		t.Fatalf("n=%s u=%s last=%s, want 11 10 \"two\"", get("n"), get("u"), get("last"))
	}

	s, _ = runOnce(t, store, api, fmtSrc(body, ``))
	s.deliver(event("E1", "one"))
	s.deliver(event("E2", "two"))
	s.deliver(event("E3", "three"))
	if got := api.next(t); got != "11 15" {
		t.Fatalf("after replays of finished events: %q, want only E3's 11 15", got)
	}
}

func fmtSrc(body, tail string) string {
	return fmt.Sprintf(body, tail)
}

// A handler whose only writes were kv.incr has its done record committed
// later (with the next handler commit, or within a second): before that a
// replay runs it again with the recorded value; after, not at all.
func TestOnce_IncrOnlyHandlerDoneRecordComesLater(t *testing.T) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	api := &fakeAPI{calls: make(chan apiCall, 64)}
	const src = `on("message", function(ev) qq.request("POST", "/probe", {content = tostring(kv.incr("n"))}) end)`
	ev := gateway.Event{Type: "AT_MESSAGE_CREATE", ID: "E1", Data: json.RawMessage(msg("x"))}

	s, crash := runOnce(t, store, api, src)
	s.deliver(ev)
	if got := api.next(t); got != "1" {
		t.Fatalf("first run: %q", got)
	}
	waitIdle(t, s)
	crash() // before any flush: no done record
	s, crash = runOnce(t, store, api, src)
	s.deliver(ev)
	if got := api.next(t); got != "1" {
		t.Fatalf("replay: %q, want the recorded 1", got)
	}
	waitIdle(t, s)
	if err := s.handled.flushDone(); err != nil {
		t.Fatal(err)
	}
	crash()
	s, _ = runOnce(t, store, api, src)
	s.deliver(ev)
	s.deliver(gateway.Event{Type: "AT_MESSAGE_CREATE", ID: "E2", Data: json.RawMessage(msg("y"))})
	if got := api.next(t); got != "2" {
		t.Fatalf("after the done record was flushed: %q, want only E2's 2", got)
	}
}

func waitIdle(t *testing.T, s *script) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.queued.Load() > 0 || s.inflight.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("script did not settle")
		}
		runtime.Gosched()
	}
}

// Records older than the retention go, at start-up and when pruned; younger
// ones stay and are recalled.
func TestOnce_OldRecordsArePruned(t *testing.T) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Now()
	clock := func() time.Time { return now }
	l, err := loadHandled(store, clock)
	if err != nil {
		t.Fatal(err)
	}
	var ops []kv.Op
	for i := range pruneBatch + 5 {
		ops = append(ops, l.once(handlerMark("bot", fmt.Sprint("old", i), 0)).Done()...)
	}
	if err := store.Commit(ops); err != nil {
		t.Fatal(err)
	}
	now = now.Add(handledRetention / 2)
	if err := store.Commit(l.once(handlerMark("bot", "young", 0)).Done()); err != nil {
		t.Fatal(err)
	}
	now = now.Add(handledRetention/2 + time.Second)
	if err := l.prune(); err != nil {
		t.Fatal(err)
	}
	n := 0
	store.Scan(HandledNamespace, "", func(string, []byte) bool { n++; return true })
	if n != 1 {
		t.Fatalf("%d records after pruning, want the young one", n)
	}
	l2, err := loadHandled(store, clock)
	if err != nil {
		t.Fatal(err)
	}
	if !l2.done("bot", "young", 0) || l2.done("bot", "old1", 0) {
		t.Fatal("after a restart, the young record is not recalled or an old one is")
	}
}
