package kv_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/luabot/luabot/kv"
)

func mustOpen(tb testing.TB, path string) *kv.Store {
	tb.Helper()
	s, err := kv.Open(kv.Config{Path: path})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestStore_SetGetPersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s, err := kv.Open(kv.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set("echo", "visits", []byte("3")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, path)
	v, ok, err := s.Get("echo", "visits")
	if err != nil || !ok || string(v) != "3" {
		t.Fatalf("Get = %q, %v, %v; want 3, true, nil", v, ok, err)
	}
}

func TestStore_NamespacesAreSeparate(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "a.db"))
	if err := s.Set("a", "k", []byte("from a")); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get("b", "k"); ok {
		t.Fatal("namespace b sees a's key")
	}
	if err := s.Delete("a", "k"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get("a", "k"); ok {
		t.Fatal("key still there after Delete")
	}
}

func TestStore_EmptyKeyRejected(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "a.db"))
	if err := s.Set("a", "", []byte("x")); err == nil {
		t.Fatal("Set with empty key succeeded")
	}
}

func TestOpen_LockedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	mustOpen(t, path)
	_, err := kv.Open(kv.Config{Path: path, LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, kv.ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
}
