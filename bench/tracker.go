package bench

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// tracker matches the bot's messages to the events they answer. A reply
// may be seen before the post that caused it has returned its id, so such
// replies wait in early until the event is registered.
type tracker struct {
	mu       sync.Mutex
	pending  map[string]time.Time // posted, not answered yet
	done     map[string]bool      // answered at least once
	early    map[string]time.Time // replies to ids not registered yet
	lat      []time.Duration
	dups     int
	replies  int
	last     time.Time
	onAnswer func()
	kick     chan struct{}
}

func newTracker() *tracker {
	return &tracker{pending: map[string]time.Time{}, done: map[string]bool{}, early: map[string]time.Time{}, kick: make(chan struct{}, 1)}
}

func (t *tracker) setOnAnswer(f func()) {
	t.mu.Lock()
	t.onAnswer = f
	t.mu.Unlock()
}

// register records that event id was posted at t0.
func (t *tracker) register(id string, t0 time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if at, ok := t.early[id]; ok {
		delete(t.early, id)
		t.answer(id, at.Sub(t0), at)
		return
	}
	t.pending[id] = t0
}

// reply records a message of the bot answering id ("" for none) seen at now.
func (t *tracker) reply(id string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch t0, ok := t.pending[id]; {
	case t.done[id]:
		t.dups++
	case ok:
		delete(t.pending, id)
		t.answer(id, now.Sub(t0), now)
	default:
		t.early[id] = now
	}
}

// answer records a first reply. The caller holds t.mu.
func (t *tracker) answer(id string, d time.Duration, at time.Time) {
	t.done[id] = true
	t.lat = append(t.lat, d)
	t.replies++
	t.last = at
	if t.onAnswer != nil {
		t.onAnswer()
	}
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// reset forgets the figures so far (the warm-up), not which events were
// answered, so a late second reply to them still counts as one.
func (t *tracker) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lat, t.dups, t.replies = nil, 0, 0
}

func (t *tracker) answered() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.replies
}

func (t *tracker) lastAnswer() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

type summary struct {
	lat                      []time.Duration
	replies, dups, unmatched int
}

func (t *tracker) summary() summary {
	t.mu.Lock()
	defer t.mu.Unlock()
	return summary{lat: append([]time.Duration(nil), t.lat...), replies: t.replies, dups: t.dups, unmatched: len(t.early)}
}

// waitAnswered waits until n events are answered; it gives up when no
// reply came for timeout, or the bot exited. It reports whether n were.
func (t *tracker) waitAnswered(ctx context.Context, n int, timeout time.Duration, exited <-chan struct{}) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		if t.answered() >= n {
			return true
		}
		select {
		case <-t.kick:
			timer.Reset(timeout)
		case <-timer.C:
			return false
		case <-exited:
			return t.answered() >= n
		case <-ctx.Done():
			return false
		}
	}
}

// follow reads the bot's messages from the simulator until ctx ends.
func (t *tracker) follow(ctx context.Context, ctl *control) {
	since := 0
	for ctx.Err() == nil {
		var sent []struct {
			Index   int    `json:"index"`
			MsgID   string `json:"msg_id"`
			ReplyTo string `json:"reply_event_id"`
		}
		if err := ctl.do(ctx, "GET", fmt.Sprintf("/sent?since=%d&wait_ms=1000", since), nil, &sent); err != nil {
			continue // the simulator went away or ctx ended: the loop condition decides
		}
		now := time.Now()
		for _, m := range sent {
			id := m.MsgID
			if id == "" {
				id = m.ReplyTo
			}
			t.reply(id, now)
			since = m.Index + 1
		}
	}
}
