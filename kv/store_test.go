package kv_test

import (
	"errors"
	"path/filepath"
	"strings"
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

func TestStore_CommitIsAllOrNothing(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "a.db"))
	if err := s.Set("a", "n", []byte("1")); err != nil {
		t.Fatal(err)
	}
	double := func(cur []byte, ok bool) ([]byte, error) { return append(cur, cur...), nil }
	if err := s.Commit([]kv.Op{{NS: "a", Key: "n", Apply: double}, {NS: "a", Key: "x", Val: []byte("y")}}); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := s.Get("a", "n"); string(v) != "11" {
		t.Fatalf("n = %q, want 11", v)
	}
	fail := func([]byte, bool) ([]byte, error) { return nil, errors.New("no") }
	err := s.Commit([]kv.Op{{NS: "a", Key: "z", Val: []byte("1")}, {NS: "a", Key: "n", Apply: fail}})
	if err == nil {
		t.Fatal("commit with a failing op succeeded")
	}
	if _, ok, _ := s.Get("a", "z"); ok {
		t.Fatal("write before the failing op was kept")
	}
}

func TestStore_ScanPrefixInOrder(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "a.db"))
	for _, k := range []string{"score:b", "score:a", "other", "score:c"} {
		s.Set("a", k, []byte(k))
	}
	var keys []string
	s.Scan("a", "score:", func(k string, v []byte) bool {
		keys = append(keys, k)
		return len(keys) < 2
	})
	if len(keys) != 2 || keys[0] != "score:a" || keys[1] != "score:b" {
		t.Fatalf("keys = %v", keys)
	}
}

// A commit's errors name kv once: "kv: commit: …", not "kv commit: kv: …".
func TestStore_CommitErrorsNameKVOnce(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "a.db"))
	fail := func([]byte, bool) ([]byte, error) { return nil, errors.New("no") }
	for _, tt := range []struct {
		op   kv.Op
		want string
	}{
		{kv.Op{NS: "a", Key: "", Val: []byte("x")}, "kv: commit: empty key"},
		{kv.Op{NS: "a", Key: "n", Apply: fail}, `kv: commit: key "n": no`},
	} {
		err := s.Commit([]kv.Op{tt.op})
		if err == nil || err.Error() != tt.want {
			t.Errorf("Commit = %v, want %q", err, tt.want)
		}
	}
}

func TestStore_NamespacesListsEveryBucket(t *testing.T) {
	s, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Set("zeta", "k", []byte("1"))
	s.Set("alpha", "k", []byte("1"))
	got, err := s.Namespaces()
	if err != nil || strings.Join(got, ",") != "alpha,zeta" {
		t.Fatalf("Namespaces() = %v, %v", got, err)
	}
}
