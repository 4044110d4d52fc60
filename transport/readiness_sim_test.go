package transport_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// fakeObserver records what a Source's Observer hears.
type fakeObserver struct {
	mu         sync.Mutex
	events     []string // "shard type"
	decisions  []string // "shard decision"
	heartbeats int
}

func (o *fakeObserver) Event(shard int, typ string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, string(rune('0'+shard))+" "+typ)
}

func (o *fakeObserver) Reconnect(shard int, decision string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.decisions = append(o.decisions, string(rune('0'+shard))+" "+decision)
}

func (o *fakeObserver) HeartbeatAck(int, time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.heartbeats++
}

func (o *fakeObserver) snapshot() (events, decisions []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.events), slices.Clone(o.decisions)
}

// Readiness follows the shard: not ready before it connects (with a reason), ready once
// it is, and the Observer hears the events each shard received and what each
// disconnect led to.
func TestSource_ReadinessAndObserver(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	dir := t.TempDir()
	script := filepath.Join(dir, "echo.lua")
	if err := os.WriteFile(script, []byte(`on("message", function(ev) ev:reply(ev.text) end)`), 0o600); err != nil {
		t.Fatal(err)
	}
	obs := &fakeObserver{}
	logs := simtest.NewLog()
	ctx := simtest.Deadline(t, 20*time.Second)
	h, src, _ := newBot(t, platform, filepath.Join(dir, "bot.db"), transport.Config{Logger: logs.Logger(), Observer: obs,
		ReconnectBackoff: time.Millisecond}, script)
	if r := src.Readiness(); r.Ready || r.Reason == "" {
		t.Fatalf("readiness before Start: %+v", r)
	}
	done := make(chan error, 1)
	runCtx, cancel := context.WithCancel(context.Background())
	go func() { done <- h.Run(runCtx, src) }()
	defer func() { cancel(); <-done }()

	logs.WaitFor(t, ctx, "the shard ready", func() bool { return logs.Count("gateway ready") == 1 })
	r := src.Readiness()
	if !r.Ready || len(r.Shards) != 1 || r.Shards[0].State != "ready" {
		t.Fatalf("readiness once connected: %+v", r)
	}
	if err := platform.Inject(sim.Fault{Kind: sim.FaultReconnect}); err != nil {
		t.Fatal(err)
	}
	logs.WaitFor(t, ctx, "the shard resumed", func() bool { return logs.Count("gateway resumed") == 1 })
	if _, err := platform.Post(sim.Post{Content: "hi", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := platform.WaitSent(ctx, 0); err != nil {
		t.Fatal(err)
	}
	events, decisions := obs.snapshot()
	if !slices.Contains(events, "0 READY") || !slices.Contains(events, "0 RESUMED") || !slices.Contains(events, "0 AT_MESSAGE_CREATE") {
		t.Errorf("events observed: %v", events)
	}
	if !slices.Equal(decisions, []string{"0 resume"}) {
		t.Errorf("decisions observed: %v, want one resume", decisions)
	}
}
