package kvredis

import (
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// The gateway's dedup window, shared by the bot's processes: one key per
// event, seen:ID, holding "p" while a process handles it (webhooks only)
// and "d" once it was handled. Keys expire on their own, which is what a
// window is; nothing else counts them.
const (
	// pendingFor is how long a webhook event stays claimed by the process
	// handling it: longer than a handler runs, shorter than the platform's
	// retries keep coming, so an event whose process died is handled by a
	// later retry.
	pendingFor = time.Minute
	// seenFor is how long a handled event is remembered: as long as the
	// host's handled-event records, past any replay or retry.
	seenFor = time.Hour
)

func (s *Store) seenKey(id string) string { return s.cfg.Prefix + "seen:" + id }

// Claim implements gateway.SharedWindow.
func (s *Store) Claim(id string, pending bool) (bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	if pending {
		ok, err := s.rdb.SetNX(ctx, s.seenKey(id), "p", pendingFor).Result()
		if err != nil {
			return false, s.wrap("dedup claim", err)
		}
		return ok, nil
	}
	v, err := s.rdb.Get(ctx, s.seenKey(id)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return true, nil
	case err != nil:
		return false, s.wrap("dedup claim", err)
	}
	return v != "d", nil
}

// Settle implements gateway.SharedWindow.
func (s *Store) Settle(id string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	if err := s.rdb.Set(ctx, s.seenKey(id), "d", seenFor).Err(); err != nil {
		return s.wrap("dedup settle", err)
	}
	return nil
}

func (s *Store) tickKey(name string) string { return s.cfg.Prefix + "tick:" + name }

// ClaimTick reports whether this process is the first to claim the timer
// tick name (SET NX); the claim lapses after ttl.
func (s *Store) ClaimTick(name string, ttl time.Duration) (bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	ok, err := s.rdb.SetNX(ctx, s.tickKey(name), "1", ttl).Result()
	if err != nil {
		return false, s.wrap("timer claim", err)
	}
	return ok, nil
}
