package host

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
)

// testEstimateEvery is how often attack tests check what a script keeps
// between events, instead of the product's once a second.
const testEstimateEvery = 50 * time.Millisecond

// siege runs an attacker script (src, with extra files beside it) next to
// the canary and delivers "attack 1" … "attack n" to the attacker, one
// event after another. It returns the first log line that ends the siege
// (a handler failed or killed, or the script stopped) and fails the test if
// none comes within 20 s or if the canary does not answer afterwards.
func siege(t *testing.T, src string, files map[string]string, limits Limits, n int) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		writeScript(t, dir, name, body)
	}
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	api := &fakeAPI{calls: make(chan apiCall, 64)}
	logs := newLogSink()
	deps := scriptDeps{api: api, store: store, logger: slog.New(logs), limits: limits,
		// Check what the script keeps often: the test waits on that check.
		estimateEvery: testEstimateEvery}
	attacker, err := loadScript(writeScript(t, dir, "attacker.lua", src), deps)
	if err != nil {
		t.Fatal(err)
	}
	canary, err := loadScript(writeScript(t, dir, "canary.lua", canarySrc), deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 3)
	for _, s := range []*script{attacker, canary} {
		// A short drain: handlers still parked when the test ends are cut
		// off instead of waited for (nothing here depends on the drain).
		go func() { s.run(ctx, 10*time.Millisecond); done <- struct{}{} }()
	}
	go func() { watchMemory(ctx, func() []*script { return []*script{attacker, canary} }); done <- struct{}{} }()
	defer func() {
		cancel()
		for range 3 {
			<-done
		}
	}()
	event := func(text string) gateway.Event {
		id := strings.ReplaceAll(text, " ", "-")
		return gateway.Event{Type: "AT_MESSAGE_CREATE", ID: "AT_MESSAGE_CREATE:" + id,
			Data: json.RawMessage(`{"id":"m-` + id + `","channel_id":"100","content":"<@!1> ` + text + `"}`)}
	}
	for i := 1; i <= n; i++ {
		attacker.deliver(event(fmt.Sprintf("attack %d", i)))
	}
	deadline := time.After(20 * time.Second)
	var ended string
	for ended == "" {
		select {
		case r := <-logs.records:
			text := recordText(r)
			if strings.Contains(text, "handler failed") || strings.Contains(text, "handler killed") ||
				strings.Contains(text, "script stopped") {
				ended = text
			}
		case <-deadline:
			t.Fatal("the attack was neither refused nor stopped within 20 s")
		}
	}
	t.Log(firstBytes(ended, 400))
	canary.deliver(event("ping"))
	answer := time.After(10 * time.Second)
	for {
		select {
		case c := <-api.calls:
			if content, _ := c.Body["content"].(string); content == "pong ABC" {
				return ended
			}
		case <-answer:
			t.Fatal("the canary stopped answering")
		}
	}
}

// Memory a script keeps between events counts against its limit wherever
// it is held (issue 22 item 1). Each event keeps 3 MiB; 40 events keep
// 120 MiB against a 16 MiB limit, and each run alone (about 6 MiB with the
// concatenation's copy) is under the limit, so only the between-events
// estimate can stop the script. (16 rather than 32 MiB only makes the test
// allocate less; what it proves is the same.)
func TestMemory_KeptAnywhereCounts(t *testing.T) {
	const keep = `local big = string.rep("x", 3 * 1024 * 1024) .. ev.text`
	cases := []struct {
		name  string
		src   string
		files map[string]string
	}{
		{"a suspended coroutine in a global", `cos = {}
on("message", function(ev)
  local co = coroutine.create(function() ` + keep + ` coroutine.yield() return #big end)
  coroutine.resume(co)
  cos[#cos + 1] = co
end)`, nil},
		{"a coroutine.wrap generator in a local upvalue", `local gens = {}
on("message", function(ev)
  local g = coroutine.wrap(function() ` + keep + ` coroutine.yield(1) return #big end)
  g()
  gens[#gens + 1] = g
end)`, nil},
		{"handlers parked in sleep", `on("message", function(ev)
  ` + keep + `
  sleep(3600)
  return #big
end)`, nil},
		{"handlers parked in wait_for", `on("message", function(ev)
  if not ev.text:find("attack") then return end
  ` + keep + `
  wait_for("GUILD_MEMBER_ADD", function() return #big == 0 end, 3600)
end)`, nil},
		{"a required module's table", `on("message", function(ev)
  ` + keep + `
  local hoard = require("hoard")
  hoard[#hoard + 1] = big
end)`, map[string]string{"hoard.lua": "return {}"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ended := siege(t, c.src, c.files, Limits{CPU: 2 * time.Second, Memory: 16 << 20}, 40)
			if !strings.Contains(ended, "script stopped") || !strings.Contains(ended, "16 MiB memory limit") {
				t.Fatalf("ended %q", firstBytes(ended, 300))
			}
		})
	}
}

// kv.scan iterators kept in a global each hold a page of values: the
// estimate counts the page (issue 22 item 1).
func TestMemory_KeptScanIteratorsCount(t *testing.T) {
	src := `its = {}
on("message", function(ev)
  if ev.text == "attack 1" then
    for i = 1, 8 do kv.set("v" .. i, string.rep("v", 900 * 1024)) end
    return
  end
  local it = kv.scan("v")
  its[#its + 1] = it
end)`
	ended := siege(t, src, nil, Limits{CPU: 2 * time.Second, Memory: 32 << 20}, 60)
	if !strings.Contains(ended, "script stopped") || !strings.Contains(ended, "32 MiB memory limit") {
		t.Fatalf("ended %q", firstBytes(ended, 300))
	}
}

// Counts of what keeps memory alive are capped per script, with an error
// the script can catch that names the cap (issue 22 item 1).
func TestMemory_CountsCapped(t *testing.T) {
	cases := []struct {
		name, code, want string
		limits           Limits
	}{
		{"100 000 timer.every callbacks", `for i = 1, 100000 do timer.every(3600, function() return i end) end`,
			"already has 1000 timers", Limits{}},
		{"coroutines kept in a table", `local t = {} for i = 1, 100000 do t[i] = coroutine.create(function() end) end`,
			"already holds 1000 coroutines", Limits{}},
		{"coroutine.wrap generators kept", `local t = {} for i = 1, 100000 do t[i] = coroutine.wrap(function() end) end`,
			"already holds 1000 coroutines", Limits{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code := `local ok, err = pcall(function() ` + c.code + ` end)
  if ok then qq.send("100", "ESCAPED") end
  error("caught: " .. tostring(err), 0)`
			ended, _ := runAttack(t, code, Limits{CPU: 4 * time.Second, Memory: 256 << 20})
			if !strings.Contains(ended, "handler failed") || !strings.Contains(ended, "caught: ") || !strings.Contains(ended, c.want) {
				t.Fatalf("ended %q, want a caught error naming %q", firstBytes(ended, 300), c.want)
			}
		})
	}
}

// Coroutines the script dropped do not count against the cap: a handler
// may make many short-lived generators.
func TestMemory_DroppedCoroutinesFree(t *testing.T) {
	code := `for i = 1, 5000 do
    local g = coroutine.wrap(function() coroutine.yield(i) end)
    assert(g() == i)
  end
  error("made 5000", 0)`
	ended, _ := runAttack(t, code, Limits{CPU: 4 * time.Second, Memory: 256 << 20})
	if !strings.Contains(ended, "made 5000") {
		t.Fatalf("ended %q", firstBytes(ended, 300))
	}
}

// Handlers parked at once and pending wait_for calls are capped: the call
// that would pass the cap raises an error the handler can catch.
func TestMemory_ParkedAndWaitersCapped(t *testing.T) {
	cases := []struct {
		name, src, want string
		limits          Limits
	}{
		{"parked handlers", `on("message", function(ev)
  local ok, err = pcall(sleep, 3600)
  error("caught: " .. tostring(err), 0)
end)`, "5 handlers of this script are already waiting", Limits{Parked: 5}},
		{"pending wait_for", `on("message", function(ev)
  local ok, err = pcall(wait_for, "GUILD_MEMBER_ADD", nil, 3600)
  error("caught: " .. tostring(err), 0)
end)`, "3 waits of this script are already pending", Limits{Waiters: 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ended := siege(t, c.src, nil, c.limits, 20)
			if !strings.Contains(ended, "handler failed") || !strings.Contains(ended, "caught: ") || !strings.Contains(ended, c.want) {
				t.Fatalf("ended %q, want a caught error naming %q", firstBytes(ended, 300), c.want)
			}
		})
	}
}
