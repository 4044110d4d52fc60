package kv

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Default quota of one script namespace (a script's own, or a kv.open one).
const (
	DefaultQuotaBytes = 64 << 20
	DefaultQuotaKeys  = 100_000
)

// Quota bounds what one namespace may hold: Bytes counts every key and
// value (expired values too, until written again), Keys the keys. Zero
// means the default; a negative value means no limit. Host namespaces (a
// name starting with "/") are not bounded.
type Quota struct {
	Bytes int64
	Keys  int64
}

func (q Quota) withDefaults() Quota {
	if q.Bytes == 0 {
		q.Bytes = DefaultQuotaBytes
	}
	if q.Keys == 0 {
		q.Keys = DefaultQuotaKeys
	}
	return q
}

// Usage is what a namespace holds, or a change to it.
type Usage struct {
	Bytes int64 // keys and values
	Keys  int64
}

func (u Usage) add(d Usage) Usage { return Usage{u.Bytes + d.Bytes, u.Keys + d.Keys} }

// ErrQuota is wrapped by every *QuotaError.
var ErrQuota = errors.New("kv: namespace quota exceeded")

// QuotaError is a write refused because its namespace would pass its quota.
type QuotaError struct {
	NS     string
	Keys   bool  // the key count would pass; else the bytes would
	Limit  int64 // the quota passed
	Would  int64 // what the namespace would hold
	Holds  int64 // what it holds now
	Growth int64 // what the refused writes add
}

func (e *QuotaError) Error() string {
	if e.Keys {
		return fmt.Sprintf("kv: namespace %q would hold %d keys, over its quota of %d keys (it holds %d); delete keys, or ask the operator for a larger quota",
			e.NS, e.Would, e.Limit, e.Holds)
	}
	limit := fmt.Sprintf("%d bytes", e.Limit)
	if e.Limit%(1<<20) == 0 {
		limit = fmt.Sprintf("%d MiB", e.Limit>>20)
	}
	return fmt.Sprintf("kv: namespace %q would hold %d bytes, over its quota of %s (it holds %d); delete keys, or ask the operator for a larger quota",
		e.NS, e.Would, limit, e.Holds)
}

func (e *QuotaError) Unwrap() error { return ErrQuota }

// counted reports whether namespace ns is bounded by the quota.
func counted(ns string) bool { return !strings.HasPrefix(ns, "/") }

// usageBook keeps each bounded namespace's usage in memory: counted once at
// Open (during the walk that reads every key anyway) and then changed by
// every committed write transaction, whose changes are added up as it runs
// (quotaTx). Keeping it in memory costs no extra write per transaction and
// cannot drift from the file, since nothing else writes the file while the
// store holds its lock. writing is held across a whole write transaction,
// so the check inside it and the update after the commit see no other
// writer in between (bbolt admits one writer at a time anyway); mu guards
// byNS only for moments, so Fits never waits for a commit's fsync.
type usageBook struct {
	writing sync.Mutex
	mu      sync.Mutex
	quota   Quota
	byNS    map[string]Usage
	// own holds the quotas set for single namespaces (SetQuota), which
	// replace quota for them.
	own map[string]Quota
}

// SetQuota gives namespace ns a quota of its own instead of the store's (a
// script's grant); zero fields take the store's. Writes already stored are
// kept even when they pass it; the next write that grows ns is refused.
func (s *Store) SetQuota(ns string, q Quota) {
	s.usage.mu.Lock()
	defer s.usage.mu.Unlock()
	if q.Bytes == 0 {
		q.Bytes = s.usage.quota.Bytes
	}
	if q.Keys == 0 {
		q.Keys = s.usage.quota.Keys
	}
	if s.usage.own == nil {
		s.usage.own = map[string]Quota{}
	}
	s.usage.own[ns] = q
}

// Usage reports what namespace ns holds.
func (s *Store) Usage(ns string) Usage {
	s.usage.mu.Lock()
	defer s.usage.mu.Unlock()
	return s.usage.byNS[ns]
}

// Fits reports, as a *QuotaError, whether ns can take the change d on top of
// what it holds (a caller checking buffered writes before it commits them).
func (s *Store) Fits(ns string, d Usage) error {
	if !counted(ns) {
		return nil
	}
	s.usage.mu.Lock()
	defer s.usage.mu.Unlock()
	return s.usage.check(ns, d)
}

// check is Fits with mu held.
func (b *usageBook) check(ns string, d Usage) error {
	u := b.byNS[ns]
	w := u.add(d)
	q, ok := b.own[ns]
	if !ok {
		q = b.quota
	}
	switch {
	case d.Keys > 0 && q.Keys >= 0 && w.Keys > q.Keys:
		return &QuotaError{NS: ns, Keys: true, Limit: q.Keys, Would: w.Keys, Holds: u.Keys, Growth: d.Keys}
	case d.Bytes > 0 && q.Bytes >= 0 && w.Bytes > q.Bytes:
		return &QuotaError{NS: ns, Limit: q.Bytes, Would: w.Bytes, Holds: u.Bytes, Growth: d.Bytes}
	}
	return nil
}

// Size reports the stored size of key in ns (its value's length).
func (s *Store) Size(ns, key string) (n int, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(ns)); b != nil {
			if v := b.Get([]byte(key)); v != nil {
				n, ok = len(v), true
			}
		}
		return nil
	})
	return n, ok, err
}

// Change is the change to a namespace's usage of replacing a value of
// oldLen (absent when !had) at key with newVal (nil: deleted).
func Change(key string, oldLen int, had bool, newVal []byte) Usage {
	switch {
	case newVal != nil && had:
		return Usage{Bytes: int64(len(newVal) - oldLen)}
	case newVal != nil:
		return Usage{Bytes: int64(len(key) + len(newVal)), Keys: 1}
	case had:
		return Usage{Bytes: -int64(len(key) + oldLen), Keys: -1}
	}
	return Usage{}
}

// quotaTx adds up one write transaction's changes per namespace.
type quotaTx struct {
	delta map[string]Usage
}

func (q *quotaTx) put(b *bolt.Bucket, ns string, key, val []byte) error {
	if counted(ns) {
		old := b.Get(key)
		q.delta[ns] = q.delta[ns].add(Change(string(key), len(old), old != nil, val))
	}
	return b.Put(key, val)
}

func (q *quotaTx) del(b *bolt.Bucket, ns string, key []byte) error {
	if counted(ns) {
		if old := b.Get(key); old != nil {
			q.delta[ns] = q.delta[ns].add(Change(string(key), len(old), true, nil))
		}
	}
	return b.Delete(key)
}

// write runs fn in a write transaction that is refused (rolled back) when
// it would take a namespace past its quota, and records the change when it
// commits.
func (s *Store) write(fn func(tx *bolt.Tx, q *quotaTx) error) (err error) {
	if s.observer != nil {
		start := time.Now()
		defer func() { s.observer.Commit(time.Since(start), err) }()
	}
	s.usage.writing.Lock()
	defer s.usage.writing.Unlock()
	q := &quotaTx{}
	err = s.update(func(tx *bolt.Tx) error {
		q.delta = map[string]Usage{}
		if err := fn(tx, q); err != nil {
			return err
		}
		s.usage.mu.Lock()
		defer s.usage.mu.Unlock()
		for ns, d := range q.delta {
			if err := s.usage.check(ns, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.usage.mu.Lock()
	defer s.usage.mu.Unlock()
	for ns, d := range q.delta {
		s.usage.byNS[ns] = s.usage.byNS[ns].add(d)
	}
	return nil
}
