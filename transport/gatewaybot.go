package transport

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/luabot/luabot/openapi"
)

// Bounds on what GET /gateway/bot says, and on shard counts generally. The platform's
// answers are small numbers (1 shard, 1000 sessions a day, reset within 24 h, 1 start per
// 5 s); anything outside these bounds is a broken or hostile answer, and each number
// reaches a loop, a make or a time.Duration.
const (
	// MaxShards is the most shards luabot runs: one goroutine and one connection each.
	MaxShards = 1024
	// maxConcurrency bounds session_start_limit.max_concurrency (starts per 5 s).
	maxConcurrency = 128
	// maxResetAfter bounds session_start_limit.reset_after: the limit is per 24 h.
	maxResetAfter = 24 * time.Hour
)

// checkGatewayBot keeps every number of a GET /gateway/bot answer within bounds, logging
// one line per number it changes, and refuses a recommended shard count above MaxShards
// when the caller set none: running fewer shards than the platform requires ends in close
// 4011 anyway, and that many connections are no accident.
func checkGatewayBot(gb *openapi.GatewayBot, shardsSet bool, log *slog.Logger) error {
	fix := func(field string, sent, used int, why string) {
		log.Warn("GET /gateway/bot: number out of range", "field", field, "sent", sent, "using", used, "problem", why)
	}
	switch {
	case gb.Shards < 1:
		if !shardsSet {
			fix("shards", gb.Shards, 1, "a shard count is at least 1")
		}
		gb.Shards = 1
	case gb.Shards > MaxShards && !shardsSet:
		return fmt.Errorf("transport: GET /gateway/bot recommends %d shards, more than luabot runs (%d); set the shard count explicitly", gb.Shards, MaxShards)
	}
	sl := &gb.SessionStartLimit
	if sl.Total < 0 {
		fix("session_start_limit.total", sl.Total, 0, "negative; treated as no limit reported")
		sl.Total = 0
	}
	if sl.Remaining < 0 {
		fix("session_start_limit.remaining", sl.Remaining, 0, "negative")
		sl.Remaining = 0
	}
	if sl.Total > 0 && sl.Remaining > sl.Total {
		fix("session_start_limit.remaining", sl.Remaining, sl.Total, "more than total")
		sl.Remaining = sl.Total
	}
	if limit := int(maxResetAfter / time.Millisecond); sl.ResetAfter < 0 || sl.ResetAfter > limit {
		used := min(max(sl.ResetAfter, 0), limit)
		fix("session_start_limit.reset_after", sl.ResetAfter, used, "milliseconds from 0 to 24 h")
		sl.ResetAfter = used
	}
	if sl.MaxConcurrency < 1 || sl.MaxConcurrency > maxConcurrency {
		used := min(max(sl.MaxConcurrency, 1), maxConcurrency)
		fix("session_start_limit.max_concurrency", sl.MaxConcurrency, used, fmt.Sprintf("starts per 5 s, from 1 to %d", maxConcurrency))
		sl.MaxConcurrency = used
	}
	return nil
}
