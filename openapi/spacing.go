package openapi

import (
	"context"
	"sync"
	"time"
)

const (
	// maxIdleRoutes bounds the spacer's table: when it grows past this (or
	// past twice what the last sweep kept), routes with no pending
	// reservation and no recent 429 are dropped.
	maxIdleRoutes = 1024
	// slowWindow is how long after its last 429 a route stays spaced.
	slowWindow = 10 * time.Second
)

// spacer keeps requests to one route (method and path) apart. Two rules:
//
//   - After a 429 on a route, every request on it waits until the backoff the
//     429 imposed has passed, and for slowWindow afterwards requests on the
//     route go out one per interval. A burst that hit the limit is thus
//     serialised instead of each request tripping the limit again.
//   - With burst > 0 there is also a standing token bucket per route: burst
//     requests at once, then one per interval.
//
// wait reserves a slot under the lock and sleeps outside it, so concurrent
// callers queue in arrival order without holding anything while they wait.
type spacer struct {
	burst    int // 0: no standing limit
	interval time.Duration

	mu     sync.Mutex
	routes map[string]*bucket
	// sweepAt is the table size that triggers the next sweep. Doubling it
	// past what a sweep kept keeps sweeps amortised O(1) per request: a
	// fixed threshold had every request walk the whole table once more
	// than maxIdleRoutes routes were busy (a bot answering many users, each
	// reply its own path).
	sweepAt int
	sweeps  int // how many sweeps so far (read by tests)
}

type bucket struct {
	fullAt       time.Time // standing bucket: when it would be full again
	next         time.Time // slow mode: earliest next slot
	blockedUntil time.Time // no request before this (after a 429)
	slowUntil    time.Time // slow mode ends
}

func newSpacer(burst int, interval time.Duration) *spacer {
	return &spacer{burst: max(burst, 0), interval: interval, routes: map[string]*bucket{}, sweepAt: maxIdleRoutes}
}

// route returns key's bucket, creating it; s.mu is held.
func (s *spacer) route(key string, now time.Time) *bucket {
	if len(s.routes) > s.sweepAt {
		for k, b := range s.routes {
			if !b.fullAt.After(now) && !b.next.After(now) && !b.slowUntil.After(now) {
				delete(s.routes, k)
			}
		}
		s.sweepAt = max(maxIdleRoutes, 2*len(s.routes))
		s.sweeps++
	}
	b := s.routes[key]
	if b == nil {
		b = &bucket{fullAt: now}
		s.routes[key] = b
	}
	return b
}

// reserve returns how long the caller must wait before sending on key.
func (s *spacer) reserve(key string, now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.route(key, now)
	slot := now
	if b.blockedUntil.After(slot) {
		slot = b.blockedUntil
	}
	if b.slowUntil.After(now) {
		if b.next.After(slot) {
			slot = b.next
		}
		b.next = slot.Add(s.interval)
	}
	if s.burst > 0 {
		if b.fullAt.Before(now) {
			b.fullAt = now
		}
		// Taking a token pushes "full" one interval further; beyond burst
		// intervals away, the caller waits for the difference.
		b.fullAt = b.fullAt.Add(s.interval)
		if at := b.fullAt.Add(-time.Duration(s.burst) * s.interval); at.After(slot) {
			slot = at
		}
	}
	return slot.Sub(now)
}

// penalize records a 429 on key: nothing goes out on it for d, then requests
// are spaced for slowWindow.
func (s *spacer) penalize(key string, d time.Duration) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.route(key, now)
	if until := now.Add(d); until.After(b.blockedUntil) {
		b.blockedUntil = until
	}
	b.slowUntil = b.blockedUntil.Add(slowWindow)
}

// wait blocks until a request on key may go out, or ctx ends.
func (s *spacer) wait(ctx context.Context, key string) error {
	d := s.reserve(key, time.Now())
	if d <= 0 {
		return nil
	}
	return sleepCtx(ctx, d)
}

// sleepCtx waits d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
