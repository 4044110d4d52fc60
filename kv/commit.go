package kv

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Op is one write in a Commit.
type Op struct {
	NS, Key string
	// Val is stored when Apply is nil; a nil Val deletes the key.
	Val []byte
	// Apply, when set, computes the new value from the current one inside
	// the commit's transaction (counters, read-modify-write); returning
	// nil deletes the key. It holds the store's write lock, so it must be
	// quick, and must not panic: a panic inside a transaction is taken for
	// a damaged file (damage.go).
	Apply func(cur []byte, ok bool) ([]byte, error)
}

// Commit applies ops in order in one transaction: all of them or none.
func (s *Store) Commit(ops []Op) error {
	if len(ops) == 0 {
		return nil
	}
	err := s.write(func(tx *bolt.Tx, q *quotaTx) error {
		for _, op := range ops {
			if op.Key == "" {
				return errors.New("empty key")
			}
			b, err := tx.CreateBucketIfNotExists([]byte(op.NS))
			if err != nil {
				return err
			}
			val := op.Val
			if op.Apply != nil {
				cur := b.Get([]byte(op.Key))
				if val, err = op.Apply(bytes.Clone(cur), cur != nil); err != nil {
					return fmt.Errorf("key %q: %w", op.Key, err)
				}
			}
			if val == nil {
				err = q.del(b, op.NS, []byte(op.Key))
			} else {
				err = q.put(b, op.NS, []byte(op.Key), val)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("kv: commit: %w", err)
	}
	return nil
}

// Scan calls fn for each key in namespace ns that starts with prefix, in
// key order, until fn returns false. val is a copy.
func (s *Store) Scan(ns, prefix string, fn func(key string, val []byte) bool) error {
	return s.ScanAfter(ns, prefix, "", fn)
}

// ScanAfter is Scan starting after the key after ("" from the start): a
// caller reading a long range page by page, in separate transactions,
// resumes with the last key it got.
func (s *Store) ScanAfter(ns, prefix, after string, fn func(key string, val []byte) bool) error {
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(ns))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		p := []byte(prefix)
		from := p
		if after > prefix {
			from = []byte(after)
		}
		for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if after != "" && string(k) == after {
				continue
			}
			if !fn(string(k), bytes.Clone(v)) {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("kv scan %q: %w", prefix, err)
	}
	return nil
}
