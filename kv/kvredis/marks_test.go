package kvredis_test

import (
	"testing"
	"time"

	"github.com/luabot/luabot/internal/redistest"
	"github.com/luabot/luabot/kv"
)

// A mark is set once across the bot's processes, and lapses with its ttl.
func TestMarkOnce_OncePerBotUntilItExpires(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, kv.Quota{})
	b := reopen(t, srv, a)
	if first, err := a.MarkOnce("send\x000", time.Hour); err != nil || !first {
		t.Fatalf("first MarkOnce = %v, %v; want true, nil", first, err)
	}
	if first, err := b.MarkOnce("send\x000", time.Hour); err != nil || first {
		t.Fatalf("MarkOnce of a set mark, from another process = %v, %v; want false, nil", first, err)
	}
	if first, err := b.MarkOnce("send\x001", time.Hour); err != nil || !first {
		t.Fatalf("MarkOnce of another mark = %v, %v; want true, nil", first, err)
	}
	ttl, err := a.Client().PTTL(t.Context(), a.Prefix()+"mark:send\x000").Result()
	if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("the mark expires in %v (%v); want about an hour", ttl, err)
	}
}
