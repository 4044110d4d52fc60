package host

import (
	"sync"
	"time"
)

// A handler's CPU budget is Lua's CPU time, not wall time: on a loaded
// machine a run that waits for a core is not running Lua, and counting
// that wait would kill well-behaved handlers exactly when the host is
// busiest. Where the OS can tell (threadMeter, Linux), a run is pinned to
// its OS thread and charged that thread's CPU time; elsewhere wall time
// stands in for it.

// meter measures one run of Lua; start it on the goroutine that runs the
// Lua, read used from any goroutine, and stop it on the same goroutine
// that started it.
type meter interface {
	used() time.Duration
	stop() time.Duration
}

type wallMeter struct{ began time.Time }

func (m wallMeter) used() time.Duration { return time.Since(m.began) }
func (m wallMeter) stop() time.Duration { return time.Since(m.began) }

// startMeter measures CPU time where it can and wall time otherwise.
func startMeter() meter {
	if m, ok := startThreadMeter(); ok {
		return m
	}
	return wallMeter{began: time.Now()}
}

// watchdog calls kill once m has used budget. It sleeps for the budget,
// then for whatever the run has not yet used of it, so it wakes a few
// times at most and never polls.
type watchdog struct {
	m      meter
	budget time.Duration
	kill   func()

	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
}

func startWatchdog(m meter, budget time.Duration, kill func()) *watchdog {
	w := &watchdog{m: m, budget: budget, kill: kill}
	w.timer = time.AfterFunc(max(budget, 0), w.check)
	return w
}

func (w *watchdog) check() {
	used := w.m.used() // outside the lock, so that stop never waits on a clock read
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	if left := w.budget - used; left > 0 {
		// A millisecond floor keeps a clock that advances in coarse steps
		// from re-arming in a tight loop.
		w.timer = time.AfterFunc(max(left, time.Millisecond), w.check)
		return
	}
	w.stopped = true
	w.kill()
}

// stop ends the watchdog; after it returns, kill is not called.
func (w *watchdog) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	w.timer.Stop()
}
