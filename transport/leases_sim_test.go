package transport_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// fakeLeaser is a store holding leases for one process, which can be cut off
// (a network partition); it records when the lease would lapse on the server.
type fakeLeaser struct {
	mu      sync.Mutex
	down    bool
	expires time.Time // of the last lease granted, as the server would count it
}

var errPartition = errors.New("partitioned")

func (f *fakeLeaser) Heartbeat(owner string, shards []int, ttl time.Duration) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, errPartition
	}
	return []string{owner}, nil
}

func (f *fakeLeaser) Acquire(shard int, owner string, ttl time.Duration) (int64, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return 0, false, errPartition
	}
	f.expires = time.Now().Add(ttl)
	return 1, true, nil
}

func (f *fakeLeaser) Release(int, string) error { return nil }
func (f *fakeLeaser) Leave(string) error        { return nil }

// A process cut off from the store stops serving its shard before its lease
// expires on the server, where another process could take it.
func TestSource_PartitionStopsShardBeforeLeaseExpires(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	log := simtest.NewLog()
	leaser := &fakeLeaser{}
	const ttl = 1500 * time.Millisecond
	dir := t.TempDir()
	script := filepath.Join(dir, "bot.lua")
	if err := os.WriteFile(script, []byte(`on("message", function() end)`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stop := runBot(t, platform, filepath.Join(dir, "k.db"),
		transport.Config{Leases: leaser, LeaseTTL: ttl, Logger: log.Logger()}, script)
	defer stop()
	ctx := simtest.Deadline(t, 20*time.Second)
	log.SessionsUp(t, ctx, 1)
	leaser.mu.Lock()
	leaser.down = true
	lapse := leaser.expires
	leaser.mu.Unlock()
	log.WaitFor(t, ctx, "the shard stopped", func() bool {
		return len(log.Matching("shard stopped", func(r simtest.Record) bool { return r.Attrs["why"] == "lease not renewed in time" })) > 0
	})
	at := log.Matching("shard stopped", nil)[0].Time
	if !at.Before(lapse) {
		t.Fatalf("the shard stopped at %s, not before its lease lapsed on the server at %s", at.Format(time.StampMilli), lapse.Format(time.StampMilli))
	}
	// The connection is closed: the platform sees the session end.
	for platform.Sessions() != 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("%d gateway sessions still open after the shard stopped", platform.Sessions())
		case <-time.After(10 * time.Millisecond): // polling the platform: it gives no other signal
		}
	}
}
