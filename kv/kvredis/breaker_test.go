package kvredis_test

import (
	"errors"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/redistest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/kv/kvredis"
)

// With the server gone, calls fail well within their deadline (after the
// first, the breaker answers without waiting); once
// it is back, calls work again without reopening the store.
func TestStore_OutageFailsFastAndRecovers(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, kv.Quota{})
	if err := s.Set("ns", "k", []byte("before")); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	for i := range 20 {
		start := time.Now()
		err := s.Commit([]kv.Op{{NS: "ns", Key: "k", Val: []byte("during")}, {NS: "ns", Key: "k2", Val: []byte("x")}})
		if err == nil {
			t.Fatal("a commit succeeded with the server down")
		}
		if d := time.Since(start); d > kvredis.DefaultTimeout+500*time.Millisecond {
			t.Fatalf("call %d took %s, past its deadline", i, d)
		}
		if i > 0 && !errors.Is(err, kvredis.ErrUnavailable) {
			// Probes may reach the (closed) port; they fail at once too.
			var re *kvredis.Error
			if !errors.As(err, &re) {
				t.Fatalf("call %d: %v", i, err)
			}
		}
	}
	srv.Restart() // empty: the test server keeps nothing
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.Set("ns", "k", []byte("after"))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store never worked again: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // the breaker's backoff decides when a call goes through
	}
}
