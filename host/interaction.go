package host

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/openapi"
)

// A button press (INTERACTION_CREATE) must be acknowledged within a few
// seconds or the user's client spins and then shows a failure (§5). The
// host does it for the scripts, exactly once per interaction, whichever
// comes first:
//
//   - a handler calls ev:ack(code): that code;
//   - every handler the event started has ended (or none started, as for
//     a press on a message of a script since reloaded or removed): success,
//     or failure (1) if one of them raised;
//   - ackDeadline has passed with handlers still running: success.
//
// The form is the transport's: Event.Answer when the transport carries the
// code in its own reply (webhook), else PUT /interactions/{id}.

// ackDeadline is when a press still being handled is acknowledged anyway,
// leaving half a second of the platform's 3 s for the acknowledgement to
// travel.
const ackDeadline = 2500 * time.Millisecond

// ackTimeout bounds one PUT /interactions/{id}; it does not end with the
// handler or the host's run, so a press handled during shutdown is still
// answered.
const ackTimeout = 5 * time.Second

// interactionAcker is what the REST acknowledgement needs of the client.
type interactionAcker interface {
	AckInteraction(ctx context.Context, interactionID string, code int) error
}

var _ interactionAcker = (*openapi.Client)(nil)

// interactionAcks tracks the interactions being handled, by event id.
type interactionAcks struct {
	api   interactionAcker
	clock bindings.Clock
	log   *slog.Logger

	mu      sync.Mutex
	pending map[string]*pendingAck
	closed  bool           // close has begun waiting: no new PUT starts
	wg      sync.WaitGroup // PUTs in flight; close waits for them
	puts    atomic.Int64   // the same count, for Host.Settled
}

// pendingAck is one interaction not yet known to be acknowledged.
type pendingAck struct {
	acks          *interactionAcks
	eventID       string
	interactionID string
	answer        func(int) // the transport's, or nil for REST
	received      time.Time

	mu     sync.Mutex
	acked  bool
	failed bool        // a handler raised
	stop   func() bool // cancels the deadline timer
	code   int         // what was sent, once acked
	via    string      // "handler", "handlers ended", "deadline"
	after  func()      // the event's own settle callback, or nil
}

func newInteractionAcks(api interactionAcker, clock bindings.Clock, log *slog.Logger) *interactionAcks {
	if clock == nil {
		clock = bindings.SystemClock{}
	}
	return &interactionAcks{api: api, clock: clock, log: log, pending: map[string]*pendingAck{}}
}

// begin starts tracking ev, an INTERACTION_CREATE, and returns the callback
// to run when every script is done with it (it acknowledges, then calls
// settled). An event without an interaction id gets nothing to acknowledge
// and settled back unchanged.
func (a *interactionAcks) begin(ev gateway.Event, settled func()) func() {
	var d struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(ev.Data, &d); err != nil || d.ID == "" || ev.ID == "" {
		a.log.Warn("interaction without an id; not acknowledged", "event_id", ev.ID)
		return settled
	}
	p := &pendingAck{acks: a, eventID: ev.ID, interactionID: d.ID, answer: ev.Answer, received: a.clock.Now(), after: settled}
	a.mu.Lock()
	if _, dup := a.pending[ev.ID]; dup {
		a.mu.Unlock()
		return settled
	}
	a.pending[ev.ID] = p
	a.mu.Unlock()
	p.mu.Lock()
	p.stop = a.clock.AfterFunc(ackDeadline, func() { p.ack(0, "deadline") })
	p.mu.Unlock()
	return p.settled
}

// settled runs when every handler the event started has ended.
func (p *pendingAck) settled() {
	p.mu.Lock()
	code := 0
	if p.failed {
		code = openapi.InteractionFailed
	}
	p.mu.Unlock()
	p.ack(code, "handlers ended")
	if p.after != nil {
		p.after()
	}
}

// ack acknowledges the interaction unless it has been already; it reports
// whether this call did.
func (p *pendingAck) ack(code int, via string) bool {
	p.mu.Lock()
	if p.acked {
		p.mu.Unlock()
		return false
	}
	p.acked, p.code, p.via = true, code, via
	stop := p.stop
	p.mu.Unlock()
	if stop != nil {
		stop()
	}
	a := p.acks
	a.mu.Lock()
	delete(a.pending, p.eventID)
	a.mu.Unlock()
	a.log.Debug("interaction acknowledged", "event_id", p.eventID, "code", code, "by", via,
		"after", a.clock.Now().Sub(p.received))
	if p.answer != nil {
		p.answer(code)
		return true
	}
	if a.api == nil {
		return true
	}
	// Add under a.mu, which close takes to set closed before it waits: an
	// acknowledgement is either counted before that wait or not started.
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return true
	}
	a.wg.Add(1)
	a.puts.Add(1)
	a.mu.Unlock()
	go func() {
		defer a.wg.Done()
		defer a.puts.Add(-1)
		ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
		defer cancel()
		if err := a.api.AckInteraction(ctx, p.interactionID, code); err != nil {
			a.log.Warn("interaction acknowledgement failed", "event_id", p.eventID, "err", err)
		}
	}()
	return true
}

// lookup finds a pending interaction by event id.
func (a *interactionAcks) lookup(eventID string) *pendingAck {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pending[eventID]
}

// Ack is ev:ack(code) (bindings.Interactions): it acknowledges the
// interaction of eventID with code unless that has happened already, in
// which case it is a no-op, logged at debug.
func (a *interactionAcks) Ack(eventID string, code int) bool {
	p := a.lookup(eventID)
	if p == nil || !p.ack(code, "handler") {
		a.log.Debug("ev:ack after the interaction was acknowledged; ignored", "event_id", eventID, "code", code)
		return false
	}
	return true
}

// fail notes that a handler of eventID raised: the acknowledgement at the
// end, if it is still due, says failure.
func (a *interactionAcks) fail(eventID string) {
	if p := a.lookup(eventID); p != nil {
		p.mu.Lock()
		p.failed = true
		p.mu.Unlock()
	}
}

// close acknowledges what is still pending (the host stops; its handlers
// will not end) and waits for the acknowledgements in flight.
func (a *interactionAcks) close() {
	a.mu.Lock()
	left := make([]*pendingAck, 0, len(a.pending))
	for _, p := range a.pending {
		left = append(left, p)
	}
	a.mu.Unlock()
	for _, p := range left {
		p.ack(0, "shutdown")
	}
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.wg.Wait()
}
