package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
	t.Parallel() // luabot runs as a child process
	platform := simtest.Start(t, sim.Config{})
	if err := platform.Inject(sim.Fault{Kind: sim.FaultLatency, LatencyMS: 20}); err != nil {
		t.Fatal(err)
	}
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
		var stderr syncBuffer
		bot := luabotCommand("run", "--app-id", platform.AppID(), "--secret", platform.Secret(),
			"--api", platform.APIURL(), "--token-url", platform.TokenURL(), "--data", data, dir)
		bot.Stderr = &stderr
		if err := bot.Start(); err != nil {
			t.Fatal(err)
		}
		var waitErr error
		exited := make(chan struct{})
		go func() {
			waitErr = bot.Wait()
			close(exited)
		}()
		t.Cleanup(func() {
			bot.Process.Kill() // a no-op once it has exited
			<-exited
		})
		if err := platform.WaitSessions(ctx, 1); err != nil {
			t.Fatalf("bot did not connect: %v; stderr:\n%s", err, stderr.String())
		}
		before := len(platform.Sent())
		for range perRound {
			if _, err := platform.Post(sim.Post{Content: "next", MentionBot: true}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := platform.WaitSent(ctx, before+2*perRound-1); err != nil {
			t.Fatalf("round %d: %v; %d replies; stderr:\n%s", round, err, len(platform.Sent())-before, stderr.String())
		}
		bot.Process.Signal(syscall.SIGTERM) // a clean stop, as Ctrl-C
		select {
		case <-exited:
			if waitErr != nil {
				t.Fatalf("round %d: %v; stderr:\n%s", round, waitErr, stderr.String())
			}
		case <-ctx.Done():
			t.Fatalf("round %d: luabot did not stop; stderr:\n%s", round, stderr.String())
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
		if strings.Contains(stderr.String(), "level=ERROR") {
			t.Fatalf("errors logged:\n%s", stderr.String())
		}
	}
}
