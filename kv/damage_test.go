package kv_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/kv"
)

const pageSize = 4096 // bbolt's page size is the OS page size; the files here are written on Linux

// sampleStore writes a store of 300 keys of 500 bytes in two namespaces
// and returns its path.
func sampleStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bot.db")
	s, err := kv.Open(kv.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	ops := make([]kv.Op, 0, 300)
	for i := range 300 {
		ops = append(ops, kv.Op{NS: []string{"counter", "/gateway"}[i%2], Key: fmt.Sprintf("key%04d", i), Val: bytes.Repeat([]byte{byte(i)}, 500)})
	}
	if err := s.Commit(ops); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// metaField reads a page id from the current meta page: a meta page is a
// 16-byte page header, then magic, version, page size, flags (4 bytes
// each), the root bucket's page id (offset 32) and sequence, the freelist
// page id (48), the high-water mark (56), the transaction id (64).
func metaField(t *testing.T, path string, off int) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var best, bestTx uint64
	for m := range 2 {
		meta := b[m*pageSize:]
		if tx := binary.LittleEndian.Uint64(meta[64:]); tx >= bestTx {
			best, bestTx = binary.LittleEndian.Uint64(meta[off:]), tx
		}
	}
	return int64(best)
}

func scribble(t *testing.T, path string, off, n int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	junk := make([]byte, n)
	rand.New(rand.NewSource(off)).Read(junk)
	if _, err := f.WriteAt(junk, off); err != nil {
		t.Fatal(err)
	}
}

func truncate(t *testing.T, path string, size func(int64) int64) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size(fi.Size())); err != nil {
		t.Fatal(err)
	}
}

// A damaged file is an error naming the file, never a panic.
func TestOpen_DamagedFileIsAnError(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"both meta pages", func(t *testing.T, p string) { scribble(t, p, 0, 2*pageSize) }},
		{"freelist page", func(t *testing.T, p string) { scribble(t, p, metaField(t, p, 48)*pageSize, pageSize) }},
		{"the root page", func(t *testing.T, p string) { scribble(t, p, metaField(t, p, 32)*pageSize, pageSize) }},
		{"half the file gone", func(t *testing.T, p string) { truncate(t, p, func(n int64) int64 { return n / 2 }) }},
		{"all but the header gone", func(t *testing.T, p string) { truncate(t, p, func(int64) int64 { return 5000 }) }},
		{"shorter than a header", func(t *testing.T, p string) { truncate(t, p, func(int64) int64 { return 100 }) }},
		{"random from start to end", func(t *testing.T, p string) {
			fi, _ := os.Stat(p)
			scribble(t, p, 0, fi.Size())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := sampleStore(t)
			tt.damage(t, path)
			s, err := kv.Open(kv.Config{Path: path})
			if err == nil {
				s.Close()
				t.Fatal("a damaged file opened")
			}
			var damaged *kv.DamagedError
			if !errors.As(err, &damaged) || damaged.Path != path {
				t.Fatalf("err = %v (%T), want a *kv.DamagedError for %s", err, err, path)
			}
			msg := err.Error()
			for _, want := range []string{path, "damaged", "backup", "move it aside"} {
				if !bytes.Contains([]byte(msg), []byte(want)) {
					t.Errorf("%q does not say %q", msg, want)
				}
			}
			if bytes.ContainsAny([]byte(msg), "\n") || bytes.Contains([]byte(msg), []byte("--")) {
				t.Errorf("%q: want one line naming no flag", msg)
			}
			// The failed Open let go of the file: trying again finds it
			// damaged, not locked.
			if _, err := kv.Open(kv.Config{Path: path, LockTimeout: 100 * time.Millisecond}); !errors.As(err, &damaged) {
				t.Fatalf("second Open: %v", err)
			}
		})
	}
}

// Scribbling over any single page past the meta pages either is caught
// at Open or leaves every key readable (the page was free): nothing
// panics, and nothing is returned partially as if complete.
func TestOpen_EveryPageDamagedInTurn(t *testing.T) {
	clean := sampleStore(t)
	orig, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	pages := int64(len(orig)) / pageSize
	caught := 0
	for pg := int64(2); pg < pages; pg++ {
		path := filepath.Join(t.TempDir(), "bot.db")
		if err := os.WriteFile(path, orig, 0o600); err != nil {
			t.Fatal(err)
		}
		scribble(t, path, pg*pageSize, pageSize)
		s, err := kv.Open(kv.Config{Path: path})
		var damaged *kv.DamagedError
		if errors.As(err, &damaged) {
			caught++
			continue
		}
		if err != nil {
			t.Fatalf("page %d: %v", pg, err)
		}
		n := 0
		for _, ns := range []string{"counter", "/gateway"} {
			if err := s.Scan(ns, "", func(string, []byte) bool { n++; return true }); err != nil {
				t.Errorf("page %d: opened, then scan: %v", pg, err)
			}
		}
		s.Close()
		if n != 300 {
			t.Errorf("page %d: opened, then scan gave %d of 300 keys", pg, n)
		}
	}
	t.Logf("%d of %d damaged pages caught at Open", caught, pages-2)
	// The file is mostly live pages (one transaction wrote them).
	if caught < int(pages)/2 {
		t.Fatalf("%d damaged pages of %d were caught", caught, pages-2)
	}
}

func TestCheck_ReportsDamageOpenCannotSee(t *testing.T) {
	path := sampleStore(t)
	s := mustOpen(t, path)
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("a sound file: %v, %v", problems, err)
	}
	s.Close()
	// Meta page 0 alone: bbolt falls back on meta page 1, and its next
	// commit rewrites page 0; the check still says the page is bad.
	scribble(t, path, 0, pageSize)
	s = mustOpen(t, path)
	if problems, err := s.Check(); err != nil || len(problems) == 0 {
		t.Fatalf("damaged meta page: %v, %v", problems, err)
	}
}

// A file cut short at any page boundary is caught (bbolt maps past the
// end of the file, and touching those pages is a fault, not a panic) or,
// cut only in free pages, still reads completely.
func TestOpen_TruncatedAtEveryPage(t *testing.T) {
	clean := sampleStore(t)
	orig, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	faults := 0
	for pages := int64(len(orig))/pageSize - 1; pages >= 2; pages-- {
		path := filepath.Join(t.TempDir(), "bot.db")
		if err := os.WriteFile(path, orig[:pages*pageSize], 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := kv.Open(kv.Config{Path: path})
		var damaged *kv.DamagedError
		if errors.As(err, &damaged) {
			if strings.Contains(damaged.Cause, "cut short") {
				faults++
			}
			continue
		}
		if err != nil {
			t.Fatalf("%d pages: %v", pages, err)
		}
		n := 0
		for _, ns := range []string{"counter", "/gateway"} {
			if err := s.Scan(ns, "", func(string, []byte) bool { n++; return true }); err != nil {
				t.Errorf("%d pages: opened, then scan: %v", pages, err)
			}
		}
		s.Close()
		if n != 300 {
			t.Errorf("%d pages: opened, then scan gave %d of 300 keys", pages, n)
		}
	}
	if faults == 0 {
		t.Fatal("no cut reached a page past the end of the file: the test no longer covers faults")
	}
}
