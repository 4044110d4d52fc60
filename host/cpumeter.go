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
// Reading the clock is a system call: three per stretch (the thread's id
// and its clock at the start, its clock at the end), about 1 µs each on
// this project's virtual machines, far less on bare metal.
//
// A timer fires when the budget would be spent if the thread had run all
// along; it then reads the thread's clock and either calls over or waits
// for what is left. Where no thread clock can be read, wall time is used.
type cpuMeter struct {
	mu      sync.Mutex
	tid     int
	start   time.Duration
	budget  time.Duration
	over    func()
	timer   *time.Timer
	stopped bool
}

// startMeter locks the calling goroutine to its thread and calls over,
// from another goroutine, once the thread used budget of CPU.
func startMeter(budget time.Duration, over func()) *cpuMeter {
	runtime.LockOSThread()
	m := &cpuMeter{budget: budget, over: over}
	m.tid, m.start = threadNow()
	m.mu.Lock()
	m.timer = time.AfterFunc(max(budget, 0), m.check)
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
	if used := now - m.start; ok && used < m.budget {
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
	m.mu.Unlock()
	now := threadSelf()
	runtime.UnlockOSThread()
	return now - m.start
}
