package main

import (
	"sort"
	"sync"
	"time"
)

// devClock is the clock of `luabot dev`: the machine's time plus an offset
// that the chat's :advance command grows, shared by the simulator, the REST
// client and the host. It runs in real time, so a chat feels like a chat,
// and :advance 1h makes the next hour's timers, cron jobs and reply-window
// expiries happen at once. Each timer that falls due during a jump fires
// once, in order; a timer.every then carries on from the new time, as a
// bot's would after its machine slept.
type devClock struct {
	mu     sync.Mutex
	offset time.Duration
	timers map[*devTimer]struct{}
}

type devTimer struct {
	at    time.Time
	f     func()
	t     *time.Timer
	ended bool // fired or stopped
}

func newDevClock() *devClock { return &devClock{timers: map[*devTimer]struct{}{}} }

// Now implements bindings.Clock.
func (c *devClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// AfterFunc implements bindings.Clock.
func (c *devClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	dt := &devTimer{at: time.Now().Add(c.offset + d), f: f}
	c.timers[dt] = struct{}{}
	dt.t = time.AfterFunc(d, func() { c.fire(dt) })
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if dt.ended {
			return false
		}
		dt.ended = true
		dt.t.Stop()
		delete(c.timers, dt)
		return true
	}
}

// fire runs a timer's callback once, whichever of its real timer and an
// Advance gets there first.
func (c *devClock) fire(dt *devTimer) {
	c.mu.Lock()
	if dt.ended {
		c.mu.Unlock()
		return
	}
	dt.ended = true
	dt.t.Stop()
	delete(c.timers, dt)
	c.mu.Unlock()
	dt.f()
}

// Advance moves the clock forward by d: timers now due fire, in order; the
// others are re-armed for what is left of their wait.
func (c *devClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	now := time.Now().Add(c.offset)
	var due []*devTimer
	for dt := range c.timers {
		if left := dt.at.Sub(now); left > 0 {
			dt.t.Reset(left)
		} else {
			due = append(due, dt)
		}
	}
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, dt := range due {
		c.fire(dt)
	}
}
