package host

import (
	"runtime"
	"testing"
	"time"
)

// The thread meter charges a run for the CPU its thread used, read from
// another goroutine as the watchdog does; time spent off the CPU is free.
func TestThreadMeter_CountsCPUNotWaiting(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("per-thread CPU clocks are read on Linux only; elsewhere runs are charged wall time")
	}
	readings := make(chan time.Duration)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m, ok := startThreadMeter()
		if !ok {
			t.Error("startThreadMeter failed on Linux")
			return
		}
		// Blocked, not running: a loaded host's queue looks like this to
		// the run's thread.
		time.Sleep(50 * time.Millisecond)
		readings <- m.used()
		deadline := time.Now().Add(10 * time.Second)
		for m.used() < 20*time.Millisecond && time.Now().Before(deadline) {
		}
		readings <- m.stop()
	}()
	if idle := <-readings; idle > 25*time.Millisecond {
		t.Errorf("50 ms asleep was charged %v of CPU", idle)
	}
	if busy := <-readings; busy < 20*time.Millisecond {
		t.Errorf("spinning for 20 ms of CPU was charged %v", busy)
	}
	<-done
}

// fakeMeter hands out the readings the test sends, one per used call.
type fakeMeter struct{ calls chan chan time.Duration }

func (m fakeMeter) used() time.Duration {
	reply := make(chan time.Duration)
	m.calls <- reply
	return <-reply
}
func (m fakeMeter) stop() time.Duration { return 0 }

func TestWatchdog_WaitsForTheBudgetToBeUsed(t *testing.T) {
	m := fakeMeter{calls: make(chan chan time.Duration)}
	killed := make(chan struct{})
	dog := startWatchdog(m, time.Millisecond, func() { close(killed) })
	defer dog.stop()
	timeout := time.After(10 * time.Second)

	// The budget's time has passed but the run was not on the CPU.
	select {
	case reply := <-m.calls:
		reply <- 0
	case <-timeout:
		t.Fatal("the watchdog never looked at the meter")
	}
	select {
	case reply := <-m.calls: // it waited again instead of killing
		reply <- time.Millisecond
	case <-killed:
		t.Fatal("killed a run that had used none of its budget")
	case <-timeout:
		t.Fatal("the watchdog did not look again")
	}
	select {
	case <-killed:
	case <-timeout:
		t.Fatal("a run that used its budget was not killed")
	}
}
