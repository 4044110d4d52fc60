package kvredis

import (
	"slices"
	"sort"
	"strings"
)

// Namespaces lists the namespaces that hold keys, sorted, as the bbolt
// store's Namespaces does, for the web console's kv view. It walks the
// server's keys with SCAN (never KEYS, which blocks the server) for the
// sorted sets of this bot's prefix: a console request, not a hot path.
func (s *Store) Namespaces() ([]string, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	prefix := s.cfg.Prefix + "kz:"
	var out []string
	var cursor uint64
	for {
		keys, next, err := s.rdb.Scan(ctx, cursor, globEscape(prefix)+"*", 1000).Result()
		if err != nil {
			return nil, s.wrap("list namespaces", err)
		}
		for _, k := range keys {
			out = append(out, strings.TrimPrefix(k, prefix))
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	sort.Strings(out)
	// SCAN may return a key twice across a rehash.
	return slices.Compact(out), nil
}

// globEscape quotes the characters SCAN's MATCH pattern treats specially, so
// a prefix matches only itself.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
