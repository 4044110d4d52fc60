package host

import (
	"sync"
	"testing"
	"time"
)

// Jobs run at once, each on a worker of its own while the others block;
// once they are done at most maxIdleWorkers wait, and close ends those and
// returns.
func TestWorkerPool_RunsJobsAtOnceAndEndsItsWorkers(t *testing.T) {
	p := newWorkerPool()
	const jobs = 3 * maxIdleWorkers
	gate := make(chan struct{})
	started := make(chan struct{}, jobs)
	var done sync.WaitGroup
	done.Add(jobs)
	for range jobs {
		p.run(func() {
			defer done.Done()
			started <- struct{}{}
			<-gate
		})
	}
	timeout := time.After(10 * time.Second)
	for i := range jobs {
		select {
		case <-started:
		case <-timeout:
			t.Fatalf("%d of %d jobs started while the others blocked", i, jobs)
		}
	}
	close(gate)
	done.Wait()
	// The next round reuses waiting workers or starts new ones; either way
	// every job runs.
	var again sync.WaitGroup
	again.Add(jobs)
	for range jobs {
		p.run(again.Done)
	}
	again.Wait()
	if n := p.idle.Load(); n > maxIdleWorkers {
		t.Errorf("%d workers wait, want at most %d", n, maxIdleWorkers)
	}
	closed := make(chan struct{})
	go func() { p.close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("close did not end the waiting workers")
	}
}

// BenchmarkWorkerPool is a job that needs as much stack as a platform call
// through net/http does, on the pool's workers and on a goroutine of its
// own each, side by side.
func BenchmarkWorkerPool(b *testing.B) {
	job := func(done chan<- struct{}) func() {
		return func() {
			deepStack(48)
			done <- struct{}{}
		}
	}
	b.Run("pool", func(b *testing.B) {
		p := newWorkerPool()
		defer p.close()
		done := make(chan struct{})
		f := job(done)
		for b.Loop() {
			p.run(f)
			<-done
		}
	})
	b.Run("goroutine", func(b *testing.B) {
		done := make(chan struct{})
		f := job(done)
		for b.Loop() {
			go f()
			<-done
		}
	})
}

// deepStack uses about n × 512 bytes of stack.
//
//go:noinline
func deepStack(n int) int {
	var pad [64]int
	pad[n%64] = n
	if n == 0 {
		return pad[0]
	}
	return deepStack(n-1) + pad[n%64]
}
