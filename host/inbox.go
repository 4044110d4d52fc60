package host

import "sync"

// inbox is a script's queue of events waiting for its scheduler. It holds
// at most limit events, dropping the oldest when full, like the buffered
// channel it replaces; unlike that channel it allocates only for the
// events actually waiting. A channel of the default 10 000 slots cost
// about 0.9 MB per script even when idle, most of an idle VM's memory.
type inbox struct {
	mu    sync.Mutex
	q     []inboxEvent
	head  int // q[head:] are waiting
	limit int
	// ready holds a token while events wait, for the scheduler's select.
	ready chan struct{}
}

func newInbox(limit int) *inbox {
	return &inbox{limit: limit, ready: make(chan struct{}, 1)}
}

// push queues e; when the inbox is full it first takes out the oldest
// event and returns it.
func (b *inbox) push(e inboxEvent) (dropped inboxEvent, full bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.q)-b.head >= b.limit {
		dropped, full = b.take(), true
	}
	b.q = append(b.q, e)
	b.signal()
	return dropped, full
}

// pop takes the oldest waiting event.
func (b *inbox) pop() (inboxEvent, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.q) == b.head {
		return inboxEvent{}, false
	}
	e := b.take()
	if len(b.q) > b.head {
		b.signal() // one event per wake-up, so completions and timers interleave
	}
	return e, true
}

// take removes the oldest event. The caller holds b.mu and knows one waits.
func (b *inbox) take() inboxEvent {
	e := b.q[b.head]
	b.q[b.head] = inboxEvent{} // let the event be collected
	b.head++
	switch {
	case b.head == len(b.q):
		// Empty: after a burst, give a large array back.
		if cap(b.q) > 256 {
			b.q = nil
		} else {
			b.q = b.q[:0]
		}
		b.head = 0
	case b.head > 64 && b.head*2 > len(b.q):
		n := copy(b.q, b.q[b.head:])
		clear(b.q[n:])
		b.q, b.head = b.q[:n], 0
	}
	return e
}

func (b *inbox) signal() {
	select {
	case b.ready <- struct{}{}:
	default:
	}
}
