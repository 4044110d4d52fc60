package kvredis_test

import (
	"fmt"
	"sync/atomic"
	"testing"

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
