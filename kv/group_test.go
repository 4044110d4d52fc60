package kv_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luabot/luabot/kv"
)

type commitCounter struct{ n atomic.Int64 }

func (c *commitCounter) Commit(time.Duration, error) { c.n.Add(1) }

// 200 goroutines each Batch one record at once: every record is stored
// (after a reopen, so durably) and they share far fewer commits than calls.
func TestStore_BatchSharesCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	commits := &commitCounter{}
	s, err := kv.Open(kv.Config{Path: path, Observer: commits})
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- s.Batch([]kv.Op{{NS: "/marks", Key: fmt.Sprintf("k%03d", i), Val: []byte{1}}})
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := commits.n.Load(); got >= n/2 {
		t.Errorf("%d Batch calls took %d commits; want them grouped", n, got)
	}
	s.Close()
	s = mustOpen(t, path)
	count := 0
	if err := s.Scan("/marks", "", func(string, []byte) bool { count++; return true }); err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Errorf("%d records stored, want %d", count, n)
	}
}

// Batch refuses what could fail the other callers' writes with it.
func TestStore_BatchTakesOnlyPlainHostWrites(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "a.db"))
	for _, op := range []kv.Op{
		{NS: "script", Key: "k", Val: []byte{1}},
		{NS: "/host", Key: "", Val: []byte{1}},
		{NS: "/host", Key: "k", Apply: func([]byte, bool) ([]byte, error) { return nil, nil }},
	} {
		if err := s.Batch([]kv.Op{op}); err == nil {
			t.Errorf("Batch(%+v) = nil, want an error", op)
		}
	}
	if err := s.Batch([]kv.Op{{NS: "/host", Key: "k", Val: []byte{1}}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get("/host", "k"); !ok {
		t.Error("the plain host write was not stored")
	}
}
