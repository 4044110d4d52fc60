package kvredis

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Shard leases and the processes holding them (transport's shard sharing
// and `luabot status`):
//
//	lease:N   string  "OWNER|VERSION", expiring   who serves shard N
//	leasev:N  counter                             bumped each time N changes hands
//	procs     zset    OWNER, score = expiry (ms)  the live processes sharing shards
//	fixed     zset    OWNER, score = expiry (ms)  the live processes with fixed shards
//	proc:OWNER string JSON Process, expiring      what each one holds
//
// The version is the fencing token: a process whose lease lapsed and was
// taken gets a different version back when it tries to renew, and stops.

// acquireScript takes or renews a lease atomically: renewed when OWNER
// already holds it, taken with a new version when nobody does, refused (-1)
// when another process does.
var acquireScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
  local o, v = string.match(cur, '^(.*)|(%d+)$')
  if o == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(v)
  end
  return -1
end
local v = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. v, 'PX', ARGV[2])
return v
`)

// releaseScript deletes a lease only if OWNER holds it.
var releaseScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and string.match(cur, '^(.*)|%d+$') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

func (s *Store) leaseKey(shard int) string   { return s.cfg.Prefix + "lease:" + strconv.Itoa(shard) }
func (s *Store) versionKey(shard int) string { return s.cfg.Prefix + "leasev:" + strconv.Itoa(shard) }
func (s *Store) procsKey() string            { return s.cfg.Prefix + "procs" }
func (s *Store) fixedKey() string            { return s.cfg.Prefix + "fixed" }
func (s *Store) procKey(owner string) string { return s.cfg.Prefix + "proc:" + owner }

// Acquire takes or renews shard's lease for owner until ttl from now. ok
// is false when another process holds it; version changes whenever the
// lease changes hands.
func (s *Store) Acquire(shard int, owner string, ttl time.Duration) (version int64, ok bool, err error) {
	ctx, cancel := s.ctx()
	defer cancel()
	v, err := acquireScript.Run(ctx, s.rdb, []string{s.leaseKey(shard), s.versionKey(shard)}, owner, ttl.Milliseconds()).Int64()
	if err != nil {
		return 0, false, s.wrap(fmt.Sprintf("lease of shard %d", shard), err)
	}
	return v, v >= 0, nil
}

// Release gives shard's lease up if owner holds it.
func (s *Store) Release(shard int, owner string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	if err := releaseScript.Run(ctx, s.rdb, []string{s.leaseKey(shard)}, owner).Err(); err != nil {
		return s.wrap(fmt.Sprintf("release shard %d", shard), err)
	}
	return nil
}

// Process is one live process of the bot, as it last reported itself.
type Process struct {
	Owner   string    `json:"owner"`
	Shards  []int     `json:"shards"`
	Renewed time.Time `json:"renewed"` // when it last renewed its leases
}

// Heartbeat records that owner is alive and holds shards, until ttl from
// now, and returns the owners of every live process sharing shards (owner
// included).
func (s *Store) Heartbeat(owner string, shards []int, ttl time.Duration) ([]string, error) {
	return s.heartbeat(s.procsKey(), owner, shards, ttl)
}

// Announce records that owner, a process serving a fixed set of shards
// (or webhooks), is alive, for `luabot status`. It is kept apart from the
// processes sharing shards, so it does not count in their fair shares.
func (s *Store) Announce(owner string, shards []int, ttl time.Duration) error {
	_, err := s.heartbeat(s.fixedKey(), owner, shards, ttl)
	return err
}

func (s *Store) heartbeat(set, owner string, shards []int, ttl time.Duration) ([]string, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	now := time.Now()
	info, _ := json.Marshal(Process{Owner: owner, Shards: shards, Renewed: now})
	var live *redis.StringSliceCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, set, redis.Z{Score: float64(now.Add(ttl).UnixMilli()), Member: owner})
		p.ZRemRangeByScore(ctx, set, "-inf", strconv.FormatInt(now.UnixMilli(), 10))
		p.Set(ctx, s.procKey(owner), info, ttl)
		live = p.ZRange(ctx, set, 0, -1)
		return nil
	})
	if err != nil {
		return nil, s.wrap("heartbeat", err)
	}
	return live.Val(), nil
}

// Leave removes owner from the live processes (a clean shutdown), so that
// the others rebalance at once instead of after its lease.
func (s *Store) Leave(owner string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.procsKey(), owner)
		p.ZRem(ctx, s.fixedKey(), owner)
		p.Del(ctx, s.procKey(owner))
		return nil
	})
	if err != nil {
		return s.wrap("leave", err)
	}
	return nil
}

// Processes returns the live processes, for `luabot status`.
func (s *Store) Processes() ([]Process, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	var owners []string
	for _, set := range []string{s.procsKey(), s.fixedKey()} {
		o, err := s.rdb.ZRangeByScore(ctx, set, &redis.ZRangeBy{Min: strconv.FormatInt(time.Now().UnixMilli(), 10), Max: "+inf"}).Result()
		if err != nil {
			return nil, s.wrap("processes", err)
		}
		owners = append(owners, o...)
	}
	var out []Process
	for _, o := range owners {
		raw, err := s.rdb.Get(ctx, s.procKey(o)).Bytes()
		if err != nil {
			continue // gone meanwhile
		}
		var p Process
		if json.Unmarshal(raw, &p) == nil {
			out = append(out, p)
		}
	}
	return out, nil
}
