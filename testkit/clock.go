package testkit

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/host"
)

// clock is the virtual clock of one test: a host.VirtualClock that also
// remembers when each timer falls due, so that sim.advance can move time
// from one due instant to the next and let the bot settle in between (a
// timer.every reschedules itself only after its tick has been handled).
// Every registration, firing and cancellation counts as activity for
// settle.
type clock struct {
	inner    *host.VirtualClock
	activity *atomic.Uint64

	mu  sync.Mutex
	due map[*clockEntry]struct{}
}

type clockEntry struct{ at time.Time }

var _ bindings.Clock = (*clock)(nil)

func newClock(start time.Time, activity *atomic.Uint64) *clock {
	return &clock{inner: host.NewVirtualClock(start), activity: activity, due: map[*clockEntry]struct{}{}}
}

func (c *clock) Now() time.Time { return c.inner.Now() }

func (c *clock) AfterFunc(d time.Duration, f func()) func() bool {
	e := &clockEntry{}
	c.mu.Lock()
	e.at = c.inner.Now().Add(d)
	c.due[e] = struct{}{}
	c.mu.Unlock()
	c.activity.Add(1)
	stop := c.inner.AfterFunc(d, func() {
		// f hands its work to the host (a queued tick, a woken handler)
		// before the entry goes, so settle never sees neither.
		f()
		c.forget(e)
		c.activity.Add(1)
	})
	return func() bool {
		c.forget(e)
		c.activity.Add(1)
		return stop()
	}
}

func (c *clock) forget(e *clockEntry) {
	c.mu.Lock()
	delete(c.due, e)
	c.mu.Unlock()
}

// next returns the earliest instant a timer is due, if any.
func (c *clock) next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first time.Time
	for e := range c.due {
		if first.IsZero() || e.at.Before(first) {
			first = e.at
		}
	}
	return first, !first.IsZero()
}

// dueNow reports whether a timer is due at the virtual now and has not
// fired yet (one registered with no delay fires on its own goroutine).
func (c *clock) dueNow() bool {
	next, ok := c.next()
	return ok && !next.After(c.Now())
}

// advanceTo moves the clock to t (never backwards), firing what falls due
// on the way and at t.
func (c *clock) advanceTo(t time.Time) {
	d := t.Sub(c.inner.Now())
	if d < 0 {
		d = 0 // still fire what is due now
	}
	c.inner.Advance(d)
}
