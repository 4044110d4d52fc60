package host_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// A handler still running at shutdown finishes while the host drains; the
// session and the dedup window saved at the end cover its event, so the
// next start does not get it replayed (the transport alone saved them
// before the handler had finished).
func TestHost_StopSavesEventsFinishedWhileDraining(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	dir := t.TempDir()
	script := filepath.Join(dir, "slow.lua")
	if err := os.WriteFile(script, []byte(`on("message", function(ev) ev:reply("started"); sleep(0.3); ev:reply("done") end)`), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "bot.db")
	stop := runHost(t, platform, data, host.Config{}, script)
	ctx := simtest.Deadline(t, 15*time.Second)
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatal(err)
	}
	msg, err := platform.Post(sim.Post{Content: "hi", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := platform.WaitSent(ctx, 0); err != nil {
		t.Fatalf("the handler did not start: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if m, err := platform.WaitSent(ctx, 1); err != nil || m.Content != "done" {
		t.Fatalf("the handler did not finish while draining: %v", err)
	}
	store, err := kv.Open(kv.Config{Path: data, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	raw, _, _ := store.Get(transport.GatewayNamespace, transport.SessionKey([2]int{0, 1}))
	var sess gateway.Session
	json.Unmarshal(raw, &sess)
	if sess.Seq < 2 {
		t.Errorf("saved session %+v: seq behind the message handled while draining", sess)
	}
	raw, _, _ = store.Get(transport.GatewayNamespace, "dedup")
	var ids []string
	json.Unmarshal(raw, &ids)
	if !slices.Contains(ids, msg.EventID) {
		t.Errorf("dedup window %v lacks %s, handled while draining", ids, msg.EventID)
	}
}

// A stop delayed by parked handlers says at once what they wait for and where, so the
// person pressing Ctrl-C knows why luabot has not exited yet.
func TestHost_StopNamesWhatHandlersWaitFor(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	dir := t.TempDir()
	script := filepath.Join(dir, "parked.lua")
	if err := os.WriteFile(script, []byte(`on("message", function(ev)
  ev:reply("parking")
  if ev.text == "nap" then
    sleep(3600)
  else
    wait_for("message", function(e) return e.text == "never" end, 3600)
  end
end)`), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := simtest.NewLog()
	b, stop := runHostWith(t, platform, filepath.Join(dir, "bot.db"), host.Config{Logger: logs.Logger(), Drain: 50 * time.Millisecond}, script)
	ctx := simtest.Deadline(t, 15*time.Second)
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for i, text := range []string{"nap", "wait"} {
		if _, err := platform.Post(sim.Post{Content: text, MentionBot: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := platform.WaitSent(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	// Both handlers parked: their replies' answers came back, and each now sleeps or waits.
	for !b.Settled() {
		select {
		case <-ctx.Done():
			t.Fatal("the handlers did not park")
		case <-time.After(time.Millisecond):
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	recs := logs.Matching("waiting for handlers to finish before stopping", nil)
	if len(recs) != 1 {
		t.Fatalf("%d lines about the wait at shutdown; log:\n%s", len(recs), logs.Tail(20))
	}
	got := recs[0].String()
	for _, want := range []string{`sleep(1h0m0s) at ` + script + `:4`, `wait_for("message") at ` + script + `:6`, "count=2"} {
		if !strings.Contains(got, want) {
			t.Errorf("the shutdown line %s lacks %s", got, want)
		}
	}
}

// Busy names the script and what its handlers do while one waits on a
// reply, and is empty once the reply is in and the handler has ended.
func TestHost_BusyNamesWhatRuns(t *testing.T) {
	t.Parallel() // waits out the reply's delay; its own simulator
	platform := simtest.Start(t, sim.Config{MessageDelay: 500 * time.Millisecond})
	dir := t.TempDir()
	script := filepath.Join(dir, "slow.lua")
	if err := os.WriteFile(script, []byte(`on("message", function(ev) ev:reply("late") end)`), 0o644); err != nil {
		t.Fatal(err)
	}
	b, stop := runHostWith(t, platform, filepath.Join(dir, "bot.db"), host.Config{}, script)
	defer stop()
	ctx := simtest.Deadline(t, 15*time.Second)
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatal(err)
	}
	const want = "script slow has 0 events or ticks queued, 1 handlers running (0 of them in sleep or wait_for)"
	waitBusy := func(ok func(string) bool, what string) {
		for got := b.Busy(); !ok(got); got = b.Busy() {
			select {
			case <-ctx.Done():
				t.Fatalf("Busy() = %q, want %s", got, what)
			case <-time.After(time.Millisecond):
			}
		}
	}
	// READY is an event too, queued for every script whether or not it
	// handles it: Busy names it until the script has taken it. (Asserting
	// "" straight after the session opened failed once in a whole run.)
	waitBusy(func(s string) bool { return s == "" && b.Received() >= platform.Dispatched() }, "nothing once READY is taken")
	if _, err := platform.Post(sim.Post{Content: "hi", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	waitBusy(func(s string) bool { return strings.HasPrefix(s, want) }, "it to name the handler waiting on its reply")
	if b.Settled() {
		t.Fatal("Settled while Busy names a running handler")
	}
	waitBusy(func(s string) bool { return s == "" }, "nothing once the reply is in")
	if len(platform.Sent()) != 1 {
		t.Fatalf("%d messages sent", len(platform.Sent()))
	}
}
