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
	switch {
	case d.Keys > 0 && s.quota.Keys >= 0 && w.Keys > s.quota.Keys:
		return &kv.QuotaError{NS: ns, Keys: true, Limit: s.quota.Keys, Would: w.Keys, Holds: u.Keys, Growth: d.Keys}
	case d.Bytes > 0 && s.quota.Bytes >= 0 && w.Bytes > s.quota.Bytes:
		return &kv.QuotaError{NS: ns, Limit: s.quota.Bytes, Would: w.Bytes, Holds: u.Bytes, Growth: d.Bytes}
	}
	return nil
}
