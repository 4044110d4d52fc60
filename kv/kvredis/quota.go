package kvredis

import (
	"context"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/luabot/luabot/kv"
)

// Usage is kept on the server, in ku:NS, because every process writes the
// namespace: a count in one process's memory (as the bbolt file keeps)
// would miss the others' writes. Commit's server-side script checks it
// against the quota and changes it in the same atomic step as the values,
// so two processes cannot both pass the last byte of quota.

func withDefaults(q kv.Quota) kv.Quota {
	if q.Bytes == 0 {
		q.Bytes = kv.DefaultQuotaBytes
	}
	if q.Keys == 0 {
		q.Keys = kv.DefaultQuotaKeys
	}
	return q
}

// counted reports whether namespace ns is bounded (host namespaces, which
// start with "/", are not).
func counted(ns string) bool { return !strings.HasPrefix(ns, "/") }

// Usage reports what namespace ns holds.
func (s *Store) Usage(ns string) (kv.Usage, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.usage(ctx, s.rdb, ns)
}

func (s *Store) usage(ctx context.Context, c redis.Cmdable, ns string) (kv.Usage, error) {
	vals, err := c.HMGet(ctx, s.usageKey(ns), "b", "k").Result()
	if err != nil {
		return kv.Usage{}, s.wrap("usage of "+strconv.Quote(ns), err)
	}
	return kv.Usage{Bytes: toInt(vals[0]), Keys: toInt(vals[1])}, nil
}

func toInt(v any) int64 {
	s, _ := v.(string)
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// Fits reports, as a *kv.QuotaError, whether ns can take the change d on
// top of what it holds.
func (s *Store) Fits(ns string, d kv.Usage) error {
	if !counted(ns) {
		return nil
	}
	u, err := s.Usage(ns)
	if err != nil {
		return err
	}
	return s.check(ns, u, d)
}

func (s *Store) check(ns string, u, d kv.Usage) error {
	w := kv.Usage{Bytes: u.Bytes + d.Bytes, Keys: u.Keys + d.Keys}
	q := s.quotaOf(ns)
	switch {
	case d.Keys > 0 && q.Keys >= 0 && w.Keys > q.Keys:
		return &kv.QuotaError{NS: ns, Keys: true, Limit: q.Keys, Would: w.Keys, Holds: u.Keys, Growth: d.Keys}
	case d.Bytes > 0 && q.Bytes >= 0 && w.Bytes > q.Bytes:
		return &kv.QuotaError{NS: ns, Limit: q.Bytes, Would: w.Bytes, Holds: u.Bytes, Growth: d.Bytes}
	}
	return nil
}

// SetQuota gives namespace ns a quota of its own instead of the store's (a
// script's grant); zero fields take the store's. It holds in this process
// only: every process of a bot reads the same grants, so they agree.
func (s *Store) SetQuota(ns string, q kv.Quota) {
	if q.Bytes == 0 {
		q.Bytes = s.quota.Bytes
	}
	if q.Keys == 0 {
		q.Keys = s.quota.Keys
	}
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	if s.own == nil {
		s.own = map[string]kv.Quota{}
	}
	s.own[ns] = q
}

// quotaOf is the quota that bounds ns.
func (s *Store) quotaOf(ns string) kv.Quota {
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	if q, ok := s.own[ns]; ok {
		return q
	}
	return s.quota
}
