package transport_test

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// A webhook address still held by another process (an old luabot shutting down) is waited
// for, one log line per attempt; the bot listens as soon as it is free.
func TestSource_WebhookWaitsForItsAddress(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := busy.Addr().String()
	dir := t.TempDir()
	script := filepath.Join(dir, "echo.lua")
	if err := os.WriteFile(script, []byte(`on("message", function(ev) ev:reply(ev.text) end)`), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := simtest.NewLog()
	ctx := simtest.Deadline(t, 20*time.Second)
	src, stop := runBot(t, platform, filepath.Join(dir, "bot.db"), transport.Config{
		Logger:       logs.Logger(),
		Kind:         transport.Webhook,
		Webhook:      gateway.WebhookConfig{Secret: platform.Secret(), Listen: addr},
		StartBackoff: time.Millisecond,
	}, script)
	defer stop()
	logs.WaitFor(t, ctx, "a listen retry", func() bool {
		return len(logs.Matching("start-up step failed; retrying", func(r simtest.Record) bool { return r.Attrs["step"] == "webhook listen "+addr })) >= 2
	})
	// Not ready while the address is taken, and /readyz can say why.
	if r := src.Readiness(); r.Ready || r.Transport != transport.Webhook || r.Reason == "" {
		t.Errorf("readiness while the address is taken: %+v", r)
	}
	busy.Close()
	logs.WaitFor(t, ctx, "the webhook listening", func() bool { return logs.Count("webhook listening") == 1 })
	if r := src.Readiness(); !r.Ready || r.Reason != "" {
		t.Errorf("readiness once listening: %+v", r)
	}
	resp, err := http.Post("http://"+addr+"/", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized { // unsigned: refused, but served
		t.Errorf("unsigned callback answered %d", resp.StatusCode)
	}
}

// Fewer session starts left today than shards to start gets better by waiting: Start
// checks again until the platform resets the count, then connects. More shards than the
// platform allows a day at all is still refused (TestSource_SessionLimitRefused).
func TestSource_WaitsForSessionStartsToReset(t *testing.T) {
	platform := simtest.Start(t, sim.Config{SessionStarts: 1})
	dir := t.TempDir()
	script := filepath.Join(dir, "echo.lua")
	if err := os.WriteFile(script, []byte(`on("message", function(ev) ev:reply(ev.text) end)`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := simtest.Deadline(t, 20*time.Second)
	// The first run uses the day's only start.
	first := simtest.NewLog()
	_, stop := runBot(t, platform, filepath.Join(dir, "one.db"), transport.Config{Logger: first.Logger()}, script)
	first.SessionsUp(t, ctx, 1)
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	logs := simtest.NewLog()
	_, stop = runBot(t, platform, filepath.Join(dir, "two.db"), transport.Config{Logger: logs.Logger(), StartBackoff: time.Millisecond}, script)
	defer stop()
	logs.WaitFor(t, ctx, "a session-limit wait", func() bool {
		return len(logs.Matching("start-up step failed; retrying", func(r simtest.Record) bool {
			return strings.Contains(r.Attrs["err"], "session start limit")
		})) >= 2
	})
	if n := logs.Count("gateway ready"); n != 0 {
		t.Fatalf("connected with no session starts left")
	}
	if err := platform.Advance(24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	logs.SessionsUp(t, ctx, 1)
}

// A shard the shard count does not cover is a configuration error: Start ends at once
// instead of retrying it as an outage.
func TestSource_ShardOutOfRangeIsNotRetried(t *testing.T) {
	platform := simtest.Start(t, sim.Config{}) // recommends 1 shard
	h, src, _ := newBot(t, platform, filepath.Join(t.TempDir(), "b.db"), transport.Config{ShardIDs: []int{3}, StartBackoff: time.Hour})
	ctx := simtest.Deadline(t, 10*time.Second)
	err := h.Run(ctx, src)
	if ctx.Err() != nil || err == nil || !strings.Contains(err.Error(), "shard 3 is not below the shard count 1") {
		t.Fatalf("Run = %v (context %v), want the shard error at once", err, ctx.Err())
	}
}
