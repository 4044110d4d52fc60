package gateway

import (
	"errors"
	"sync"
	"time"
)

// Session is what a resume needs: the session id from READY and the last sequence number
// seen, for one shard. It is what a [SessionStore] persists.
type Session struct {
	ID    string `json:"session_id"` // "" when there is no session to resume
	Seq   uint64 `json:"seq"`        // last "s" seen on an op 0 frame
	Shard [2]int `json:"shard"`      // [shard id, shard count]
	// Intents the session was identified with; 0 if not known (saved by an older luabot).
	Intents Intent `json:"intents,omitempty"`
}

// SessionStore persists sessions across process restarts, so that a restarted bot resumes
// and receives what was sent while it was down. The Client calls it from one goroutine at a
// time; implementations need not be safe for concurrent use by one Client, but one store is
// shared by every shard's Client and must be safe for that.
type SessionStore interface {
	// LoadSession returns the session last saved for shard; ok is false when there is none.
	LoadSession(shard [2]int) (s Session, ok bool, err error)
	// SaveSession records s, replacing what was saved for s.Shard. A Session with an empty
	// ID means "no resumable session". An error wrapping ErrSessionHandedOver says the
	// shard is another process's now: the Client stops trying to save, without logging.
	SaveSession(s Session) error
}

// defaultSaveInterval is the least time between two batched saves of a Client's session.
const defaultSaveInterval = time.Second

// sessionSaver batches writes of one Client's session: mark records the latest state and
// flush writes it if it changed. Client.saveLoop flushes once per interval and Run once
// more when it returns. A save that fails is retried at the next flush.
type sessionSaver struct {
	store SessionStore

	mu      sync.Mutex
	pending Session
	dirty   bool
	savedID string // the session id of the last successful save
}

// mark records sess for the next flush. A new session id (or the end of a
// session) is saved at once: until it is, a process killed now would
// restart with the old session or none, and the new session's events would
// be lost instead of replayed. Sequence numbers wait for the next flush: a
// stale one only makes the platform replay events the dedup layers drop.
func (s *sessionSaver) mark(sess Session) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.pending, s.dirty = sess, true
	newID := sess.ID != s.savedID
	s.mu.Unlock()
	if newID {
		_ = s.flush() // a failure stays dirty and is retried (and logged) by the next flush
	}
}

// advance raises the pending sequence number to seq, for an event the handler finished
// after it was marked; never lowers it, never touches the session id.
func (s *sessionSaver) advance(seq uint64) {
	if s == nil {
		return
	}
	s.mu.Lock()
	if s.pending.ID != "" && seq > s.pending.Seq {
		s.pending.Seq, s.dirty = seq, true
	}
	s.mu.Unlock()
}

// flush saves the pending state now if it changed.
func (s *sessionSaver) flush() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return nil
	}
	if err := s.store.SaveSession(s.pending); errors.Is(err, ErrSessionHandedOver) {
		s.dirty = false // the next holder saves it now; a later change marks it again
		return nil
	} else if err != nil {
		return err
	}
	s.dirty, s.savedID = false, s.pending.ID
	return nil
}
