package dispatch

import (
	"encoding/json"
	"time"
)

// Event is one dispatch (op 0) from the platform, READY and RESUMED included.
type Event struct {
	Type string          // "t": event type, e.g. "AT_MESSAGE_CREATE"
	Seq  uint64          // "s": sequence number within the session (0 if the server sent none)
	ID   string          // "id": event id, usable as event_id for passive replies
	Data json.RawMessage // "d": the event payload, undecoded

	// Received is when the event arrived, on the receiver's clock; zero when unknown. The
	// host stamps it as it routes the event; reply windows are measured from it, since the
	// payload's own timestamp is on the platform's clock.
	Received time.Time
	// BodyHash, for an event without an ID, is a digest of the request that
	// carried it (webhook), so that a retry or replay of it can still be
	// recognised; empty otherwise.
	BodyHash string
	// Done, when set, is how the source learns that the consumer has finished with the
	// event (handled it, or decided to drop it). Call it once, from any goroutine. See
	// gateway.Config.SaveFinishedSeq.
	Done func()
	// Answer, set by a transport that acknowledges an INTERACTION_CREATE in its own
	// reply (the webhook: the HTTP answer to the callback carries the code), is how the
	// consumer hands it the code; the first call wins, later ones do nothing. Nil means
	// the interaction is acknowledged over REST (PUT /interactions/{id}).
	Answer func(code int)
}

// DedupKey is what tells a repeat of ev: its ID, else its BodyHash.
func (e Event) DedupKey() string {
	if e.ID != "" {
		return e.ID
	}
	return e.BodyHash
}
