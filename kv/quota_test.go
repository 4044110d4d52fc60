package kv_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luabot/luabot/kv"
)

// Writes that would take a namespace past its quota are refused whole (the
// transaction rolls back), the count survives a reopen, deleting frees room,
// and host namespaces and other namespaces are not affected.
func TestQuota_BoundsEachNamespace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	open := func() *kv.Store {
		s, err := kv.Open(kv.Config{Path: path, Quota: kv.Quota{Bytes: 1000, Keys: 3}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Set("bot", k, []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Commit([]kv.Op{{NS: "bot", Key: "a", Val: []byte("w")}, {NS: "bot", Key: "d", Val: []byte("v")}})
	var qe *kv.QuotaError
	if !errors.As(err, &qe) || !errors.Is(err, kv.ErrQuota) || !qe.Keys || !strings.Contains(err.Error(), "quota of 3 keys") {
		t.Fatalf("a fourth key: %v, want a key-quota error", err)
	}
	if v, _, _ := s.Get("bot", "a"); string(v) != "v" {
		t.Fatalf("the refused commit changed a to %q", v)
	}
	if err := s.Set("other", "d", []byte("v")); err != nil {
		t.Fatalf("another namespace: %v", err)
	}
	if err := s.Set("/host", "big", make([]byte, 5000)); err != nil {
		t.Fatalf("a host namespace: %v", err)
	}
	s.Close()

	s = open()
	defer s.Close()
	if u := s.Usage("bot"); u.Keys != 3 || u.Bytes != 6 {
		t.Fatalf("usage after reopen = %+v, want 3 keys, 6 bytes", u)
	}
	if err := s.Set("bot", "d", []byte("v")); !errors.Is(err, kv.ErrQuota) {
		t.Fatalf("after reopen a fourth key: %v", err)
	}
	if err := s.Delete("bot", "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("bot", "d", make([]byte, 900)); err != nil {
		t.Fatalf("after a delete: %v", err)
	}
	if err := s.Set("bot", "b", make([]byte, 200)); !errors.As(err, &qe) || qe.Keys || !strings.Contains(err.Error(), "quota of 1000 bytes") {
		t.Fatalf("over the bytes: %v", err)
	}
}
