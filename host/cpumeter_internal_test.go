package host

import (
	"testing"
	"time"
)

// The meter's cost per stretch of Lua: locking the thread, two reads of its
// CPU clock and a timer.
func BenchmarkCPUMeter(b *testing.B) {
	for b.Loop() {
		m := startMeter(time.Second, func() {})
		m.stop()
	}
}

// A meter charges CPU time, not wall time: a stretch that sleeps uses
// almost none of its budget and is not stopped.
func TestCPUMeter_ChargesCPUNotWallTime(t *testing.T) {
	over := make(chan struct{}, 1)
	m := startMeter(20*time.Millisecond, func() { over <- struct{}{} })
	time.Sleep(100 * time.Millisecond) // not CPU: the thread is idle
	used := m.stop()
	select {
	case <-over:
		t.Fatal("a sleeping stretch was stopped for CPU")
	default:
	}
	if used > 20*time.Millisecond {
		t.Fatalf("charged %s for a sleep", used)
	}
}
