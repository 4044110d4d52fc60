package kvredis

import (
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/luabot/luabot/kv"
)

// maxAttempts bounds how often Commit runs again because another client
// wrote a namespace it read: the same bound as the Lua kv.update's.
const maxAttempts = 100

type nsKey struct{ ns, key string }

type current struct {
	val []byte
	ok  bool
}

// Commit applies ops in order, all of them or none.
func (s *Store) Commit(ops []kv.Op) error {
	if len(ops) == 0 {
		return nil
	}
	for _, op := range ops {
		if op.Key == "" {
			return errors.New("kv: commit: empty key")
		}
	}
	var watch []string
	seenNS := map[string]bool{}
	for _, op := range ops {
		if !seenNS[op.NS] {
			seenNS[op.NS] = true
			watch = append(watch, s.valuesKey(op.NS))
			if counted(op.NS) {
				watch = append(watch, s.usageKey(op.NS))
			}
		}
	}
	ctx, cancel := s.ctx()
	defer cancel()
	for attempt := 1; ; attempt++ {
		var opErr error
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			opErr = nil
			// Read every key the ops touch, and the usage of the bounded
			// namespaces, in one round trip.
			var keys []nsKey
			seen := map[nsKey]bool{}
			for _, op := range ops {
				k := nsKey{op.NS, op.Key}
				if !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
			pipe := tx.Pipeline()
			gets := make([]*redis.StringCmd, len(keys))
			for i, k := range keys {
				gets[i] = pipe.HGet(ctx, s.valuesKey(k.ns), k.key)
			}
			usages := map[string]*redis.SliceCmd{}
			for ns := range seenNS {
				if counted(ns) {
					usages[ns] = pipe.HMGet(ctx, s.usageKey(ns), "b", "k")
				}
			}
			if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
				return err
			}
			state := make(map[nsKey]current, len(keys))
			for i, k := range keys {
				v, err := gets[i].Bytes()
				switch {
				case errors.Is(err, redis.Nil):
				case err != nil:
					return err
				default:
					state[k] = current{v, true}
				}
			}
			// Apply the ops in order over the state read.
			delta := map[string]kv.Usage{}
			for _, op := range ops {
				k := nsKey{op.NS, op.Key}
				cur := state[k]
				val := op.Val
				if op.Apply != nil {
					var err error
					if val, err = op.Apply(append([]byte(nil), cur.val...), cur.ok); err != nil {
						opErr = fmt.Errorf("key %q: %w", op.Key, err)
						return nil
					}
				}
				if counted(op.NS) {
					d := kv.Change(op.Key, len(cur.val), cur.ok, val)
					delta[op.NS] = kv.Usage{Bytes: delta[op.NS].Bytes + d.Bytes, Keys: delta[op.NS].Keys + d.Keys}
				}
				if val == nil {
					state[k] = current{}
				} else {
					state[k] = current{val, true}
				}
			}
			for ns, d := range delta {
				vals := usages[ns].Val()
				u := kv.Usage{Bytes: toInt(vals[0]), Keys: toInt(vals[1])}
				if err := s.check(ns, u, d); err != nil {
					opErr = err
					return nil
				}
			}
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					c := state[k]
					if c.ok {
						p.HSet(ctx, s.valuesKey(k.ns), k.key, c.val)
						p.ZAdd(ctx, s.orderKey(k.ns), redis.Z{Member: k.key})
					} else {
						p.HDel(ctx, s.valuesKey(k.ns), k.key)
						p.ZRem(ctx, s.orderKey(k.ns), k.key)
					}
				}
				for ns, d := range delta {
					if d.Bytes != 0 {
						p.HIncrBy(ctx, s.usageKey(ns), "b", d.Bytes)
					}
					if d.Keys != 0 {
						p.HIncrBy(ctx, s.usageKey(ns), "k", d.Keys)
					}
				}
				return nil
			})
			return err
		}, watch...)
		switch {
		case errors.Is(err, redis.TxFailedErr) && attempt < maxAttempts:
			continue
		case errors.Is(err, redis.TxFailedErr):
			return fmt.Errorf("kv: commit: other writers changed the namespace %d times in a row; try again later", attempt)
		case err != nil:
			return fmt.Errorf("kv: commit: %w", s.wrap("commit", err))
		case opErr != nil:
			return fmt.Errorf("kv: commit: %w", opErr)
		}
		return nil
	}
}
