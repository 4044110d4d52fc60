package host

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// threadMeter reads the CPU clock of the OS thread the run is locked to.
// Linux names another thread's CPU clock by its thread id (the clockid
// glibc's pthread_getcpuclockid builds: ^tid<<3 | CPUCLOCK_PERTHREAD |
// CPUCLOCK_SCHED), so the watchdog can read it while the run goes on.
type threadMeter struct {
	clock int32
	began time.Duration
}

func startThreadMeter() (meter, bool) {
	runtime.LockOSThread()
	m := threadMeter{clock: int32(^unix.Gettid()<<3 | 6)}
	began, ok := m.read()
	if !ok {
		runtime.UnlockOSThread()
		return nil, false
	}
	m.began = began
	return m, true
}

func (m threadMeter) read() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(m.clock, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

func (m threadMeter) used() time.Duration {
	now, ok := m.read()
	if !ok {
		return 0
	}
	return now - m.began
}

func (m threadMeter) stop() time.Duration {
	d := m.used()
	runtime.UnlockOSThread()
	return d
}
