package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/google/uuid"
)

// session is a gateway session: what Identify created and Resume can pick
// up again. It outlives its connection by sessionRetention, and keeps
// logging events meanwhile so that a resume loses nothing.
//
// Locking: mu orders everything written to the session's connection, so
// sequence numbers reach the client strictly increasing. conn and
// detachedAt are written with both mu and Server.mu held, so either lock
// suffices to read them. Lock order is session.mu, then Server.mu, then
// conn.writeMu; nothing takes session.mu while holding Server.mu.
type session struct {
	s       *Server
	id      string
	intents uint32
	shard   [2]uint64 // [id, count]

	mu         sync.Mutex
	seq        uint64        // last s sent
	log        []loggedEvent // recent dispatches, for replay
	trimmedSeq uint64        // highest s dropped from log; older resumes fail
	conn       *conn         // attached connection, nil while detached
	detachedAt time.Time
}

type loggedEvent struct {
	seq   uint64
	frame []byte
}

func newSession(s *Server, intents uint32, shard [2]uint64) *session {
	return &session{s: s, id: uuid.NewString(), intents: intents, shard: shard}
}

// errConnClosed reports a connection dropped while it was identifying.
var errConnClosed = errors.New("connection closed")

// start registers the session, attaches c and sends READY (s=1).
func (ss *session) start(c *conn) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !ss.s.attach(ss, c) {
		return errConnClosed
	}
	d, err := marshal(readyData{
		Version:   1,
		SessionID: ss.id,
		User:      readyUser{ID: ss.s.w.bot.ID, Username: ss.s.w.bot.Username, Bot: true},
		Shard:     ss.shard,
	})
	if err != nil {
		return fmt.Errorf("encode ready: %w", err)
	}
	frame, err := ss.frame("READY", newEventID("READY"), d)
	if err != nil {
		return err
	}
	// Counted before READY goes out, so that Sessions never lags behind
	// what the client has seen; ss.mu keeps events behind READY.
	ss.s.markIdentified(c)
	return ss.s.writeDispatch(c, frame)
}

// errInvalidSeq reports a Resume whose seq the session cannot serve.
var errInvalidSeq = errors.New("invalid seq")

// resume attaches c, replays events after seq and sends RESUMED. A seq
// ahead of the session, or behind what the log still holds, yields
// errInvalidSeq. A connection still holding the session is closed with
// 4902 afterwards, as the platform does when a resume takes over.
func (ss *session) resume(c *conn, seq uint64) error {
	old, err := ss.replay(c, seq)
	if old != nil {
		old.closeWith(closeResetByResume, "reset by resume")
	}
	return err
}

func (ss *session) replay(c *conn, seq uint64) (old *conn, err error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if seq > ss.seq || seq < ss.trimmedSeq {
		return nil, errInvalidSeq
	}
	old = ss.conn
	if !ss.s.attach(ss, c) {
		return nil, errConnClosed
	}
	if old != nil {
		ss.s.retire(old)
	}
	for _, e := range ss.log {
		if e.seq > seq {
			if err := ss.s.writeDispatch(c, e.frame); err != nil {
				return old, fmt.Errorf("replay: %w", err)
			}
		}
	}
	ss.s.markIdentified(c) // before RESUMED, as for READY
	frame, err := ss.frame("RESUMED", newEventID("RESUMED"), json.RawMessage(`""`))
	if err != nil {
		return old, err
	}
	return old, ss.s.writeDispatch(c, frame)
}

// dispatch sends event t to the session, or only logs it while detached.
func (ss *session) dispatch(t, id string, d json.RawMessage) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	frame, err := ss.frame(t, id, d)
	if err != nil {
		ss.s.log.Error("dispatch", logSession, ss.id, "err", err)
		return
	}
	ss.log = append(ss.log, loggedEvent{seq: ss.seq, frame: frame})
	if len(ss.log) > maxSessionLog {
		ss.trimmedSeq = ss.log[0].seq
		ss.log = dropFirst(ss.log)
	}
	if ss.conn == nil {
		return
	}
	if err := ss.s.writeDispatch(ss.conn, frame); err != nil {
		// The reader notices the closed socket and detaches; the event
		// stays in the log for a resume.
		ss.conn.log.Debug("dispatch", "err", err)
		_ = ss.conn.ws.Close()
	}
}

// frame builds the next op-0 frame: s strictly increasing, id "<T>:<uuid>".
// The caller holds ss.mu.
func (ss *session) frame(t, id string, d json.RawMessage) ([]byte, error) {
	ss.seq++
	b, err := marshal(dispatchFrame{Op: opDispatch, S: ss.seq, T: t, ID: id, D: d})
	if err != nil {
		return nil, fmt.Errorf("encode %s frame: %w", t, err)
	}
	return b, nil
}

// writeDispatch writes one op-0 frame to c and counts it for Dispatched;
// a frame swallowed by a silenced connection is not counted.
func (s *Server) writeDispatch(c *conn, frame []byte) error {
	sent, err := c.send(frame)
	if err != nil {
		return err
	}
	if sent {
		s.dispatched.Add(1)
	}
	return nil
}

// Dispatched reports how many op-0 frames (READY, RESUMED, replays and
// events) have been written to gateway connections so far. A client that
// has received as many has seen everything the platform sent.
func (s *Server) Dispatched() uint64 { return s.dispatched.Load() }

// addConn registers a new gateway connection unless the server is closing.
func (s *Server) addConn(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// removeConn runs when the connection's reader ends.
func (s *Server) removeConn(c *conn) {
	s.detach(c)
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// attach binds ss to c and registers ss. The caller holds ss.mu.
func (s *Server) attach(ss *session, c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.closed || s.closed {
		return false
	}
	s.sessions[ss.id] = ss
	ss.conn = c
	c.sess = ss
	return true
}

// markIdentified counts c as READY or RESUMED goes out.
func (s *Server) markIdentified(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.closed || c.counted {
		return
	}
	c.counted = true
	s.identified++
	s.sessionSignal.notify()
}

// detach unbinds c from its session, which stays resumable, and stops
// counting c. It is idempotent, so DropConnections can call it before the
// reader notices, making Sessions exact as soon as it returns.
func (s *Server) detach(c *conn) {
	s.mu.Lock()
	ss := c.sess
	s.mu.Unlock()
	if ss != nil {
		ss.mu.Lock()
		s.mu.Lock()
		if ss.conn == c {
			ss.conn = nil
			ss.detachedAt = s.now()
			if c.invalidate {
				delete(s.sessions, ss.id)
			}
		}
		s.mu.Unlock()
		ss.mu.Unlock()
	}
	s.retire(c)
}

// retire marks c closed and uncounts it.
func (s *Server) retire(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.closed = true
	if c.counted {
		c.counted = false
		s.identified--
		s.sessionSignal.notify()
	}
}

func (s *Server) sessionOf(c *conn) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return c.sess
}

// lookupSession finds a session that may still be resumed.
func (s *Server) lookupSession(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneSessions(s.now())
	return s.sessions[id]
}

// targets lists the sessions an event for intent in guildID goes to:
// identified with the intent, and on the shard that owns the guild
// ((guild_id>>22) % count, §2.2). The caller holds s.mu.
func (s *Server) targets(intent uint32, guildID string, now time.Time) []*session {
	s.pruneSessions(now)
	var out []*session
	for _, ss := range s.sessions {
		if ss.intents&intent != 0 && shardOf(guildID, ss.shard[1]) == ss.shard[0] {
			out = append(out, ss)
		}
	}
	return out
}

// pruneSessions forgets sessions detached for longer than the retention.
// The caller holds s.mu.
func (s *Server) pruneSessions(now time.Time) {
	for id, ss := range s.sessions {
		if ss.conn == nil && now.Sub(ss.detachedAt) > sessionRetention {
			delete(s.sessions, id)
		}
	}
}

// takeSessionStart consumes one identify from session_start_limit.
func (s *Server) takeSessionStart() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refillSessionStarts(s.now())
	if s.startRemaining == 0 {
		return false
	}
	s.startRemaining--
	return true
}

// sessionStartLimit reports remaining identifies and the time to refill.
func (s *Server) sessionStartLimit() (int, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.refillSessionStarts(now)
	return s.startRemaining, s.startResetAt.Sub(now)
}

// refillSessionStarts opens a new 24 h window when the last one ended. The
// caller holds s.mu.
func (s *Server) refillSessionStarts(now time.Time) {
	if s.startResetAt.IsZero() || !now.Before(s.startResetAt) {
		s.startRemaining = int(s.cfg.SessionStarts)
		s.startResetAt = now.Add(sessionStartResetPeriod)
	}
}

// Sessions is the number of connections that are currently identified
// (READY or RESUMED sent and not yet closed).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identified
}

// WaitSessions blocks until at least n connections are identified, ctx is
// done, or the server closes.
func (s *Server) WaitSessions(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		if s.identified >= n {
			s.mu.Unlock()
			return nil
		}
		changed := s.sessionSignal.wait()
		s.mu.Unlock()
		select {
		case <-changed:
		case <-s.done:
			return fmt.Errorf("wait for %d sessions: %w", n, ErrServerClosed)
		case <-ctx.Done():
			return fmt.Errorf("wait for %d sessions: %w", n, ctx.Err())
		}
	}
}

// DropConnections abruptly closes every gateway connection, without a
// close frame, as a network failure would: the TCP connection is reset
// (SO_LINGER 0), so clients read a connection error rather than a clean
// EOF, which gorilla would report as close 1006. Sessions stay resumable,
// and Sessions() already reflects the drop when this returns.
func (s *Server) DropConnections() {
	for _, c := range s.connList() {
		if tcp, ok := c.ws.NetConn().(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
		_ = c.ws.Close()
		s.detach(c)
	}
}

// RequestReconnect asks every identified connection to reconnect the way
// the platform does: op 7, then close 4009, after which clients resume.
func (s *Server) RequestReconnect() {
	for _, c := range s.identifiedConns() {
		_ = c.write(frameReconnect)
		c.closeWith(closeSessionTimedOut, "Session timed out")
		s.detach(c)
	}
}

// InvalidateSessions ends every identified connection the way the platform
// rejects a session: {"op":9,"d":false}, then close 4006. The sessions are
// forgotten, so clients must identify afresh.
func (s *Server) InvalidateSessions() {
	for _, c := range s.identifiedConns() {
		s.mu.Lock()
		c.invalidate = true
		s.mu.Unlock()
		_ = c.write(frameInvalidSession)
		c.closeWith(closeSessionInvalid, "session no longer valid")
		s.detach(c)
	}
}

// SilenceConnections turns every open gateway connection into a zombie:
// the socket stays open and the simulator keeps reading it, but writes
// nothing more on it: no heartbeat ACK (op 11), no dispatch, no op 7 or 9.
// Events meant for its session are still numbered and logged, so a client
// that gives up on the connection and resumes gets them replayed; the
// connection it resumes on, like any connection opened after this call,
// behaves normally. Heartbeats still keep a silenced connection open, and a
// client that stops sending them is still closed with 4009 after 1.5
// intervals; close frames (that one, 1001 from Close, 4902 when a resume
// takes over the session, CloseConnections) are still sent.
func (s *Server) SilenceConnections() {
	for _, c := range s.connList() {
		c.silence()
		c.log.Info("silenced: no more frames until the connection closes")
	}
}

// CloseConnections closes every gateway connection with code and reason,
// as the platform does for its own reasons (4009, 4900–4913, 4914…).
// Sessions stay resumable.
func (s *Server) CloseConnections(code int, reason string) {
	for _, c := range s.connList() {
		c.closeWith(code, reason)
		s.detach(c)
	}
}

// WriteFrame writes a raw text frame to every identified connection, to
// test how clients cope with malformed frames, unknown opcodes or unknown
// events. Use Inject for the common cases.
func (s *Server) WriteFrame(frame []byte) {
	for _, c := range s.identifiedConns() {
		_ = c.write(frame)
	}
}

// DispatchRaw sends an op-0 event of type t with payload d (JSON) to every
// identified session, numbered like any other event, whatever its intents.
func (s *Server) DispatchRaw(t string, d json.RawMessage) {
	id := newEventID(t)
	for _, c := range s.identifiedConns() {
		if ss := s.sessionOf(c); ss != nil {
			ss.dispatch(t, id, d)
		}
	}
}

func (s *Server) identifiedConns() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*conn
	for c := range s.conns {
		if c.sess != nil && !c.closed {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) connList() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}
