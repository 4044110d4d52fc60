package gateway

import (
	"sync"
	"time"
)

// State is where a shard's Client is in its lifecycle.
type State string

// States reported by [Client.Status].
const (
	StateIdle        State = "idle"        // Run not called yet
	StateConnecting  State = "connecting"  // dialing, waiting for Hello
	StateIdentifying State = "identifying" // Identify sent, waiting for READY
	StateResuming    State = "resuming"    // Resume sent, waiting for RESUMED (replay in progress)
	StateReady       State = "ready"       // READY or RESUMED received; events flowing
	StateBackoff     State = "backoff"     // disconnected, waiting before the next attempt
	StateStopped     State = "stopped"     // Run returned after its context ended
	StateFatal       State = "fatal"       // Run returned a *CloseError; see LastReason
)

// Status is a snapshot of one shard's connection, for `luabot status` and logs.
type Status struct {
	Shard     [2]int    `json:"shard"`
	State     State     `json:"state"`
	Since     time.Time `json:"since"` // when State was entered
	SessionID string    `json:"session_id,omitempty"`
	Seq       uint64    `json:"seq"`
	// Intents the session was identified with, i.e. granted by the platform; 0 until
	// READY (or when a persisted session from an older luabot does not say).
	Intents Intent `json:"intents,omitempty"`

	LastCode     int    `json:"last_code,omitempty"`     // close code of the last disconnect (0: none or not a close frame)
	LastReason   string `json:"last_reason,omitempty"`   // what ended the last connection
	LastDecision string `json:"last_decision,omitempty"` // "resume", "identify" or "stop"

	Connects       int `json:"connects"`        // connections opened
	Identifies     int `json:"identifies"`      // Identify frames sent
	Resumes        int `json:"resumes"`         // Resume frames sent
	ResumeFailures int `json:"resume_failures"` // resumes in a row that did not reach RESUMED
	LostSessions   int `json:"lost_sessions"`   // sessions abandoned for a new one (their undelivered events are lost)
	Events         int `json:"events"`          // dispatches handed to the handler
}

// statusBox guards a Client's Status; every goroutine of the Client may update it.
type statusBox struct {
	mu sync.Mutex
	st Status
}

func (b *statusBox) update(f func(*Status)) {
	b.mu.Lock()
	f(&b.st)
	b.mu.Unlock()
}

func (b *statusBox) setState(s State) {
	b.update(func(st *Status) {
		if st.State != s {
			st.State, st.Since = s, time.Now()
		}
	})
}

func (b *statusBox) get() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.st
}
