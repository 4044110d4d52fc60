//go:build unix

package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/sim"
)

// asCLI, set in the environment, makes the test binary run as luabot itself
// (TestMain), so that a test can start it as a process and kill -9 it.
const asCLI = "LUABOT_TEST_AS_CLI"

// kill -9 at random points while 1000 events each do kv.incr and ev:reply,
// restarting on the same data file each time: every event is counted once
// and answered once. The session and dedup window are saved at most once a
// second while kv.incr commits at once, so without the once-per-event
// records the replayed events counted twice.
func TestRun_KillNineCountsEachEventOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills luabot several times")
	}
	const events, window = 1000, 150
	platform := simtest.Start(t, sim.Config{})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "count.lua"), []byte(`on("message", function(ev)
  local n = kv.incr("count")
  local ok, err = ev:reply("n=" .. n)
  if not ok and err.code ~= 40054005 then error(tostring(err)) end
end)`), 0o644)
	data := filepath.Join(t.TempDir(), "bot.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var stderr syncBuffer
	startBot := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "run", "--app-id", platform.AppID(), "--secret", platform.Secret(),
			"--api", platform.APIURL(), "--token-url", platform.TokenURL(), "--data", data, dir)
		cmd.Env = append(os.Environ(), asCLI+"=1")
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}

	bot := startBot()
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v; stderr:\n%s", err, stderr.String())
	}
	// The users post at most window messages ahead of the answers, so the
	// platform's replay log (1000 events) always holds what a restarted bot
	// missed.
	posted := make(chan error, 1)
	go func() {
		for i := range events {
			if i >= window {
				if _, err := platform.WaitSent(ctx, i-window); err != nil {
					posted <- err
					return
				}
			}
			if _, err := platform.Post(sim.Post{Scene: sim.SceneGroup, Content: "hi"}); err != nil {
				posted <- err
				return
			}
		}
		posted <- nil
	}()

	// Kill at four random numbers of answers; two close together kill a bot
	// that is still starting.
	kills := []int{rand.IntN(events - 100), rand.IntN(events - 100), rand.IntN(events - 100), rand.IntN(events - 100)}
	sort.Ints(kills)
	for _, at := range kills {
		if _, err := platform.WaitSent(ctx, at); err != nil {
			t.Fatalf("waiting for answer %d: %v; stderr:\n%s", at, err, stderr.String())
		}
		bot.Process.Signal(syscall.SIGKILL)
		bot.Wait()
		bot = startBot()
	}
	if err := <-posted; err != nil {
		t.Fatalf("posting: %v; stderr:\n%s", err, stderr.String())
	}
	// Every event answered: wait for the last answer, then stop the bot.
	replied := map[string]int{}
	for i := 0; len(replied) < events; i++ {
		m, err := platform.WaitSent(ctx, i)
		if err != nil {
			t.Fatalf("%d events answered: %v; stderr:\n%s", len(replied), err, stderr.String())
		}
		replied[m.MsgID]++
	}
	bot.Process.Signal(syscall.SIGTERM)
	if err := bot.Wait(); err != nil {
		t.Errorf("luabot after SIGTERM: %v", err)
	}

	dup := 0
	seen := map[string]int{}
	for _, m := range platform.Sent() {
		if seen[m.MsgID]++; seen[m.MsgID] == 2 {
			dup++
		}
	}
	if dup > 0 || len(seen) != events {
		t.Errorf("%d messages answered, %d of them more than once; want %d each answered once", len(seen), dup, events)
	}
	store, err := kv.Open(kv.Config{Path: data, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	raw, _, err := store.Get("count", "count")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if len(raw) == 0 || json.Unmarshal(raw[1:], &n) != nil || n != events {
		t.Fatalf("count = %q after %d events and %d kills, want %d", raw, events, len(kills), events)
	}
}
