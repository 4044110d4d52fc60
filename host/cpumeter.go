package host

import (
	"runtime"
	"sync"
	"time"
)

// cpuMeter bounds one stretch of Lua (a handler's run, a wait_for
// predicate) by the CPU time of the OS thread running it, not by wall time:
// with more busy scripts than processors, a script waiting for the
// processor is not using its budget, and a neighbour must not be able to
// get it killed for CPU. The script's goroutine is locked to its thread
// while it runs Lua (osThread) so that the thread's clock measures only
// this script.
//
// Reading a thread's clock is a system call (about 1 µs each on this
// project's virtual machines), and most stretches last microseconds, so the
// clock is read only for stretches that run longer than probeAfter: a timer
// then reads the thread's clock from another goroutine, charges the wall
// time before that (an upper bound of the CPU used then) and from there on
// charges the clock. When the budget would be spent if the thread ran all
// along, the timer reads the clock again and either waits for what is left
// or calls over. Where no thread clock can be read, wall time is used.
//
// A script has one meter, used stretch after stretch on its scheduler's
// goroutine (stretches never nest); its timer is made once. A timer that fired for an earlier stretch and runs
// late finds the current one's state under mu: at worst it reads the clock
// early, which charges no less than the stretch used.
type cpuMeter struct {
	mu      sync.Mutex
	tid     int
	began   time.Time
	budget  time.Duration
	over    func()
	timer   *time.Timer
	stopped bool
	probed  bool
	charged time.Duration // wall time before the first reading of the clock
	base    time.Duration // the thread's clock at that reading
}

// probeAfter is how long a stretch runs before its thread's clock is read.
const probeAfter = time.Millisecond

func newCPUMeter() *cpuMeter {
	m := &cpuMeter{stopped: true}
	m.timer = time.AfterFunc(time.Hour, m.check)
	m.timer.Stop()
	return m
}

// start begins a stretch on the thread tid, which the calling goroutine is
// locked to until stop, and calls over, from another goroutine, once that
// thread used budget of CPU.
func (m *cpuMeter) start(tid int, budget time.Duration, over func()) {
	m.mu.Lock()
	m.tid, m.budget, m.over, m.began = tid, budget, over, time.Now()
	m.stopped, m.probed, m.charged, m.base = false, false, 0, 0
	m.timer.Reset(max(min(budget, probeAfter), 0))
	m.mu.Unlock()
}

func (m *cpuMeter) check() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return
	}
	now, ok := threadCPU(m.tid)
	if !ok {
		if left := m.budget - time.Since(m.began); left > 0 {
			m.timer.Reset(left)
			return
		}
		m.over()
		return
	}
	if !m.probed {
		m.probed, m.charged, m.base = true, time.Since(m.began), now
	}
	if used := m.charged + now - m.base; used < m.budget {
		m.timer.Reset(m.budget - used)
		return
	}
	m.over()
}

// stop ends the stretch and returns the CPU time it used. Once it returns,
// over is not called any more.
func (m *cpuMeter) stop() time.Duration {
	m.mu.Lock()
	m.stopped = true
	m.timer.Stop()
	probed, charged, base, began := m.probed, m.charged, m.base, m.began
	m.over = nil
	m.mu.Unlock()
	if probed {
		return charged + threadSelf() - base
	}
	return time.Since(began)
}

// osThread keeps a script's goroutine on one OS thread while it runs Lua.
// Locking the goroutine and learning the thread's id (gettid, a system
// call) cost more than a short stretch of Lua, so the goroutine stays
// locked from one stretch to the next while it has work queued, and lets go
// before it waits (scheduler.go's run and settle): a busy script pays once
// per burst, not twice per message.
type osThread struct {
	locked bool
	tid    int
	locks  int // how many times it locked, for the tests
}

// hold locks the calling goroutine to its thread, if it is not already,
// and returns the thread's id.
func (t *osThread) hold() int {
	if !t.locked {
		runtime.LockOSThread()
		t.locked, t.tid = true, threadID()
		t.locks++
	}
	return t.tid
}

// release lets the goroutine move between threads again. A nil thread has
// nothing to release.
func (t *osThread) release() {
	if t != nil && t.locked {
		t.locked = false
		runtime.UnlockOSThread()
	}
}
