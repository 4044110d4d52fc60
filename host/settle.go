package host

import (
	"sync/atomic"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/openapi"
)

// inboxEvent is an event waiting in a script's inbox, with the count its
// handlers report their end to.
type inboxEvent struct {
	ev     dispatch.Event
	repeat bool // the "message" handlers had its message already (overlap.go)
	settle *eventSettle
	n      uint64 // the host's number for the event (Cause.Dispatch)
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

// leaveSettle is a count of one script's handlers for the event eventID:
// when they have all ended (or the script dropped or skipped the event) the
// script's unused share of the event's passive replies is released, and the
// event's own count is told that this script is done with it.
func leaveSettle(r *openapi.Replier, eventID, script string, outer *eventSettle) *eventSettle {
	return newEventSettle(0, func() {
		r.Leave(eventID, script)
		outer.done()
	})
}
