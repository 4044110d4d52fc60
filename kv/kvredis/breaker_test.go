package kvredis_test

import (
	"context"
	"errors"
	"strings"
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

// A server that refuses the credentials is an error at Open that says what
// to fix in the URL, and never shows the password.
func TestOpen_AuthRefusalSaysWhatToFix(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, kv.Quota{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Client().ConfigSet(ctx, "requirepass", "right-pw").Err(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ password, want string }{
		{"", "the server wants a password: put it in the URL"},
		{"wrong-pw", "check the user and password in the URL"},
	} {
		_, err := kvredis.Open(kvredis.Config{Addr: srv.Addr(), Password: tc.password, Prefix: "auth:"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("password %q: Open = %v, want an error saying %q", tc.password, err, tc.want)
		} else if tc.password != "" && strings.Contains(err.Error(), tc.password) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	ok, err := kvredis.Open(kvredis.Config{Addr: srv.Addr(), Password: "right-pw", Prefix: "auth:"})
	if err != nil {
		t.Fatalf("the right password: %v", err)
	}
	ok.Close()
}
