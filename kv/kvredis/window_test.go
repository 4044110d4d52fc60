package kvredis_test

import (
	"testing"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/internal/redistest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/kv/kvredis"
	"github.com/luabot/luabot/transport"
)

// reopen is a second process's store: the same server and prefix.
func reopen(t *testing.T, srv *redistest.Server, s *kvredis.Store) *kvredis.Store {
	t.Helper()
	o, err := kvredis.Open(kvredis.Config{Addr: srv.Addr(), Prefix: s.Prefix()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// handled runs ev through a window and reports whether it reached the handler; the
// handler settles it when settle is true.
func handled(d *gateway.Dedup, id string, settle bool) bool {
	reached := false
	d.WrapSettled(func(_ dispatch.Event, settled func()) {
		reached = true
		if settle {
			settled()
		}
	})(dispatch.Event{ID: id, Type: "AT_MESSAGE_CREATE"})
	return reached
}

// A shard resumed by another process: what the first one handled does not reach the
// second one's scripts again; what it had not finished does.
func TestSharedWindow_ResumedElsewhere(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, kv.Quota{})
	b := reopen(t, srv, a)
	da, err := gateway.NewDedup(gateway.DedupConfig{Shared: a})
	if err != nil {
		t.Fatal(err)
	}
	db, _ := gateway.NewDedup(gateway.DedupConfig{Shared: b})
	if !handled(da, "ev1", true) || !handled(da, "ev2", false) {
		t.Fatal("a fresh event did not reach the handler")
	}
	if handled(db, "ev1", true) {
		t.Error("an event handled by the other process reached the scripts again")
	}
	if !handled(db, "ev2", true) {
		t.Error("an event the other process never finished was dropped")
	}
	if handled(da, "ev2", true) {
		t.Error("ev2, finished by b, reached a again")
	}
}

// A webhook event delivered to two instances at once reaches one of them.
func TestSharedWindow_WebhookOnTwoInstances(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, kv.Quota{})
	b := reopen(t, srv, a)
	da, _ := gateway.NewDedup(gateway.DedupConfig{Shared: a, ClaimPending: true})
	db, _ := gateway.NewDedup(gateway.DedupConfig{Shared: b, ClaimPending: true})
	if !handled(da, "w1", false) {
		t.Fatal("a fresh event did not reach the handler")
	}
	if handled(db, "w1", true) {
		t.Fatal("a retry landing on the other instance while the first handles it reached the scripts")
	}
}

// The gateway session saved by one process is the one another process resumes.
func TestSharedSessions(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, kv.Quota{})
	b := reopen(t, srv, a)
	want := gateway.Session{ID: "sess-1", Seq: 42, Shard: [2]int{1, 2}}
	if err := transport.NewSessionStore(a).SaveSession(want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := transport.NewSessionStore(b).LoadSession([2]int{1, 2})
	if err != nil || !ok || got != want {
		t.Fatalf("loaded %+v, %v, %v; want %+v", got, ok, err, want)
	}
}
