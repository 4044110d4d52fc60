package kvredis_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/luabot/luabot/console"
	"github.com/luabot/luabot/internal/redistest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/kv/kvredis"
	"github.com/luabot/luabot/kv/kvtest"
	"github.com/luabot/luabot/testkit"
)

var prefixes atomic.Int64

// open returns a store on srv under a prefix of its own, so that each test
// starts empty without restarting the server.
func open(t *testing.T, srv *redistest.Server, q kv.Quota) *kvredis.Store {
	t.Helper()
	s, err := kvredis.Open(kvredis.Config{Addr: srv.Addr(), Prefix: fmt.Sprintf("test%d:", prefixes.Add(1)), Quota: q})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The Redis store passes the same suite as the bbolt file.
func TestConformance_Redis(t *testing.T) {
	srv := redistest.Start(t)
	kvtest.Run(t, func(t *testing.T, q kv.Quota) kvtest.Store { return open(t, srv, q) })
}

func TestConformanceLua_Redis(t *testing.T) {
	srv := redistest.Start(t)
	kvtest.RunLua(t, func(string) (testkit.Store, error) {
		return kvredis.Open(kvredis.Config{Addr: srv.Addr(), Prefix: fmt.Sprintf("test%d:", prefixes.Add(1))})
	})
}

// Namespaces lists the namespaces holding keys under this bot's prefix only, sorted,
// for the console's kv view (as the bbolt file's Namespaces does).
func TestStore_Namespaces(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, kv.Quota{}), open(t, srv, kv.Quota{})
	if err := a.Commit([]kv.Op{{NS: "zeta", Key: "k", Val: []byte("1")}, {NS: "shared/team", Key: "k", Val: []byte("2")}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit([]kv.Op{{NS: "other", Key: "k", Val: []byte("3")}}); err != nil {
		t.Fatal(err)
	}
	got, err := a.Namespaces()
	if err != nil || len(got) != 2 || got[0] != "shared/team" || got[1] != "zeta" {
		t.Fatalf("Namespaces = %q, %v; want [shared/team zeta]", got, err)
	}
}

// The Redis store serves the web console's kv view, as the bbolt file does.
var _ console.Store = (*kvredis.Store)(nil)
