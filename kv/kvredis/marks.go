package kvredis

import "time"

func (s *Store) markKey(name string) string { return s.cfg.Prefix + "mark:" + name }

// MarkOnce sets the mark name unless it is set, for ttl, and reports
// whether this call set it: one SET NX with an expiry, so a mark costs one
// round trip and nothing prunes it. The host marks a handler's send with
// it before the send leaves (host/sends.go), so that any process of the
// bot re-running the handler for a redelivered event skips that send.
func (s *Store) MarkOnce(name string, ttl time.Duration) (bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	ok, err := s.rdb.SetNX(ctx, s.markKey(name), "1", ttl).Result()
	if err != nil {
		return false, s.wrap("mark", err)
	}
	return ok, nil
}
