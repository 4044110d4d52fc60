package kv_test

import (
	"path/filepath"
	"testing"

	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/kv/kvtest"
	"github.com/luabot/luabot/testkit"
)

// The bbolt file passes the same suite as the Redis store (kvredis).
func TestConformance_Bbolt(t *testing.T) {
	kvtest.Run(t, func(t *testing.T, q kv.Quota) kvtest.Store {
		s, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "kv.db"), Quota: q})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestConformanceLua_Bbolt(t *testing.T) {
	kvtest.RunLua(t, func(dir string) (testkit.Store, error) {
		return kv.Open(kv.Config{Path: filepath.Join(dir, "kv.db")})
	})
}
