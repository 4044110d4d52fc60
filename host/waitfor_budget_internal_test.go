package host

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
)

// A wait_for predicate runs under its handler's CPU budget: a predicate that
// spins kills its handler once (logged with the predicate's script:line)
// and never runs again, instead of spending a fresh budget on every event.
// The canary beside it keeps answering.
func TestSandbox_WaitForPredicateUsesTheHandlersBudget(t *testing.T) {
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	api := &fakeAPI{calls: make(chan apiCall, 64)}
	logs := newLogSink()
	deps := scriptDeps{api: api, store: store, logger: slog.New(logs), limits: Limits{CPU: 300 * time.Millisecond, Memory: 64 << 20}}
	attacker, err := loadScript(writeScript(t, dir, "attacker.lua", `
on("message", function(ev)
  if ev.text == "attack" then
    wait_for("message", function(e)
      log.info("predicate ran")
      while true do end
    end, 3600)
  elseif ev.text == "marker" then
    qq.send("100", "attacker saw the marker")
  end
end)`), deps)
	if err != nil {
		t.Fatal(err)
	}
	canary, err := loadScript(writeScript(t, dir, "canary.lua", canarySrc), deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	for _, s := range []*script{attacker, canary} {
		// A short drain: handlers still parked when the test ends are cut
		// off instead of waited for (nothing here depends on the drain).
		go func() { s.run(ctx, 10*time.Millisecond); done <- struct{}{} }()
	}
	defer func() {
		cancel()
		<-done
		<-done
	}()
	event := func(text string) gateway.Event {
		return gateway.Event{Type: "AT_MESSAGE_CREATE", ID: "AT_MESSAGE_CREATE:" + text,
			Data: json.RawMessage(`{"id":"m-` + text + `","channel_id":"100","content":"<@!1> ` + text + `"}`)}
	}
	attacker.deliver(event("attack"))
	for i := range 5 {
		attacker.deliver(event("e" + string(rune('0'+i))))
	}
	attacker.deliver(event("marker"))

	// Every event before the marker has been offered to the waiter when the
	// attacker answers the marker.
	runs, killed := 0, ""
	deadline := time.After(20 * time.Second)
	for answered := false; !answered; {
		select {
		case r := <-logs.records:
			text := recordText(r)
			switch {
			case strings.Contains(text, "predicate ran"):
				runs++
			case strings.Contains(text, "handler killed"):
				killed = text
			}
		case c := <-api.calls:
			if c.Body["content"] != "attacker saw the marker" {
				t.Fatalf("unexpected call %v", c.Body)
			}
			answered = true
		case <-deadline:
			t.Fatalf("the attacker did not get to the marker (predicate runs: %d)", runs)
		}
	}
	// Drain what was logged before the answer.
	for more := true; more; {
		select {
		case r := <-logs.records:
			text := recordText(r)
			if strings.Contains(text, "predicate ran") {
				runs++
			} else if strings.Contains(text, "handler killed") {
				killed = text
			}
		default:
			more = false
		}
	}
	if runs != 1 {
		t.Errorf("the predicate ran %d times, want once (then its handler is killed)", runs)
	}
	if !strings.Contains(killed, "attacker.lua:4") || !strings.Contains(killed, "wait_for predicate") {
		t.Errorf("kill logged as %q, want a line naming the predicate at attacker.lua:4", killed)
	}

	canary.deliver(event("ping"))
	select {
	case c := <-api.calls:
		if c.Body["content"] != "pong ABC" {
			t.Fatalf("canary sent %v", c.Body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the canary stopped answering")
	}
}
