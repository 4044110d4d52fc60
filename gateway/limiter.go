package gateway

import (
	"context"
	"sync"
	"time"
)

// StartLimiter paces session starts (Identify) across shards: at most n in any window of
// length per, as session_start_limit.max_concurrency allows n per 5 s (§2.2). Its Wait
// fits Config.BeforeIdentify. It is safe for concurrent use.
type StartLimiter struct {
	n   int
	per time.Duration

	mu    sync.Mutex
	slots []time.Time // start times handed out, oldest first; at most n kept
}

// NewStartLimiter allows n starts per window; n < 1 counts as 1.
func NewStartLimiter(n int, per time.Duration) *StartLimiter {
	return &StartLimiter{n: max(n, 1), per: per}
}

// Wait blocks until a start is allowed, or ctx is done.
func (l *StartLimiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	at := time.Now()
	if len(l.slots) >= l.n {
		if earliest := l.slots[len(l.slots)-l.n].Add(l.per); earliest.After(at) {
			at = earliest
		}
	}
	l.slots = append(l.slots, at)
	if len(l.slots) > l.n {
		l.slots = append(l.slots[:0], l.slots[len(l.slots)-l.n:]...)
	}
	l.mu.Unlock()

	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
