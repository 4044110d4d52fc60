package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/sim"
)

// `luabot run` hands every concurrent handler its own number from
// kv.incr and kv.update, and a restarted bot continues where it stopped:
// 200 mentions per round, each answered by both scripts while the
// platform delays every reply, so the handlers overlap.
func TestRun_KVNumbersAreDistinctAcrossARestart(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	if err := platform.Inject(sim.Fault{Kind: sim.FaultLatency, LatencyMS: 20}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("QQBOT_APP_ID", platform.AppID())
	t.Setenv("QQBOT_SECRET", platform.Secret())
	t.Setenv("QQBOT_API", platform.APIURL())
	t.Setenv("QQBOT_TOKEN_URL", platform.TokenURL())
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tickets.lua"), []byte(`on("AT_MESSAGE_CREATE", function(ev)
  ev:reply("i=" .. kv.incr("n"))
end)`), 0o644)
	os.WriteFile(filepath.Join(dir, "orders.lua"), []byte(`on("AT_MESSAGE_CREATE", function(ev)
  ev:reply("u=" .. kv.update("n", function(old) return (old or 0) + 1 end))
end)`), 0o644)
	data := filepath.Join(t.TempDir(), "k.db")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	const perRound = 200
	seen := map[string]bool{}
	for round := 1; round <= 2; round++ {
		s := start(t, "run", "--data", data, dir)
		if err := platform.WaitSessions(ctx, 1); err != nil {
			t.Fatalf("bot did not connect: %v; stderr:\n%s", err, s.stderr.String())
		}
		before := len(platform.Sent())
		for range perRound {
			if _, err := platform.Post(sim.Post{Content: "next", MentionBot: true}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := platform.WaitSent(ctx, before+2*perRound-1); err != nil {
			t.Fatalf("round %d: %v; %d replies; stderr:\n%s", round, err, len(platform.Sent())-before, s.stderr.String())
		}
		s.cancel()
		if code := s.exitCode(); code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
		}
		for _, m := range platform.Sent()[before:] {
			if seen[m.Content] {
				t.Errorf("round %d: %q handed out twice", round, m.Content)
			}
			seen[m.Content] = true
		}
		for n := 1; n <= perRound*round; n++ {
			for _, op := range []string{"i", "u"} {
				if want := op + "=" + strconv.Itoa(n); !seen[want] {
					t.Errorf("round %d: no reply %q", round, want)
				}
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		store, err := kv.Open(kv.Config{Path: data})
		if err != nil {
			t.Fatal(err)
		}
		for _, ns := range []string{"tickets", "orders"} {
			raw, _, err := store.Get(ns, "n")
			var n int
			if err != nil || len(raw) < 2 || json.Unmarshal(raw[1:], &n) != nil || n != perRound*round {
				t.Errorf("round %d: %s stored %q (%v), want %d", round, ns, raw, err, perRound*round)
			}
		}
		store.Close()
		if strings.Contains(s.stderr.String(), "level=ERROR") {
			t.Fatalf("errors logged:\n%s", s.stderr.String())
		}
	}
}
