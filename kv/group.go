package kv

import (
	"errors"
	"fmt"
	"sync"
)

// Batch commits ops like Commit, sharing one transaction, and so one fsync,
// with the Batch calls of other goroutines made meanwhile: the host writes a
// small durable record before each send of a handler (host/sends.go), and
// an fsync per send would cost more than the send. A call waits for the
// commit in progress, if any, and then for the one its ops go into; there is
// no fixed delay, so a lone caller pays one commit.
//
// Because the ops of several callers commit together, one failing op would
// fail them all: Batch takes plain writes (no Apply) to host namespaces
// (names starting with "/", which no quota bounds), and refuses others.
//
// bbolt's own DB.Batch does the same with a timer (up to 10 ms added to
// every call) and runs the commit on its timer's goroutine, where a damaged
// page would panic outside guard (damage.go); here the commit runs on a
// goroutine of ours, through Commit.
func (s *Store) Batch(ops []Op) error {
	for _, op := range ops {
		switch {
		case op.Key == "":
			return errors.New("kv: batch: empty key")
		case op.Apply != nil || counted(op.NS):
			return fmt.Errorf("kv: batch: only plain writes to host namespaces; %q is not one", op.NS)
		}
	}
	if len(ops) == 0 {
		return nil
	}
	done := make(chan error, 1)
	g := &s.group
	g.mu.Lock()
	g.ops = append(g.ops, ops...)
	g.waiting = append(g.waiting, done)
	if !g.running {
		g.running = true
		go s.commitGroups()
	}
	g.mu.Unlock()
	return <-done
}

// group holds the Batch calls waiting for the next commit.
type group struct {
	mu      sync.Mutex
	running bool // commitGroups is running
	ops     []Op
	waiting []chan<- error
}

// commitGroups commits what Batch calls queued, one transaction per round,
// until a round finds nothing queued: the calls made during a commit go
// into the next one together.
func (s *Store) commitGroups() {
	g := &s.group
	g.mu.Lock()
	for len(g.waiting) > 0 {
		ops, waiting := g.ops, g.waiting
		g.ops, g.waiting = nil, nil
		g.mu.Unlock()
		err := s.Commit(ops)
		for _, w := range waiting {
			w <- err
		}
		g.mu.Lock()
	}
	g.running = false
	g.mu.Unlock()
}
