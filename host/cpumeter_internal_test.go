package host

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
)

// The meter's cost per stretch of Lua while the scheduler keeps its thread:
// two timer updates and two clock readings.
func BenchmarkCPUMeter(b *testing.B) {
	m := newCPUMeter()
	var th osThread
	defer th.release()
	for b.Loop() {
		m.start(th.hold(), time.Second, func() {})
		m.stop()
	}
}

// A meter charges CPU time, not wall time: a stretch that sleeps uses
// almost none of its budget and is not stopped; one that spins past its
// budget is.
func TestCPUMeter_ChargesCPUNotWallTime(t *testing.T) {
	m := newCPUMeter()
	var th osThread
	defer th.release()
	over := make(chan struct{}, 1)
	m.start(th.hold(), 20*time.Millisecond, func() { over <- struct{}{} })
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
	// The same meter, the next stretch: a spin is stopped.
	m.start(th.hold(), 20*time.Millisecond, func() { over <- struct{}{} })
	deadline := time.Now().Add(10 * time.Second)
	spun := false
	for !spun && time.Now().Before(deadline) {
		select {
		case <-over:
			spun = true
		default:
		}
	}
	used = m.stop()
	if !spun {
		t.Fatal("a stretch spinning for 10 s was not stopped at its 20 ms budget")
	}
	if used < 20*time.Millisecond {
		t.Errorf("charged %s for a stretch stopped at its 20 ms budget", used)
	}
}

// A burst of events waiting for the scheduler is run on one thread, locked
// once: learning the thread's id is a system call, and it used to be made
// twice per message.
func TestScheduler_KeepsItsThreadThroughABurst(t *testing.T) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s, err := loadScript(writeScript(t, t.TempDir(), "burst.lua", `n = 0
on("message", function(ev) n = n + 1 end)`), scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	const burst = 50
	for range burst {
		ev, _, err := gateway.DecodeEvent([]byte(frame1K))
		if err != nil {
			t.Fatal(err)
		}
		s.deliver(ev)
	}
	s.markStarted()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { s.run(ctx, time.Second); close(ran) }()
	defer func() { cancel(); <-ran }()
	var handled, locks int
	for deadline := time.Now().Add(10 * time.Second); handled < burst; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events handled in 10 s", handled, burst)
		}
		read := make(chan struct{})
		s.do(func() {
			handled = int(s.L.GetGlobal("n").(lua.LNumber))
			locks = s.osThread.locks
			close(read)
		})
		<-read
	}
	if locks != 1 {
		t.Errorf("the scheduler locked its thread %d times for a burst of %d events, want 1", locks, burst)
	}
}
