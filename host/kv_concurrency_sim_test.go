package host_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/sim"
)

// counterScripts reply to every @-mention with a number taken from the
// shared namespace "tickets": kv.incr for "i", kv.update for "u". The
// reply suspends the handler, so with the platform slowed down many
// handlers of both scripts hold a number at the same time.
const counterScript = `
local tickets = kv.open("tickets")
on("AT_MESSAGE_CREATE", function(ev)
  local n
  if ev.text == "u" then
    n = tickets.update("u", function(old) return (old or 0) + 1 end)
  else
    n = tickets.incr("i")
  end
  local _, err = ev:reply(ev.text .. "=" .. n)
  if err then log.warn("reply failed:", err) end
end)
`

// Two scripts share a counter; 100 mentions reach both, so 200 handlers
// take a number, the platform answering each reply after 20 ms. Every
// number handed out is distinct, the stored value is exact, and after a
// restart on the same file the next 200 continue from there.
func TestKV_ConcurrentHandlersGetDistinctNumbers(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"i", "u"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			platform := simtest.Start(t, sim.Config{})
			dir := t.TempDir()
			var scripts []string
			for _, name := range []string{"a.lua", "b.lua"} {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(counterScript), 0o600); err != nil {
					t.Fatal(err)
				}
				scripts = append(scripts, p)
			}
			path := filepath.Join(dir, "bot.db")
			ctx := simtest.Deadline(t, 60*time.Second)
			if err := platform.Inject(sim.Fault{Kind: sim.FaultLatency, LatencyMS: 20}); err != nil {
				t.Fatal(err)
			}
			seen := map[int]bool{}
			for round := 1; round <= 2; round++ {
				logs := simtest.NewLog()
				stop := runHost(t, platform, path, host.Config{Logger: logs.Logger()}, scripts...)
				logs.SessionsUp(t, ctx, 1)
				before := len(platform.Sent())
				for range 100 {
					if _, err := platform.Post(sim.Post{Content: op, MentionBot: true}); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := platform.WaitSent(ctx, before+199); err != nil {
					t.Fatalf("round %d: %v (%d replies)", round, err, len(platform.Sent())-before)
				}
				if err := stop(); err != nil {
					t.Fatal(err)
				}
				var twice, missing []int
				for _, m := range platform.Sent()[before:] {
					n, err := strconv.Atoi(strings.TrimPrefix(m.Content, op+"="))
					if err != nil {
						t.Fatalf("reply %q", m.Content)
					}
					if seen[n] {
						twice = append(twice, n)
					}
					seen[n] = true
				}
				for n := 1; n <= 200*round; n++ {
					if !seen[n] {
						missing = append(missing, n)
					}
				}
				if len(twice) > 0 || len(missing) > 0 {
					t.Fatalf("round %d: handed out twice: %v; never handed out: %v", round, twice, missing)
				}
				if got := storedNumber(t, path, "shared/tickets", op); got != float64(200*round) {
					t.Fatalf("round %d: stored %v, want %d", round, got, 200*round)
				}
			}
		})
	}
}

// storedNumber reads a number kv stored: a format byte, then JSON
// (bindings/kv.go).
func storedNumber(t *testing.T, path, ns, key string) float64 {
	t.Helper()
	store, err := kv.Open(kv.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	raw, ok, err := store.Get(ns, key)
	if err != nil || !ok || len(raw) < 2 {
		t.Fatalf("%s/%s: %q, %v, %v", ns, key, raw, ok, err)
	}
	var n float64
	if err := json.Unmarshal(raw[1:], &n); err != nil {
		t.Fatalf("%s/%s = %q: %v", ns, key, raw, err)
	}
	return n
}

// A kv.update function that never returns holds no lock: another script
// sharing the namespace keeps incrementing while it spins, and the
// spinner is stopped by its CPU budget, having written nothing.
func TestKV_SpinningUpdateFunctionBlocksNobody(t *testing.T) {
	t.Parallel() // its own simulator; its spinner burns 1 s of CPU by design
	platform := simtest.Start(t, sim.Config{})
	dir := t.TempDir()
	spinner := filepath.Join(dir, "spinner.lua")
	os.WriteFile(spinner, []byte(`-- luabot: cpu=1
local spun = false
on("AT_MESSAGE_CREATE", function(ev)
  if spun then return end
  spun = true
  kv.open("team").update("k", function(old) while true do end end)
end)`), 0o600)
	counter := filepath.Join(dir, "counter.lua")
	os.WriteFile(counter, []byte(`on("AT_MESSAGE_CREATE", function(ev)
  ev:reply("n=" .. kv.open("team").incr("n"))
end)`), 0o600)
	logs := simtest.NewLog()
	path := filepath.Join(dir, "bot.db")
	ctx := simtest.Deadline(t, 30*time.Second)
	stop := runHost(t, platform, path, host.Config{Logger: logs.Logger()}, spinner, counter)
	logs.SessionsUp(t, ctx, 1)
	for i := range 3 {
		if _, err := platform.Post(sim.Post{Content: "go", MentionBot: true}); err != nil {
			t.Fatal(err)
		}
		m, err := platform.WaitSent(ctx, i)
		if err != nil || m.Content != "n="+strconv.Itoa(i+1) {
			t.Fatalf("reply %d: %q, %v", i, m.Content, err)
		}
	}
	if n := logs.Count("handler killed"); n != 0 {
		t.Fatalf("the spinner was killed before the counter answered 3 times (%d kills): the counter waited for it", n)
	}
	logs.WaitFor(t, ctx, "the spinner killed", func() bool { return logs.Count("handler killed") > 0 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	store, err := kv.Open(kv.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if v, ok, _ := store.Get("shared/team", "k"); ok {
		t.Fatalf("the killed update wrote %q", v)
	}
}
