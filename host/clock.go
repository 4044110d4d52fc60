package host

import (
	"sort"
	"sync"
	"time"
)

// VirtualClock is a bindings.Clock whose time only moves when Advance is
// called, for tests and `luabot test`: timers, sleep and wait_for
// timeouts fire in order, without waiting for real time.
type VirtualClock struct {
	mu      sync.Mutex
	now     time.Time
	pending []*virtualTimer
	seq     int
}

type virtualTimer struct {
	at   time.Time
	seq  int // keeps timers due at the same instant in creation order
	f    func()
	done bool
}

// NewVirtualClock returns a clock reading start.
func NewVirtualClock(start time.Time) *VirtualClock { return &VirtualClock{now: start} }

// Now implements bindings.Clock.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc implements bindings.Clock. A timer due now (d <= 0) fires at
// once, as time.AfterFunc's does, without waiting for Advance.
func (c *VirtualClock) AfterFunc(d time.Duration, f func()) func() bool {
	if d <= 0 {
		go f()
		return func() bool { return false }
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &virtualTimer{at: c.now.Add(d), seq: c.seq, f: f}
	c.pending = append(c.pending, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if t.done {
			return false
		}
		t.done = true
		return true
	}
}

// Advance moves the clock forward by d, running each timer that falls due
// at its own instant, in order. Callbacks run on the caller's goroutine.
func (c *VirtualClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		sort.Slice(c.pending, func(i, j int) bool {
			a, b := c.pending[i], c.pending[j]
			if !a.at.Equal(b.at) {
				return a.at.Before(b.at)
			}
			return a.seq < b.seq
		})
		var next *virtualTimer
		for len(c.pending) > 0 {
			t := c.pending[0]
			if t.done {
				c.pending = c.pending[1:]
				continue
			}
			if !t.at.After(end) {
				next = t
				c.pending = c.pending[1:]
				next.done = true
				c.now = next.at
			}
			break
		}
		if next == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		next.f()
	}
}

// Pending reports how many timers are waiting to fire.
func (c *VirtualClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.pending {
		if !t.done {
			n++
		}
	}
	return n
}
