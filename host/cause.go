package host

import (
	"context"

	"github.com/luabot/luabot/dispatch"
)

// Cause says what started the code making a call: which script, and which routed event
// (Dispatch, numbered from 1 in the order the host routes events; 0 for a timer
// callback, whose Event is "timer"). Handlers' contexts carry it, so that an observer of
// the REST client (a recording) can tell which event a send answers.
type Cause struct {
	Script   string
	Event    string
	Dispatch uint64
}

type causeKey struct{}

// CauseOf returns the Cause ctx carries, if it comes from a handler, timer callback or
// command (and the contexts of the REST calls they make).
func CauseOf(ctx context.Context) (Cause, bool) {
	c, ok := ctx.Value(causeKey{}).(Cause)
	return c, ok
}

func withCause(ctx context.Context, c Cause) context.Context {
	return context.WithValue(ctx, causeKey{}, c)
}

// DispatchObserver is an Observer that also hears of every routed event (a recording
// implements it; host checks Config.Observer for it). Dispatched is called on the
// goroutine that routes events, before any script sees the event, with its Dispatch
// number; Settled when every handler the event started has ended, from any goroutine.
// Neither may block.
type DispatchObserver interface {
	Dispatched(n uint64, ev dispatch.Event)
	Settled(n uint64)
}

// observeDispatch numbers ev and tells a DispatchObserver of it; the settled it returns
// (never nil then) also tells the observer when the event's handlers have ended.
func (h *Host) observeDispatch(ev dispatch.Event, settled func()) (uint64, func()) {
	n := h.dispatches.Add(1)
	obs, ok := h.cfg.Observer.(DispatchObserver)
	if !ok {
		return n, settled
	}
	obs.Dispatched(n, ev)
	return n, func() {
		obs.Settled(n)
		if settled != nil {
			settled()
		}
	}
}
