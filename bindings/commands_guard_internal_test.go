package bindings

import (
	"fmt"
	"testing"
	"time"
)

// Cooldowns per user and per channel: the longer wait is reported, rounded
// up to whole seconds, and a refused run does not restart the cooldown.
func TestCooldowns_Take(t *testing.T) {
	c := &command{name: "daily", guard: guard{perUser: 60 * time.Second, perChannel: 10 * time.Second}}
	cd := newCooldowns()
	t0 := time.Unix(1_700_000_000, 0)
	if w := cd.take(t0, c, "alice", "general"); w != 0 {
		t.Fatalf("first run waits %d", w)
	}
	if w := cd.take(t0.Add(500*time.Millisecond), c, "alice", "random"); w != 60 {
		t.Fatalf("alice again: wait %d, want 60 (59.5 rounded up)", w)
	}
	if w := cd.take(t0.Add(time.Second), c, "bob", "general"); w != 9 {
		t.Fatalf("bob in the same channel: wait %d, want 9", w)
	}
	if w := cd.take(t0.Add(10*time.Second), c, "bob", "general"); w != 0 {
		t.Fatalf("bob after the channel's cooldown: wait %d", w)
	}
	if w := cd.take(t0.Add(60*time.Second), c, "alice", "random"); w != 0 {
		t.Fatalf("alice after her cooldown: wait %d", w)
	}
}

// The table of cooldowns is bounded: expired entries go first, and if every
// entry still runs, all are forgotten rather than growing without end.
func TestCooldowns_Bounded(t *testing.T) {
	c := &command{name: "x", guard: guard{perUser: time.Hour}}
	cd := newCooldowns()
	t0 := time.Unix(1_700_000_000, 0)
	for i := range maxCooldownLen + 10 {
		cd.take(t0, c, fmt.Sprint(i), "")
		if len(cd.until) > maxCooldownLen {
			t.Fatalf("%d entries after %d users", len(cd.until), i+1)
		}
	}
	// At the bound every entry still ran, so all were forgotten; the ten
	// users after it are kept.
	if len(cd.until) != 10 {
		t.Fatalf("%d entries, want the 10 added after the table was cleared", len(cd.until))
	}
}

// A full table whose entries run out one at a time is not swept on every
// call: each sweep leaves room for at least a quarter of the bound.
func TestCooldowns_SweptRarelyWhileEntriesExpireOneByOne(t *testing.T) {
	c := &command{name: "x", guard: guard{perUser: time.Hour}}
	cd := newCooldowns()
	t0 := time.Unix(1_700_000_000, 0)
	// One user a millisecond for the whole bound: each cooldown ends an
	// hour after it began, so later on they end one a millisecond too.
	for i := range maxCooldownLen - 1 {
		cd.take(t0.Add(time.Duration(i)*time.Millisecond), c, fmt.Sprint(i), "")
	}
	const calls = 50_000
	start := t0.Add(time.Hour) // from here one entry runs out per call
	for i := range calls {
		cd.take(start.Add(time.Duration(i)*time.Millisecond), c, fmt.Sprint("new", i), "")
	}
	if limit := calls/(maxCooldownLen/4) + 1; cd.sweeps > limit {
		t.Fatalf("%d sweeps of a %d-entry table in %d calls, want at most %d", cd.sweeps, maxCooldownLen, calls, limit)
	}
	if len(cd.until) > maxCooldownLen {
		t.Fatalf("%d entries", len(cd.until))
	}
}
