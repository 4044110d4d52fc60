package kvredis

import (
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// scanPage is how many keys one round trip of a scan reads.
const scanPage = 256

// Scan calls fn for each key in namespace ns that starts with prefix, in
// byte order, until fn returns false.
func (s *Store) Scan(ns, prefix string, fn func(key string, val []byte) bool) error {
	return s.ScanAfter(ns, prefix, "", fn)
}

// ScanAfter is Scan starting after the key after ("" from the start).
// Unlike the bbolt file's, a scan is read a page at a time, each page its
// own snapshot: a key written by another process meanwhile may or may not
// show, as with the Lua kv.scan's pages.
func (s *Store) ScanAfter(ns, prefix, after string, fn func(key string, val []byte) bool) error {
	ctx, cancel := s.ctx()
	defer cancel()
	min := "[" + prefix
	if after > prefix {
		min = "(" + after
	}
	max := "+"
	if succ, ok := successor(prefix); ok {
		max = "(" + succ
	}
	for {
		keys, err := s.rdb.ZRangeByLex(ctx, s.orderKey(ns), &redis.ZRangeBy{Min: min, Max: max, Count: scanPage}).Result()
		if err != nil {
			return fmt.Errorf("kv scan %q: %w", prefix, s.wrap("scan", err))
		}
		if len(keys) == 0 {
			return nil
		}
		vals, err := s.rdb.HMGet(ctx, s.valuesKey(ns), keys...).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("kv scan %q: %w", prefix, s.wrap("scan", err))
		}
		for i, k := range keys {
			v, ok := vals[i].(string)
			if !ok {
				continue // deleted between the two reads
			}
			if !fn(k, []byte(v)) {
				return nil
			}
		}
		if len(keys) < scanPage {
			return nil
		}
		min = "(" + keys[len(keys)-1]
	}
}

// successor is the least string greater than every string starting with p;
// ok is false when there is none (p empty or all 0xff).
func successor(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}
