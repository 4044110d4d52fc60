package transport

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/gateway"
)

// The status file is rewritten at once when a shard changes state, and
// otherwise once a second: what changes with every event (counters, seq,
// the time) must not count as a change, or a busy bot would rewrite the
// file twenty times a second.
func TestStatus_ChangesAreStatesNotCounters(t *testing.T) {
	since := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	report := func(edit func(*StatusReport)) StatusReport {
		r := StatusReport{PID: 1, Updated: since, Shards: []gateway.Status{
			{Shard: [2]int{0, 2}, State: gateway.StateReady, Since: since, Seq: 10, Events: 9},
			{Shard: [2]int{1, 2}, State: gateway.StateConnecting, Since: since},
		}}
		if edit != nil {
			edit(&r)
		}
		return r
	}
	base := report(nil)
	same := map[string]func(*StatusReport){
		"nothing":  func(*StatusReport) {},
		"counters": func(r *StatusReport) { r.Received, r.Duplicates, r.Updated = 100, 3, since.Add(time.Second) },
		"seq and events": func(r *StatusReport) {
			r.Shards[0].Seq, r.Shards[0].Events, r.Shards[0].Connects = 500, 499, 2
		},
	}
	for name, edit := range same {
		if !sameStates(base, report(edit)) {
			t.Errorf("%s: counted as a change of state", name)
		}
	}
	changed := map[string]func(*StatusReport){
		"a shard became ready": func(r *StatusReport) { r.Shards[1].State = gateway.StateReady },
		"a shard reconnected":  func(r *StatusReport) { r.Shards[0].Since = since.Add(time.Minute) },
		"intents granted":      func(r *StatusReport) { r.Shards[0].Intents = gateway.Intent(1) },
		"intents refused":      func(r *StatusReport) { r.IntentsNotGranted = dispatch.Intent(1 << 9) },
		"a shard taken over":   func(r *StatusReport) { r.Shards[1].Shard = [2]int{1, 4} },
		"a shard handed off":   func(r *StatusReport) { r.Shards = r.Shards[:1] },
	}
	for name, edit := range changed {
		if sameStates(base, report(edit)) {
			t.Errorf("%s: not counted as a change", name)
		}
	}
}

// A status file that cannot be written (a folder the bot may not write to,
// a full disk) is said once, not at every rewrite once a second for as long
// as it lasts, and its end is said too; a later failure is said again.
func TestStatus_WriteFailureLoggedOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	var logs bytes.Buffer
	s := &Source{cfg: Config{Kind: "ws", StatusFile: filepath.Join(dir, "bot.db.status.json")},
		log: slog.New(slog.NewTextHandler(&logs, nil))}
	count := func(msg string) int { return strings.Count(logs.String(), `msg="`+msg+`"`) }
	for range 5 {
		s.writeStatus()
	}
	if n := count("status file not written"); n != 1 {
		t.Fatalf("%d warnings for 5 failed writes, want 1:\n%s", n, logs.String())
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s.writeStatus()
	s.writeStatus()
	if _, err := os.Stat(s.cfg.StatusFile); err != nil || count("status file written again") != 1 {
		t.Fatalf("after the folder appeared: %v; logs:\n%s", err, logs.String())
	}
	os.RemoveAll(dir)
	s.writeStatus()
	if n := count("status file not written"); n != 2 {
		t.Fatalf("%d warnings after it failed again, want 2:\n%s", n, logs.String())
	}
}
