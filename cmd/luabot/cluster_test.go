//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/redistest"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv/kvredis"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

// clusterBot counts messages in kv and a shared timer's ticks per second.
const clusterBot = `on("message", function(ev)
  local n, err = kv.incr("count")
  if not n then
    ev:reply("kv failed: " .. tostring(err))
    return
  end
  ev:reply("n=" .. n)
end)
timer.every(1, function()
  kv.incr("tick:" .. os.time())
end)
timer.every(1, function()
  kv.incr("each:" .. os.time())
end, {each_process = true})
`

// cluster is one simulator with two shards, one Redis, and `luabot run`
// processes of the same bot sharing it. The tests that use one run in
// parallel: they share nothing in this process (the bots are child processes,
// which get their settings as flags), and most of their time is spent waiting
// for leases to lapse and for slow handlers.
type cluster struct {
	t        *testing.T
	platform *sim.Server
	redis    *redistest.Server
	dir      string
	channels [2]string // a channel on shard 0 and one on shard 1
	stderr   syncBuffer
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{t: t, redis: redistest.Start(t), platform: simtest.Start(t, sim.Config{Shards: 2, MaxConcurrency: 2}), dir: t.TempDir()}
	os.WriteFile(filepath.Join(c.dir, "bot.lua"), []byte(clusterBot), 0o644)
	g2, err := c.platform.JoinGuild("second")
	if err != nil {
		t.Fatal(err)
	}
	api, err := openapi.New(openapi.Config{AppID: c.platform.AppID(), Secret: c.platform.Secret(),
		BaseURL: c.platform.APIURL(), TokenURL: c.platform.TokenURL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i, g := range []string{c.platform.World().Guild.ID, g2.ID} {
		var chans []struct {
			ID   string `json:"id"`
			Type int    `json:"type"`
		}
		if err := api.Do(ctx, "GET", "/guilds/"+g+"/channels", nil, nil, &chans); err != nil || len(chans) == 0 {
			t.Fatalf("channels of %s: %v", g, err)
		}
		c.channels[i] = chans[0].ID
	}
	return c
}

// proc is one `luabot run` process of a cluster.
type proc struct {
	cmd    *exec.Cmd
	exited chan error // receives Wait's result once
}

// start runs `luabot run` on shard (of 2; -1: every shard) sharing the
// cluster's Redis.
func (c *cluster) start(shard int, extra ...string) *proc {
	c.t.Helper()
	args := append([]string{"run", "--app-id", c.platform.AppID(), "--secret", c.platform.Secret(),
		"--api", c.platform.APIURL(), "--token-url", c.platform.TokenURL(),
		"--data", filepath.Join(c.t.TempDir(), "bot.db"), "--store", c.redis.URL(0)}, extra...)
	if shard >= 0 {
		args = append(args, "--shard-range", fmt.Sprintf("%d-%d/2", shard, shard))
	}
	cmd := luabotCommand(append(args, c.dir)...)
	cmd.Stderr = &c.stderr
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	p := &proc{cmd: cmd, exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait() }()
	c.t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGKILL)
		<-p.exited
	})
	return p
}

// store opens the bot's keys on the cluster's Redis, as a process would.
func (c *cluster) store() *kvredis.Store {
	c.t.Helper()
	s, err := kvredis.Open(kvredis.Config{Addr: c.redis.Addr(), Prefix: "luabot:" + c.platform.AppID() + ":"})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { s.Close() })
	return s
}

func number(t *testing.T, raw []byte) int {
	t.Helper()
	var n int
	if len(raw) < 2 || json.Unmarshal(raw[1:], &n) != nil {
		t.Fatalf("not a stored number: %q", raw)
	}
	return n
}

// Two processes of one bot, each on one of two shards, one Redis: a counter
// incremented from events on both shards ends exact, and a timer.every(1)
// runs once per second in all, not once per process.
func TestRun_TwoProcessesShareOneRedis(t *testing.T) {
	t.Parallel() // its own simulator, Redis and luabot processes (cluster)
	c := newCluster(t)
	c.start(0)
	c.start(1)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	if err := c.platform.WaitSessions(ctx, 2); err != nil {
		t.Fatalf("bots did not connect: %v; stderr:\n%s", err, c.stderr.String())
	}
	s := c.store()
	// Fixed layouts show in the shared store too (luabot status --store).
	c.holding(ctx, s, 1, 1)
	const events = 60
	for i := range events {
		if _, err := c.platform.Post(sim.Post{ChannelID: c.channels[i%2], Content: "hi", MentionBot: true}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range events {
		if _, err := c.platform.WaitSent(ctx, i); err != nil {
			t.Fatalf("%d of %d answered: %v; stderr:\n%s", i, events, err, c.stderr.String())
		}
	}
	raw, _, err := s.Get("bot", "count")
	if err != nil {
		t.Fatal(err)
	}
	if n := number(t, raw); n != events {
		t.Errorf("count = %d after %d events on two shards, want %d", n, events, events)
	}
	seen := map[string]bool{}
	for _, m := range c.platform.Sent() {
		if !strings.HasPrefix(m.Content, "n=") || seen[m.Content] {
			t.Errorf("answer %q: want distinct n=1..%d", m.Content, events)
		}
		seen[m.Content] = true
	}
	// Each second's tick is counted under its own key: 1 everywhere means
	// one process ran it. Wait until at least 3 seconds have ticked.
	ticks := map[string]int{}
	for len(ticks) < 3 {
		clear(ticks)
		err := s.Scan("bot", "tick:", func(k string, v []byte) bool {
			ticks[k] = number(t, v)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("ticks %v; stderr:\n%s", ticks, c.stderr.String())
		case <-time.After(200 * time.Millisecond): // polling the store: the ticks give no other signal
		}
	}
	for k, n := range ticks {
		if n != 1 {
			t.Errorf("%s ran %d times across the cluster, want once (all: %v)", k, n, ticks)
		}
	}
	// {each_process = true}: both processes run it.
	most := 0
	if err := s.Scan("bot", "each:", func(_ string, v []byte) bool {
		most = max(most, number(t, v))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if most < 2 {
		t.Errorf("an each_process timer never ran in both processes within one second")
	}
}

// Redis stopped for 5 s while events flow, then started again: the process
// does not exit, kv calls during the outage fail with nil, err (the bot says
// so) instead of hanging, and once Redis is back events are counted again.
func TestRun_RedisOutageUnderLoad(t *testing.T) {
	t.Parallel() // its own simulator, Redis and luabot processes (cluster)
	c := newCluster(t)
	bot := c.start(-1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.platform.WaitSessions(ctx, 2); err != nil {
		t.Fatalf("bot did not connect: %v; stderr:\n%s", err, c.stderr.String())
	}
	sent := 0
	post := func() string {
		t.Helper()
		if _, err := c.platform.Post(sim.Post{ChannelID: c.channels[sent%2], Content: "hi", MentionBot: true}); err != nil {
			t.Fatal(err)
		}
		m, err := c.platform.WaitSent(ctx, sent)
		if err != nil {
			t.Fatalf("answer %d: %v; stderr:\n%s", sent, err, c.stderr.String())
		}
		sent++
		return m.Content
	}
	for range 10 {
		if got := post(); !strings.HasPrefix(got, "n=") {
			t.Fatalf("before the outage: %q", got)
		}
	}
	c.redis.Stop()
	down := time.Now()
	failed := 0
	// Paced at 50 events a second: the kv calls keep meeting the outage,
	// without the 2500 events an unpaced loop posted (9 s of CPU under -race).
	pace := time.NewTicker(20 * time.Millisecond)
	defer pace.Stop()
	for time.Since(down) < 5*time.Second {
		<-pace.C
		start := time.Now()
		got := post()
		if !strings.HasPrefix(got, "kv failed: ") {
			t.Fatalf("during the outage: %q, want the kv call to fail", got)
		}
		if d := time.Since(start); d > 2*kvredis.DefaultTimeout+time.Second {
			t.Fatalf("an answer during the outage took %s: a kv call hung past its deadline", d)
		}
		failed++
	}
	c.redis.Restart()
	// Work resumes without a restart: a later event is counted again.
	for {
		got := post()
		if strings.HasPrefix(got, "n=") {
			break
		}
		if !strings.HasPrefix(got, "kv failed: ") {
			t.Fatalf("after the outage: %q", got)
		}
	}
	select {
	case err := <-bot.exited:
		t.Fatalf("luabot exited (%v); stderr:\n%s", err, c.stderr.String())
	default:
	}
	t.Logf("%d events answered during the outage; stderr:\n%s", failed, c.stderr.String())
}

// holding waits until the live processes hold the given numbers of shards
// (in any order), as their heartbeats in the store say.
func (c *cluster) holding(ctx context.Context, s *kvredis.Store, want ...int) []kvredis.Process {
	c.t.Helper()
	for {
		procs, err := s.Processes()
		if err == nil && len(procs) == len(want) {
			var got []int
			for _, p := range procs {
				got = append(got, len(p.Shards))
			}
			slices.Sort(got)
			if slices.Equal(got, want) {
				return procs
			}
		}
		select {
		case <-ctx.Done():
			c.t.Fatalf("processes never held %v shards: %+v, %v; stderr:\n%s", want, procs, err, c.stderr.String())
		case <-time.After(50 * time.Millisecond): // polling the store: the processes give no other signal
		}
	}
}

// SIGKILL of one of two processes sharing the shards through leases, while
// events flow: the other takes its shard over within 2 × the lease, resumes
// its session, and every event is handled exactly once.
func TestRun_SharedShardsSurviveKill(t *testing.T) {
	t.Parallel() // its own simulator, Redis and luabot processes (cluster)
	const lease = 2 * time.Second
	c := newCluster(t)
	share := []string{"--share-shards", "--shard-lease", lease.String()}
	a := c.start(-1, share...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s := c.store()
	c.holding(ctx, s, 2)
	c.start(-1, share...)
	// The first process gives the highest shard up to the second; it keeps
	// shard 0, where group messages arrive.
	c.holding(ctx, s, 1, 1)
	// Both shards connected (identifies are paced, one per 5 s window).
	if err := c.platform.WaitSessions(ctx, 2); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, c.stderr.String())
	}
	// luabot status --store shows both processes and what each holds.
	code, out, errOut := runChild(t, "status", "--store", c.redis.URL(0), "--app-id", c.platform.AppID())
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "PROCESS") ||
		strings.Fields(lines[1])[1]+strings.Fields(lines[2])[1] != "01" && strings.Fields(lines[1])[1]+strings.Fields(lines[2])[1] != "10" {
		t.Errorf("status:\n%s\nwant a header and one line per process holding shard 0 and shard 1", out)
	}

	const events, window, killAt = 300, 40, 100
	posted := make(chan error, 1)
	var killed atomic.Int64 // unix nanos of the kill
	firstAfter := make(chan time.Time, 1)
	go func() {
		for i := range events {
			if i >= window {
				if _, err := c.platform.WaitSent(ctx, i-window); err != nil {
					posted <- err
					return
				}
			}
			if _, err := c.platform.Post(sim.Post{Scene: sim.SceneGroup, Content: "hi"}); err != nil {
				posted <- err
				return
			}
		}
		posted <- nil
	}()
	if _, err := c.platform.WaitSent(ctx, killAt); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, c.stderr.String())
	}
	a.cmd.Process.Signal(syscall.SIGKILL)
	killed.Store(time.Now().UnixNano())
	go func() {
		// The first answer the survivor gives to a message posted after the kill.
		n := len(c.platform.Sent())
		if _, err := c.platform.WaitSent(ctx, n+window); err == nil {
			firstAfter <- time.Now()
		}
	}()
	if err := <-posted; err != nil {
		t.Fatalf("posting: %v; stderr:\n%s", err, c.stderr.String())
	}
	answered := map[string]int{}
	for i := 0; len(answered) < events; i++ {
		m, err := c.platform.WaitSent(ctx, i)
		if err != nil {
			t.Fatalf("%d of %d events answered: %v; stderr:\n%s", len(answered), events, err, c.stderr.String())
		}
		answered[m.MsgID]++
	}
	select {
	case at := <-firstAfter:
		took := at.Sub(time.Unix(0, killed.Load()))
		if took > 2*lease {
			t.Errorf("the shard was served again %s after the kill, over 2 × the %s lease", took, lease)
		}
		t.Logf("served again %s after the kill", took)
	case <-ctx.Done():
		t.Fatal("no answer after the kill")
	}
	for id, n := range answered {
		if n != 1 {
			t.Errorf("message %s answered %d times", id, n)
		}
	}
	raw, _, err := s.Get("bot", "count")
	if err != nil {
		t.Fatal(err)
	}
	if n := number(t, raw); n != events {
		t.Fatalf("count = %d after %d events and a kill, want %d; stderr:\n%s", n, events, events, c.stderr.String())
	}
}

// With shards shared through leases, an outage longer than the lease stops
// the shards (another process could have taken them); when Redis is back the
// process claims them again and serves without a restart.
func TestRun_SharedShardsResumeAfterOutage(t *testing.T) {
	t.Parallel() // its own simulator, Redis and luabot processes (cluster)
	const lease = 2 * time.Second
	c := newCluster(t)
	bot := c.start(-1, "--share-shards", "--shard-lease", lease.String())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.platform.WaitSessions(ctx, 2); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, c.stderr.String())
	}
	c.redis.Stop()
	for c.platform.Sessions() != 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("the shards kept being served with their leases unrenewable; stderr:\n%s", c.stderr.String())
		case <-time.After(50 * time.Millisecond): // polling the platform: it gives no other signal
		}
	}
	c.redis.Restart()
	if err := c.platform.WaitSessions(ctx, 2); err != nil {
		t.Fatalf("shards not served again after the outage: %v; stderr:\n%s", err, c.stderr.String())
	}
	if _, err := c.platform.Post(sim.Post{ChannelID: c.channels[1], Content: "hi", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if m, err := c.platform.WaitSent(ctx, 0); err != nil || m.Content != "n=1" {
		t.Fatalf("answer %q, %v; stderr:\n%s", m.Content, err, c.stderr.String())
	}
	select {
	case err := <-bot.exited:
		t.Fatalf("luabot exited (%v); stderr:\n%s", err, c.stderr.String())
	default:
	}
}

// A process that gives a shard up to a newcomer (rebalancing) while that shard's
// handlers are still running: every event is handled once, its reply sent once, its
// count exact (the newcomer's resume does not replay what the first process runs).
func TestRun_RebalancingHandsOverWithoutReplays(t *testing.T) {
	t.Parallel() // its own simulator, Redis and luabot processes (cluster)
	const lease = 6 * time.Second
	c := newCluster(t)
	// Slow handlers: many events are still running when the shard changes hands.
	os.WriteFile(filepath.Join(c.dir, "bot.lua"), []byte(`on("message", function(ev)
  sleep(0.8)
  local n = kv.incr("count")
  ev:reply("n=" .. tostring(n))
end)`), 0o644)
	share := []string{"--share-shards", "--shard-lease", lease.String()}
	c.start(-1, share...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s := c.store()
	c.holding(ctx, s, 2)
	if err := c.platform.WaitSessions(ctx, 2); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, c.stderr.String())
	}
	const events, window, joinAt = 120, 40, 40
	posted := make(chan error, 1)
	go func() {
		for i := range events {
			if i >= window {
				if _, err := c.platform.WaitSent(ctx, i-window); err != nil {
					posted <- err
					return
				}
			}
			// Shard 1's channel: the shard the first process gives up.
			if _, err := c.platform.Post(sim.Post{ChannelID: c.channels[1], Content: "hi", MentionBot: true}); err != nil {
				posted <- err
				return
			}
		}
		posted <- nil
	}()
	if _, err := c.platform.WaitSent(ctx, joinAt); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, c.stderr.String())
	}
	c.start(-1, share...)
	c.holding(ctx, s, 1, 1)
	if err := <-posted; err != nil {
		t.Fatalf("posting: %v; stderr:\n%s", err, c.stderr.String())
	}
	answered := map[string]int{}
	for i := 0; len(answered) < events; i++ {
		m, err := c.platform.WaitSent(ctx, i)
		if err != nil {
			t.Fatalf("%d of %d events answered: %v; stderr:\n%s", len(answered), events, err, c.stderr.String())
		}
		answered[m.MsgID]++
	}
	for id, n := range answered {
		if n != 1 {
			t.Errorf("message %s answered %d times", id, n)
		}
	}
	raw, _, err := s.Get("bot", "count")
	if err != nil {
		t.Fatal(err)
	}
	if n := number(t, raw); n != events {
		t.Fatalf("count = %d after %d events and a hand-over, want %d; stderr:\n%s", n, events, events, c.stderr.String())
	}
}
