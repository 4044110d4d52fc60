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
// get it killed for CPU. The goroutine is locked to its thread while the
// meter runs so that the thread's clock measures only this script.
//
// Reading a thread's clock is a system call (about 1 µs each on this
// project's virtual machines), and most stretches last microseconds, so the
// clock is read only for stretches that run longer than probeAfter: at the
// start the meter only learns the thread's id; a timer then reads the
// thread's clock from another goroutine, charges the wall time before that
// (an upper bound of the CPU used then) and from there on charges the
// clock. When the budget would be spent if the thread ran all along, the
// timer reads the clock again and either waits for what is left or calls
// over. Where no thread clock can be read, wall time is used.
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

// startMeter locks the calling goroutine to its thread and calls over,
// from another goroutine, once the thread used budget of CPU.
func startMeter(budget time.Duration, over func()) *cpuMeter {
	runtime.LockOSThread()
	m := &cpuMeter{budget: budget, over: over, tid: threadID(), began: time.Now()}
	m.mu.Lock()
	m.timer = time.AfterFunc(max(min(budget, probeAfter), 0), m.check)
	m.mu.Unlock()
	return m
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

// stop ends the meter, unlocks the goroutine and returns the CPU time used.
// Once it returns, over is not called any more.
func (m *cpuMeter) stop() time.Duration {
	m.mu.Lock()
	m.stopped = true
	m.timer.Stop()
	probed, charged, base := m.probed, m.charged, m.base
	m.mu.Unlock()
	var used time.Duration
	if probed {
		used = charged + threadSelf() - base
	} else {
		used = time.Since(m.began)
	}
	runtime.UnlockOSThread()
	return used
}
