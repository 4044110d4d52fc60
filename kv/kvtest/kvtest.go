// Package kvtest is the conformance suite of kv stores: the contract the
// Lua bindings, the host's handled-event records and the gateway's
// sessions rely on, run against the bbolt file (package kv) and the Redis
// store (package kvredis) alike, so that a script behaves the same on
// either. The Lua-level half of the suite (TTL, JSON values, handler-scoped
// commits seen from a script) is in testkit's store tests, on the same
// stores.
package kvtest

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/luabot/luabot/kv"
)

// Store is the contract under test.
type Store interface {
	Get(ns, key string) ([]byte, bool, error)
	Set(ns, key string, val []byte) error
	Delete(ns, key string) error
	Commit(ops []kv.Op) error
	Scan(ns, prefix string, fn func(key string, val []byte) bool) error
	ScanAfter(ns, prefix, after string, fn func(key string, val []byte) bool) error
	Size(ns, key string) (int, bool, error)
	Fits(ns string, d kv.Usage) error
	SetQuota(ns string, q kv.Quota)
}

// Open returns an empty store with quota q, closed when t ends.
type Open func(t *testing.T, q kv.Quota) Store

// Run runs the suite as subtests of t.
func Run(t *testing.T, open Open) {
	t.Run("GetSetDeleteAndNamespaces", func(t *testing.T) { getSetDelete(t, open(t, kv.Quota{})) })
	t.Run("CommitAllOrNone", func(t *testing.T) { commitAllOrNone(t, open(t, kv.Quota{})) })
	t.Run("ConcurrentApplyDistinct", func(t *testing.T) { concurrentApply(t, open(t, kv.Quota{})) })
	t.Run("CompareAndSetRefusesChanged", func(t *testing.T) { compareAndSet(t, open(t, kv.Quota{})) })
	t.Run("ScanOrderPrefixAndResume", func(t *testing.T) { scanOrder(t, open(t, kv.Quota{})) })
	t.Run("Quota", func(t *testing.T) { quota(t, open(t, kv.Quota{Keys: 3, Bytes: 64})) })
	t.Run("NamespaceQuota", func(t *testing.T) { namespaceQuota(t, open(t, kv.Quota{Keys: 3, Bytes: 64})) })
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s Store, ns, key string) string {
	t.Helper()
	v, ok, err := s.Get(ns, key)
	must(t, err)
	if !ok {
		return "<absent>"
	}
	return string(v)
}

func getSetDelete(t *testing.T, s Store) {
	if got := get(t, s, "a", "k"); got != "<absent>" {
		t.Fatalf("fresh store: %q", got)
	}
	must(t, s.Set("a", "k", []byte("one")))
	must(t, s.Set("shared/a", "k", []byte("two")))
	must(t, s.Set("/gateway", "k", []byte("three")))
	for ns, want := range map[string]string{"a": "one", "shared/a": "two", "/gateway": "three", "b": "<absent>"} {
		if got := get(t, s, ns, "k"); got != want {
			t.Errorf("namespace %q: %q, want %q", ns, got, want)
		}
	}
	must(t, s.Set("a", "k", []byte("")))
	if got := get(t, s, "a", "k"); got != "" {
		t.Errorf("empty value read back as %q", got)
	}
	if n, ok, err := s.Size("shared/a", "k"); err != nil || !ok || n != 3 {
		t.Errorf("Size = %d, %v, %v; want 3, true", n, ok, err)
	}
	must(t, s.Delete("a", "k"))
	must(t, s.Delete("a", "missing"))
	if got := get(t, s, "a", "k"); got != "<absent>" {
		t.Errorf("after delete: %q", got)
	}
	if _, ok, _ := s.Size("a", "k"); ok {
		t.Errorf("Size of a deleted key says present")
	}
	if err := s.Set("a", "", []byte("x")); err == nil {
		t.Errorf("an empty key was accepted")
	}
	bin := "\x00\xff key\n"
	must(t, s.Set("a", bin, []byte{0, 1, 2, 0xff}))
	if got := get(t, s, "a", bin); got != "\x00\x01\x02\xff" {
		t.Errorf("binary key/value: %q", got)
	}
}

var errBoom = errors.New("boom")

func commitAllOrNone(t *testing.T, s Store) {
	must(t, s.Set("n", "x", []byte("old")))
	err := s.Commit([]kv.Op{
		{NS: "n", Key: "x", Val: []byte("new")},
		{NS: "m", Key: "y", Val: []byte("new")},
		{NS: "n", Key: "z", Apply: func([]byte, bool) ([]byte, error) { return nil, errBoom }},
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Commit with a failing Apply: %v, want it to wrap the Apply's error", err)
	}
	if got := get(t, s, "n", "x"); got != "old" {
		t.Errorf("a failed commit wrote x = %q", got)
	}
	if got := get(t, s, "m", "y"); got != "<absent>" {
		t.Errorf("a failed commit wrote y in another namespace = %q", got)
	}
	// Ops apply in order: an Apply sees the earlier ops of its commit.
	var saw string
	must(t, s.Commit([]kv.Op{
		{NS: "n", Key: "x", Val: []byte("first")},
		{NS: "n", Key: "x", Apply: func(cur []byte, ok bool) ([]byte, error) {
			saw = fmt.Sprintf("%s %v", cur, ok)
			return append(cur, "+second"...), nil
		}},
		{NS: "n", Key: "gone", Val: []byte("soon")},
		{NS: "n", Key: "gone"},
	}))
	if saw != "first true" {
		t.Errorf("Apply saw %q, want the earlier op's value", saw)
	}
	if got := get(t, s, "n", "x"); got != "first+second" {
		t.Errorf("x = %q", got)
	}
	if got := get(t, s, "n", "gone"); got != "<absent>" {
		t.Errorf("set then delete in one commit left %q", got)
	}
	// An Apply returning nil deletes.
	must(t, s.Commit([]kv.Op{{NS: "n", Key: "x", Apply: func([]byte, bool) ([]byte, error) { return nil, nil }}}))
	if got := get(t, s, "n", "x"); got != "<absent>" {
		t.Errorf("Apply returning nil left %q", got)
	}
}

// concurrentApply is kv.incr from many callers at once (several handlers,
// or several processes on a shared store): every caller gets its own value.
func concurrentApply(t *testing.T, s Store) {
	const workers, each = 6, 20
	var mu sync.Mutex
	var got []int
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				var n int
				err := s.Commit([]kv.Op{{NS: "c", Key: "hits", Apply: func(cur []byte, ok bool) ([]byte, error) {
					n = 0
					if ok {
						fmt.Sscan(string(cur), &n)
					}
					n++
					return []byte(fmt.Sprint(n)), nil
				}}})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sort.Ints(got)
	for i, n := range got {
		if n != i+1 {
			t.Fatalf("values handed out: %v; want 1..%d each once", got, workers*each)
		}
	}
	if v := get(t, s, "c", "hits"); v != fmt.Sprint(workers*each) {
		t.Fatalf("final %s, want %d", v, workers*each)
	}
}

// compareAndSet is kv.update's commit: an Apply that refuses a value other
// than the one it read makes the whole commit fail, with its error.
func compareAndSet(t *testing.T, s Store) {
	must(t, s.Set("u", "k", []byte("v2")))
	changed := errors.New("changed")
	err := s.Commit([]kv.Op{
		{NS: "u", Key: "other", Val: []byte("x")},
		{NS: "u", Key: "k", Apply: func(cur []byte, ok bool) ([]byte, error) {
			if string(cur) != "v1" {
				return nil, changed
			}
			return []byte("v3"), nil
		}},
	})
	if !errors.Is(err, changed) {
		t.Fatalf("got %v, want the Apply's error", err)
	}
	if get(t, s, "u", "other") != "<absent>" || get(t, s, "u", "k") != "v2" {
		t.Fatalf("a refused compare-and-set wrote something")
	}
}

func scanOrder(t *testing.T, s Store) {
	keys := []string{"b", "a", "ab", "a\x00", "a\xff", "abc", "b\x00", "ac", "\x00", "\xff\xff"}
	for i, k := range keys {
		must(t, s.Set("s", k, []byte(fmt.Sprint(i))))
	}
	must(t, s.Set("s2", "a1", []byte("other namespace")))
	scan := func(prefix, after string, stop int) []string {
		var out []string
		must(t, s.ScanAfter("s", prefix, after, func(k string, v []byte) bool {
			if want := get(t, s, "s", k); want != string(v) {
				t.Errorf("scan gave %q = %q, Get says %q", k, v, want)
			}
			out = append(out, k)
			return stop == 0 || len(out) < stop
		}))
		return out
	}
	check := func(name string, got []string, want ...string) {
		t.Helper()
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	check("all", scan("", "", 0), "\x00", "a", "a\x00", "ab", "abc", "ac", "a\xff", "b", "b\x00", "\xff\xff")
	check("prefix a", scan("a", "", 0), "a", "a\x00", "ab", "abc", "ac", "a\xff")
	check("prefix ab", scan("ab", "", 0), "ab", "abc")
	check("prefix \\xff", scan("\xff", "", 0), "\xff\xff")
	check("prefix none", scan("zz", "", 0))
	check("after ab", scan("a", "ab", 0), "abc", "ac", "a\xff")
	check("stop after 2", scan("a", "", 2), "a", "a\x00")
	var all []string
	must(t, s.Scan("s", "b", func(k string, _ []byte) bool { all = append(all, k); return true }))
	check("Scan", all, "b", "b\x00")
	// More keys than one round trip reads.
	for i := range 600 {
		must(t, s.Set("big", fmt.Sprintf("k%04d", i), []byte("v")))
	}
	n, last := 0, ""
	must(t, s.Scan("big", "k", func(k string, _ []byte) bool {
		if k <= last {
			t.Fatalf("%q after %q", k, last)
		}
		last = k
		n++
		return true
	}))
	if n != 600 {
		t.Errorf("scanned %d of 600 keys", n)
	}
}

// quota is run with at most 3 keys and 64 bytes per namespace.
func quota(t *testing.T, s Store) {
	must(t, s.Set("q", "k1", []byte("v")))
	must(t, s.Set("q", "k2", []byte("v")))
	err := s.Commit([]kv.Op{{NS: "q", Key: "k3", Val: []byte("v")}, {NS: "q", Key: "k4", Val: []byte("v")}})
	var qe *kv.QuotaError
	if !errors.As(err, &qe) || !errors.Is(err, kv.ErrQuota) || !qe.Keys {
		t.Fatalf("a 4th key: %v, want a key *kv.QuotaError", err)
	}
	if get(t, s, "q", "k3") != "<absent>" {
		t.Fatalf("a commit over the quota wrote part of itself")
	}
	must(t, s.Set("q", "k3", []byte("v")))
	if err := s.Fits("q", kv.Usage{Keys: 1, Bytes: 3}); !errors.Is(err, kv.ErrQuota) {
		t.Errorf("Fits a 4th key: %v", err)
	}
	// Deleting frees the quota; replacing a value counts the difference.
	must(t, s.Delete("q", "k3"))
	must(t, s.Set("q", "k3", make([]byte, 40)))
	if err := s.Set("q", "k2", make([]byte, 30)); !errors.Is(err, kv.ErrQuota) {
		t.Errorf("bytes over the quota: %v", err)
	}
	must(t, s.Set("q", "k3", []byte("v")))
	must(t, s.Set("q", "k2", make([]byte, 30)))
	if err := s.Fits("q", kv.Usage{Bytes: -10}); err != nil {
		t.Errorf("Fits of a shrink: %v", err)
	}
	// Host namespaces are not bounded.
	for i := range 5 {
		must(t, s.Set("/host", fmt.Sprint(i), make([]byte, 100)))
	}
}

// namespaceQuota: SetQuota bounds one namespace (a script's grant) and
// leaves the others to the store's quota (3 keys, 64 bytes); a field left
// zero keeps the store's.
func namespaceQuota(t *testing.T, s Store) {
	s.SetQuota("small", kv.Quota{Keys: 1})
	s.SetQuota("big", kv.Quota{Keys: 10, Bytes: 1 << 10})
	must(t, s.Set("small", "k1", []byte("v")))
	err := s.Commit([]kv.Op{{NS: "small", Key: "k2", Val: []byte("v")}})
	var qe *kv.QuotaError
	if !errors.As(err, &qe) || !qe.Keys || qe.Limit != 1 {
		t.Fatalf("a 2nd key in a namespace of 1: %v", err)
	}
	if err := s.Fits("small", kv.Usage{Keys: 1, Bytes: 2}); !errors.Is(err, kv.ErrQuota) {
		t.Errorf("Fits a 2nd key: %v", err)
	}
	if err := s.Set("small", "k1", make([]byte, 70)); !errors.Is(err, kv.ErrQuota) {
		t.Errorf("bytes over the store's quota, which small keeps: %v", err)
	}
	for i := range 5 {
		must(t, s.Set("big", fmt.Sprint(i), make([]byte, 100)))
	}
	for i := range 3 {
		must(t, s.Set("other", fmt.Sprint(i), []byte("v")))
	}
	if err := s.Set("other", "3", []byte("v")); !errors.Is(err, kv.ErrQuota) {
		t.Errorf("a 4th key in a namespace under the store's quota: %v", err)
	}
}
