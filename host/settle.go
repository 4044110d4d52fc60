package host

import (
	"sync/atomic"

	"github.com/luabot/luabot/gateway"
)

// inboxEvent is an event waiting in a script's inbox, with the count its
// handlers report their end to.
type inboxEvent struct {
	ev     gateway.Event
	repeat bool // the "message" handlers had its message already (overlap.go)
	settle *eventSettle
}

// eventSettle tells the gateway's dedup window when every script is done
// with an event: routed to each, dropped or skipped by each, and every
// handler it started ended (returned or failed; a handler canceled at
// shutdown never ends). Only then is the event's id saved as seen; an id
// saved earlier would make a bot killed before handling the event drop its
// replay after the restart.
//
// The count starts at one share per script plus one for the router; a
// script adds one per handler before starting it and gives back its own
// share when it has started them all, so the count cannot reach zero while
// handlers are still being started. A nil *eventSettle (tests, timers)
// does nothing.
type eventSettle struct {
	n       atomic.Int64
	settled func()
}

func newEventSettle(scripts int, settled func()) *eventSettle {
	if settled == nil {
		return nil
	}
	s := &eventSettle{settled: settled}
	s.n.Store(int64(scripts) + 1)
	return s
}

func (s *eventSettle) add() {
	if s != nil {
		s.n.Add(1)
	}
}

func (s *eventSettle) done() {
	if s != nil && s.n.Add(-1) == 0 {
		s.settled()
	}
}
