package kvredis

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/luabot/luabot/kv"
)

// maxAttempts bounds how often Commit runs again because another client
// changed a key it read: the same bound as the Lua kv.update's.
const maxAttempts = 100

type nsKey struct{ ns, key string }

type current struct {
	val []byte
	ok  bool
}

// commitScript is the write half of a Commit, run atomically on the server:
// it checks that every key still holds what the read half saw (else
// "conflict": the commit runs again), that no bounded namespace passes its
// quota (counted on the server, so every process's writes count), and only
// then writes the values, the key order and the usage.
//
//	KEYS: for each written key its namespace's values hash and order set,
//	      then each bounded namespace's usage hash
//	ARGV: n, m, then per key field, had, old, has, new (5 each), then per
//	      namespace bytes delta, keys delta, bytes limit, keys limit
var commitScript = redis.NewScript(`
local n, m = tonumber(ARGV[1]), tonumber(ARGV[2])
local a = 3
for i = 1, n do
  local cur = redis.call('HGET', KEYS[2*i-1], ARGV[a])
  if ARGV[a+1] == '1' then
    if cur == false or cur ~= ARGV[a+2] then return {'conflict'} end
  elseif cur ~= false then
    return {'conflict'}
  end
  a = a + 5
end
local b = a
for j = 1, m do
  local k = KEYS[2*n+j]
  local db, dk = tonumber(ARGV[b]), tonumber(ARGV[b+1])
  local lb, lk = tonumber(ARGV[b+2]), tonumber(ARGV[b+3])
  local ub = tonumber(redis.call('HGET', k, 'b') or '0')
  local uk = tonumber(redis.call('HGET', k, 'k') or '0')
  if dk > 0 and lk >= 0 and uk + dk > lk then return {'quota', tostring(j), 'k', tostring(uk)} end
  if db > 0 and lb >= 0 and ub + db > lb then return {'quota', tostring(j), 'b', tostring(ub)} end
  b = b + 4
end
a = 3
for i = 1, n do
  if ARGV[a+3] == '1' then
    redis.call('HSET', KEYS[2*i-1], ARGV[a], ARGV[a+4])
    redis.call('ZADD', KEYS[2*i], 0, ARGV[a])
  else
    redis.call('HDEL', KEYS[2*i-1], ARGV[a])
    redis.call('ZREM', KEYS[2*i], ARGV[a])
  end
  a = a + 5
end
b = a
for j = 1, m do
  local k = KEYS[2*n+j]
  if ARGV[b] ~= '0' then redis.call('HINCRBY', k, 'b', ARGV[b]) end
  if ARGV[b+1] ~= '0' then redis.call('HINCRBY', k, 'k', ARGV[b+1]) end
  b = b + 4
end
return {'ok'}
`)

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
	var keys []nsKey
	seen := map[nsKey]bool{}
	for _, op := range ops {
		if k := (nsKey{op.NS, op.Key}); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	ctx, cancel := s.ctx()
	defer cancel()
	for attempt := 1; ; attempt++ {
		// Read every key the ops touch in one round trip.
		pipe := s.rdb.Pipeline()
		gets := make([]*redis.StringCmd, len(keys))
		for i, k := range keys {
			gets[i] = pipe.HGet(ctx, s.valuesKey(k.ns), k.key)
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("kv: commit: %w", s.wrap("commit", err))
		}
		before := make(map[nsKey]current, len(keys))
		for i, k := range keys {
			v, err := gets[i].Bytes()
			switch {
			case errors.Is(err, redis.Nil):
			case err != nil:
				return fmt.Errorf("kv: commit: %w", s.wrap("commit", err))
			default:
				before[k] = current{v, true}
			}
		}
		// Apply the ops in order over what was read.
		state := make(map[nsKey]current, len(keys))
		for k, c := range before {
			state[k] = c
		}
		delta := map[string]kv.Usage{}
		var order []string // bounded namespaces in first-use order
		for _, op := range ops {
			k := nsKey{op.NS, op.Key}
			cur := state[k]
			val := op.Val
			if op.Apply != nil {
				var err error
				if val, err = op.Apply(append([]byte(nil), cur.val...), cur.ok); err != nil {
					return fmt.Errorf("kv: commit: key %q: %w", op.Key, err)
				}
			}
			if counted(op.NS) {
				if _, ok := delta[op.NS]; !ok {
					order = append(order, op.NS)
				}
				d := kv.Change(op.Key, len(cur.val), cur.ok, val)
				delta[op.NS] = kv.Usage{Bytes: delta[op.NS].Bytes + d.Bytes, Keys: delta[op.NS].Keys + d.Keys}
			}
			if val == nil {
				state[k] = current{}
			} else {
				state[k] = current{val, true}
			}
		}
		// Write, if nothing read changed meanwhile.
		rkeys := make([]string, 0, 2*len(keys)+len(order))
		args := make([]any, 0, 2+5*len(keys)+4*len(order))
		args = append(args, len(keys), len(order))
		for _, k := range keys {
			rkeys = append(rkeys, s.valuesKey(k.ns), s.orderKey(k.ns))
			b, a := before[k], state[k]
			args = append(args, k.key, flag(b.ok), b.val, flag(a.ok), a.val)
		}
		for _, ns := range order {
			rkeys = append(rkeys, s.usageKey(ns))
			d := delta[ns]
			q := s.quotaOf(ns)
			args = append(args, d.Bytes, d.Keys, q.Bytes, q.Keys)
		}
		res, err := commitScript.Run(ctx, s.rdb, rkeys, args...).StringSlice()
		if err != nil {
			return fmt.Errorf("kv: commit: %w", s.wrap("commit", err))
		}
		switch res[0] {
		case "ok":
			return nil
		case "quota":
			j, _ := strconv.Atoi(res[1])
			holds, _ := strconv.ParseInt(res[3], 10, 64)
			ns := order[j-1]
			d := delta[ns]
			u := kv.Usage{Bytes: holds, Keys: holds}
			if res[2] == "k" {
				u.Bytes = 0
				d.Bytes = 0
			} else {
				u.Keys = 0
				d.Keys = 0
			}
			if err := s.check(ns, u, d); err != nil {
				return fmt.Errorf("kv: commit: %w", err)
			}
			return fmt.Errorf("kv: commit: namespace %q is over its quota", ns)
		}
		if attempt >= maxAttempts {
			return fmt.Errorf("kv: commit: other writers changed the keys %d times in a row; try again later", attempt)
		}
	}
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
