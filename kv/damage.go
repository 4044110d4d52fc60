package kv

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// bbolt trusts the file: a damaged page makes it panic ("invalid freelist
// page", "assertion failed: Page expected to be…") or, for a truncated file
// whose pages lie past the end of the mapping, fault. Every call into bbolt
// here goes through guard, which turns both into a *DamagedError, so a bad
// file is one error line for the operator, not a stack trace, and a
// script's kv call fails instead of taking the process down.

// DamagedError reports a store file whose contents bbolt cannot read.
type DamagedError struct {
	Path  string
	Cause string // what bbolt found, as it said it
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("kv: %s is damaged (%s); restore it from a backup, or move it aside to start with an empty store",
		e.Path, e.Cause)
}

// guard runs fn, turning a panic or memory fault inside it into a
// *DamagedError for the file at path.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		cause := firstLine(fmt.Sprint(r))
		if re, ok := r.(runtime.Error); ok && strings.Contains(re.Error(), "invalid memory address") {
			// What a fault on the mapping looks like once SetPanicOnFault
			// made it a panic: a page past the end of a cut-short file.
			cause = "a page could not be read from the file (cut short?)"
		}
		err = &DamagedError{Path: path, Cause: cause}
	}()
	return fn()
}

// view is db.View under guard. bbolt rolls the transaction back when fn
// panics, so the store stays usable for the pages that are intact.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	return guard(s.path, func() error { return s.db.View(fn) })
}

// update is db.Update under guard.
func (s *Store) update(fn func(*bolt.Tx) error) error {
	return guard(s.path, func() error { return s.db.Update(fn) })
}

// walk reads every key of every namespace once, in order. bbolt's Open
// reads only the header pages, so without this a damaged data page would
// show up later, in the middle of a handler, or not at all (a cursor can
// stop early on a page that still parses). It costs about a second per
// gigabyte with the file in the page cache.
func (s *Store) walk() error {
	err := s.view(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			var u *Usage
			if counted(string(name)) {
				u = &Usage{}
			}
			if err := walkBucket(b, u); err != nil {
				return err
			}
			if u != nil && u.Keys > 0 {
				s.usage.byNS[string(name)] = *u
			}
			return nil
		})
	})
	var damaged *DamagedError
	if err != nil && !errors.As(err, &damaged) {
		err = &DamagedError{Path: s.path, Cause: err.Error()}
	}
	return err
}

// walkBucket reads every key of b; when u is set it also adds up b's own
// keys and values (the namespace's usage, quota.go).
func walkBucket(b *bolt.Bucket, u *Usage) error {
	c := b.Cursor()
	var prev []byte
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			return fmt.Errorf("keys out of order after %q", prev)
		}
		prev = k
		if v != nil {
			if u != nil {
				u.Bytes += int64(len(k) + len(v))
				u.Keys++
			}
			continue
		}
		if child := b.Bucket(k); child != nil {
			if err := walkBucket(child, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
