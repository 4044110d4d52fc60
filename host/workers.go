package host

import (
	"sync"
	"sync/atomic"
)

// workerPool runs a script's blocking work (a platform call, an HTTP
// request, what a binding leaves to run after its handler) off the
// scheduler, on goroutines kept for the next job. A goroutine made per job
// started with a small stack and grew it to what net/http needs, copying it
// on the way, for every reply: 5 % of the bot's CPU under luabot bench. A
// worker that finishes waits for the next job unless maxIdleWorkers wait
// already, so a burst leaves at most that many behind, not one per job;
// the runtime shrinks the stacks of those that wait long.
//
// The scheduler owns the pool: it hands jobs out while it runs, and close
// (once every job is done) ends the waiting workers and waits for them.
type workerPool struct {
	jobs    chan func()
	idle    atomic.Int32
	running sync.WaitGroup
}

// maxIdleWorkers is how many workers wait for a job at most.
const maxIdleWorkers = 128

func newWorkerPool() *workerPool { return &workerPool{jobs: make(chan func())} }

// run runs f on a waiting worker, or on a new one if none waits.
func (p *workerPool) run(f func()) {
	select {
	case p.jobs <- f:
	default:
		p.running.Add(1)
		go p.work(f)
	}
}

func (p *workerPool) work(f func()) {
	defer p.running.Done()
	for f != nil {
		f()
		if p.idle.Add(1) > maxIdleWorkers {
			p.idle.Add(-1)
			return
		}
		f = <-p.jobs // nil once the pool is closed
		p.idle.Add(-1)
	}
}

// close ends the waiting workers and waits for them. Nothing may be run
// after it.
func (p *workerPool) close() {
	close(p.jobs)
	p.running.Wait()
}
