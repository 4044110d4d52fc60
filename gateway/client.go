package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Client is a gateway connection for one shard. Create it with New and drive it with Run.
type Client struct {
	cfg   Config
	log   *slog.Logger
	saver *sessionSaver // nil without Config.Sessions

	running atomic.Bool
	status  statusBox

	// Session state that outlives a connection. sessionID is only touched by the goroutine
	// running Run; seq is also read by the heartbeat goroutine.
	sessionID string
	intents   Intent // what sessionID was identified with; 0 if unknown
	seq       atomic.Uint64

	// With Config.SaveFinishedSeq: the sequence numbers handed to the handler and not
	// yet finished, oldest first (finished ones are dropped from the front as it clears),
	// and the session generation they belong to.
	unfinishedMu sync.Mutex
	unfinished   []unfinishedSeq
	finished     map[uint64]bool
	lastTracked  uint64
	gen          uint64
}

// New validates cfg and returns a Client. It does not connect; Run does.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg: cfg,
		log: cfg.Logger.With("shard_id", cfg.Shard[0], "shard_count", cfg.Shard[1]),
	}
	if cfg.Sessions != nil {
		c.saver = &sessionSaver{store: cfg.Sessions}
	}
	c.status.st = Status{Shard: cfg.Shard, State: StateIdle, Since: time.Now()}
	return c, nil
}

// Status returns a snapshot of the connection's state. It is safe to call at any time,
// from any goroutine.
func (c *Client) Status() Status { return c.status.get() }

// Run connects, identifies (or resumes a persisted session) and calls handle for every
// dispatch (READY and RESUMED included), in order, synchronously from the reading
// goroutine; handle must not block long. When a connection ends, the policy in the package
// documentation picks resume, identify or stop, and a jittered backoff precedes the next
// connection. Every decision is one log line.
//
// Run returns nil once ctx is done (after sending close 1000 on a live connection and
// saving the session), a *CloseError when the server closes with a fatal code, the error
// of Config.BeforeIdentify, ErrNilHandler for a nil handle, or ErrRunning if called while
// already running. It returns only after every goroutine it started has ended.
func (c *Client) Run(ctx context.Context, handle func(Event)) (err error) {
	if handle == nil {
		return ErrNilHandler
	}
	if !c.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer c.running.Store(false)

	next := actionIdentify
	if c.loadSession() {
		next = actionResume
	}

	var wg sync.WaitGroup
	stopSaver := make(chan struct{})
	if c.saver != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.saveLoop(stopSaver)
		}()
	}
	defer func() {
		close(stopSaver)
		wg.Wait()
		if ferr := c.saver.flush(); ferr != nil {
			c.log.Error("gateway session not saved", "err", ferr)
		}
		if err == nil {
			c.status.setState(StateStopped)
			c.log.Info("gateway stopped", "session_id", c.sessionID, "seq", c.seq.Load())
		}
	}()

	var p policy
	failures := 0
	for {
		if ctx.Err() != nil {
			return nil
		}
		if next == actionIdentify && c.cfg.BeforeIdentify != nil {
			if err := c.cfg.BeforeIdentify(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				c.status.setState(StateFatal)
				return fmt.Errorf("gateway: before identify: %w", err)
			}
		}
		out := c.runConn(ctx, handle, next)
		if ctx.Err() != nil {
			return nil
		}
		if out.ready {
			failures = 0 // the connection worked; a later drop starts the backoff over
		}
		if c.negotiate(out) {
			// Not a failure: the next Identify asks for less. MinBackoff keeps it from
			// being a tight loop; the negotiator has finitely many sets to try.
			c.status.update(func(st *Status) {
				st.LastCode, st.LastReason, st.LastDecision = out.code, out.reason, actionIdentify.String()
			})
			next = actionIdentify
			c.observeDecision(actionIdentify)
			if !c.wait(ctx, c.backoff(0)) {
				return nil
			}
			continue
		}
		act, rule := p.decide(out, c.sessionID != "")
		c.observeDecision(act)
		c.status.update(func(st *Status) {
			st.LastCode, st.LastReason, st.LastDecision = out.code, out.reason, act.String()
			st.ResumeFailures = p.failedResumes
		})
		attrs := []any{"code", out.code, "reason", out.reason, "decision", act.String(), "rule", rule,
			"session_id", c.sessionID, "seq", c.seq.Load()}
		if out.err != nil {
			attrs = append(attrs, "err", out.err)
		}
		if !out.lastAck.IsZero() {
			attrs = append(attrs, "since_ack", time.Since(out.lastAck).Round(time.Millisecond))
		}
		if act == actionStop {
			c.status.setState(StateFatal)
			c.log.Error("gateway disconnected", attrs...)
			return &CloseError{Code: out.code, Reason: out.reason}
		}
		if act == actionIdentify {
			if out.code == 4004 && c.cfg.InvalidateToken != nil && out.token != "" {
				c.cfg.InvalidateToken(out.token)
			}
			if c.sessionID != "" {
				attrs = append(attrs, "lost_after_seq", c.seq.Load())
			}
		}
		delay := c.backoff(failures)
		failures++
		c.log.Warn("gateway disconnected", append(attrs, "delay", delay)...)
		if act == actionIdentify {
			c.abandonSession()
		}
		next = act

		if !c.wait(ctx, delay) {
			return nil
		}
	}
}

// observeDecision tells Config.Observer what the policy decided after a disconnect.
func (c *Client) observeDecision(act action) {
	if c.cfg.Observer == nil {
		return
	}
	decision := act.String()
	if act == actionStop {
		decision = DecisionFatal
	}
	c.cfg.Observer.Reconnect(c.cfg.Shard[0], decision)
}

// wait spends delay in StateBackoff and reports false if ctx ended first.
func (c *Client) wait(ctx context.Context, delay time.Duration) bool {
	c.status.setState(StateBackoff)
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// negotiate handles a close 4014 (intents not permitted) in answer to an Identify when
// Config.Negotiator is set: it reports true, after one log line, when the negotiator has
// a smaller set of intents for the next Identify. Otherwise the policy decides (a 4014
// stops Run).
func (c *Client) negotiate(out outcome) bool {
	n := c.cfg.Negotiator
	if n == nil || out.code != 4014 || out.identified == 0 || out.ready {
		return false
	}
	if !n.Refused(out.identified) {
		return false
	}
	c.log.Info("gateway intents not permitted; identifying again without some optional ones",
		"code", out.code, "reason", out.reason, "refused", out.identified.String(), "next", n.Next().String())
	return true
}

// loadSession restores the persisted session for this shard, if any, and reports whether
// there is one to resume.
func (c *Client) loadSession() bool {
	if c.cfg.Sessions == nil {
		return c.sessionID != ""
	}
	s, ok, err := c.cfg.Sessions.LoadSession(c.cfg.Shard)
	if err != nil {
		c.log.Warn("gateway session not loaded; identifying", "err", err)
		return false
	}
	if !ok || s.ID == "" || s.Shard != c.cfg.Shard {
		return false
	}
	// Intents are fixed at identify: a session identified before the handlers wanted an
	// event would go on without it after the resume. Only required intents count; a
	// missing optional one may have been refused, and asking again is no reason to lose
	// the session. A session saved without its intents is resumed as before.
	if missing := c.requiredIntents() &^ s.Intents; s.Intents != 0 && missing != 0 {
		c.log.Info("gateway session not resumed: it lacks intents the handlers need; identifying",
			"session_id", s.ID, "missing_intents", uint32(missing), "intent_names", missing.String())
		return false
	}
	c.sessionID = s.ID
	c.intents = s.Intents
	c.seq.Store(s.Seq)
	c.publishSession()
	c.log.Info("gateway session loaded", "session_id", s.ID, "seq", s.Seq)
	return true
}

// requiredIntents are the intents the next Identify cannot do without: Config.Intents, or
// the negotiator's required ones.
func (c *Client) requiredIntents() Intent {
	if n := c.cfg.Negotiator; n != nil {
		return n.Required()
	}
	return c.cfg.Intents
}

// abandonSession forgets the current session before an Identify. Whatever the platform
// sent on it after seq is lost, as on every SDK; the decision's log line said so.
func (c *Client) abandonSession() {
	if c.sessionID == "" {
		return
	}
	c.status.update(func(st *Status) { st.LostSessions++ })
	c.sessionID = ""
	c.intents = 0
	c.seq.Store(0)
	c.publishSession()
}

type unfinishedSeq struct {
	seq uint64
	at  time.Time // when it was handed to the handler
}

// maxUnfinishedAge is how long an unfinished event may hold the saved seq back. A handler
// that waits longer (sleep, wait_for) no longer keeps a restart from resuming past its
// event: replaying that much would be more than the platform keeps, and the dedup window
// and the host's records cover the handled events in between only for so long.
const maxUnfinishedAge = 2 * time.Minute

// FlushSession saves the session now if it changed. Run saves when it returns; events the
// handler finishes after that (Config.SaveFinishedSeq) advance the saved seq only through
// a later FlushSession, which the owner calls once the handler is done.
func (c *Client) FlushSession() error {
	c.expireUnfinished(time.Now())
	return c.saver.flush()
}

// expireUnfinished stops events handed out before now-maxUnfinishedAge from holding the
// saved seq back.
func (c *Client) expireUnfinished(now time.Time) {
	c.unfinishedMu.Lock()
	expired := false
	for len(c.unfinished) > 0 && (c.finished[c.unfinished[0].seq] || now.Sub(c.unfinished[0].at) > maxUnfinishedAge) {
		delete(c.finished, c.unfinished[0].seq)
		c.unfinished = c.unfinished[1:]
		expired = true
	}
	upTo := c.saveableLocked()
	c.unfinishedMu.Unlock()
	if expired {
		c.saver.advance(upTo)
	}
}

// saveableLocked is saveableSeq with unfinishedMu held.
func (c *Client) saveableLocked() uint64 {
	if len(c.unfinished) > 0 {
		return c.unfinished[0].seq - 1
	}
	if c.cfg.SaveFinishedSeq {
		return c.lastTracked
	}
	return c.seq.Load()
}

// publishSession records the session in Status and marks it for the next save.
func (c *Client) publishSession() {
	s := Session{ID: c.sessionID, Seq: c.seq.Load(), Shard: c.cfg.Shard, Intents: c.intents}
	c.status.update(func(st *Status) { st.SessionID, st.Seq, st.Intents = s.ID, s.Seq, s.Intents })
	s.Seq = c.saveableSeq()
	c.saver.mark(s)
}

// saveableSeq is the sequence number a restart may resume after: the last received, or
// with SaveFinishedSeq the one before the oldest event the handler has not finished.
func (c *Client) saveableSeq() uint64 {
	c.unfinishedMu.Lock()
	defer c.unfinishedMu.Unlock()
	if len(c.unfinished) > 0 {
		return c.unfinished[0].seq - 1
	}
	return c.seq.Load()
}

// track registers dispatch seq as handed to the handler and returns its Done.
func (c *Client) track(seq uint64) func() {
	if !c.cfg.SaveFinishedSeq || seq == 0 {
		return nil
	}
	c.unfinishedMu.Lock()
	defer c.unfinishedMu.Unlock()
	if c.finished == nil {
		c.finished = map[uint64]bool{}
	}
	c.unfinished = append(c.unfinished, unfinishedSeq{seq: seq, at: time.Now()})
	c.lastTracked = seq
	gen := c.gen
	var once sync.Once
	return func() { once.Do(func() { c.finish(gen, seq) }) }
}

// finish records that the handler is done with seq and lets the saved seq advance over
// every finished event at the front.
func (c *Client) finish(gen, seq uint64) {
	c.unfinishedMu.Lock()
	if gen != c.gen {
		c.unfinishedMu.Unlock()
		return
	}
	c.finished[seq] = true
	for len(c.unfinished) > 0 && c.finished[c.unfinished[0].seq] {
		delete(c.finished, c.unfinished[0].seq)
		c.unfinished = c.unfinished[1:]
	}
	upTo := c.lastTracked // everything handed out is finished
	if len(c.unfinished) > 0 {
		upTo = c.unfinished[0].seq - 1
	}
	c.unfinishedMu.Unlock()
	c.saver.advance(upTo)
}

// newGeneration forgets the unfinished events of a session that has ended: a new
// session numbers from 1 again.
func (c *Client) newGeneration() {
	c.unfinishedMu.Lock()
	c.gen++
	c.unfinished, c.finished, c.lastTracked = nil, nil, 0
	c.unfinishedMu.Unlock()
}

// saveLoop writes the session at most once per SaveInterval until stop is closed.
func (c *Client) saveLoop(stop <-chan struct{}) {
	t := time.NewTicker(c.cfg.SaveInterval)
	defer t.Stop()
	// failing: the last save failed. A store that is down fails every save;
	// one line when that starts and one when it ends say all there is.
	failing := false
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			c.expireUnfinished(time.Now())
			err := c.saver.flush()
			if err == nil && failing {
				c.log.Info("gateway session saved again")
			}
			if err != nil && !failing {
				c.log.Warn("gateway session not saved; will retry", "err", err)
			}
			failing = err != nil
		}
	}
}

// backoff returns the delay before reconnect attempt n (0-based); see Backoff.
func (c *Client) backoff(n int) time.Duration {
	return Backoff(n, c.cfg.MinBackoff, c.cfg.MaxBackoff)
}

// Backoff returns the delay before attempt n (0-based) of something retried after
// failures: lo doubled n times, capped at hi, then jittered into [d/2, d] so that many bots
// failing in the same outage do not all come back in the same instant. The gateway's
// reconnects and the host's start-up steps share it.
func Backoff(n int, lo, hi time.Duration) time.Duration {
	d := max(lo, 1)
	for i := 0; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, max(hi, 1))
	half := d / 2
	return half + rand.N(d-half+1)
}
