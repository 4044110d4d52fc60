package host

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadID returns the calling OS thread's id. The caller must have locked
// its goroutine to the thread.
func threadID() int { return unix.Gettid() }

// threadSelf returns the CPU time the calling OS thread has used.
func threadSelf() time.Duration {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return time.Duration(time.Now().UnixNano())
	}
	return time.Duration(ts.Nano())
}

// threadCPU returns the CPU time thread tid of this process has used, read
// from another thread through the thread's CPU clock (clockid built as the
// kernel's MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED) does).
func threadCPU(tid int) (time.Duration, bool) {
	if tid == 0 {
		return 0, false
	}
	var ts unix.Timespec
	if unix.ClockGettime(^int32(tid)<<3|6, &ts) != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
