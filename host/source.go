package host

import (
	"context"

	"github.com/luabot/luabot/dispatch"
)

// Source is how events reach the scripts: package transport's WebSocket shards or
// webhook, or anything else that delivers dispatches (tests, several bots behind one
// process). Host only consumes it; building and configuring one is the caller's.
type Source interface {
	// Start prepares the source (credentials, where to connect). Run calls it before
	// any script starts, so a source that cannot start leaves the scripts untouched.
	Start(ctx context.Context) error
	// Run delivers events until ctx ends or the source stops for good. deliver is
	// called for one event at a time; it calls settled once every handler the event
	// started has ended, after which the source may count the event as handled
	// (save its seq, its id in a dedup window).
	Run(ctx context.Context, deliver func(ev dispatch.Event, settled func())) error
	// Flush saves what the source keeps once more; Run calls it after every handler
	// has ended, so that the events finished while draining count as handled.
	Flush()
}

// A Source may also offer these; host uses them when it does.
type (
	// seenWindow is a source that remembers keys across restarts (its dedup window):
	// overlap.go records message ids there, so that a restart between the two
	// dispatches of one message does not answer it twice.
	seenWindow interface {
		Seen(key string) bool
	}
	// intentSource is a source that identifies with intents (the WebSocket gateway):
	// after a reload, host warns when the scripts now want events the running session
	// was not identified for.
	intentSource interface {
		MissingIntents() dispatch.Intent
	}
)

// serving holds the Source Run serves from, for atomic.Pointer.
type serving struct{ Source }
