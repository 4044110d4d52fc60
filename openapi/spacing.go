package openapi

import (
	"context"
	"sync"
	"time"
)

// maxIdleRoutes bounds the spacer's table: when it grows past this, buckets
// that have refilled completely (idle routes) are dropped.
const maxIdleRoutes = 1024

// spacer keeps requests to one route apart: a token bucket per route key that
// holds burst tokens and gains one every interval. wait reserves the next
// token under the lock and then sleeps outside it, so concurrent callers queue
// in arrival order without holding anything while they wait. A nil spacer
// (spacing disabled) never waits.
type spacer struct {
	burst    int
	interval time.Duration

	mu     sync.Mutex
	routes map[string]*bucket
}

// bucket is one route's state: the time at which it would be full again.
// Storing "full at" instead of a token count makes refill implicit.
type bucket struct{ fullAt time.Time }

func newSpacer(burst int, interval time.Duration) *spacer {
	if burst < 0 || interval <= 0 {
		return nil
	}
	return &spacer{burst: burst, interval: interval, routes: map[string]*bucket{}}
}

// reserve returns how long the caller must wait before sending on key.
func (s *spacer) reserve(key string, now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.routes) > maxIdleRoutes {
		for k, b := range s.routes {
			if !b.fullAt.After(now) {
				delete(s.routes, k)
			}
		}
	}
	b := s.routes[key]
	if b == nil {
		b = &bucket{fullAt: now}
		s.routes[key] = b
	}
	if b.fullAt.Before(now) {
		b.fullAt = now
	}
	// Taking a token pushes "full" one interval further; the bucket is empty
	// when full is burst intervals away, and each token beyond that waits.
	b.fullAt = b.fullAt.Add(s.interval)
	capacity := time.Duration(s.burst) * s.interval
	if wait := b.fullAt.Sub(now) - capacity; wait > 0 {
		return wait
	}
	return 0
}

// wait blocks until a request on key may go out, or ctx ends.
func (s *spacer) wait(ctx context.Context, key string) error {
	if s == nil {
		return nil
	}
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
