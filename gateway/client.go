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
			c.log.Error("gateway session not saved", "error", ferr)
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
			if !c.wait(ctx, c.backoff(0)) {
				return nil
			}
			continue
		}
		act, rule := p.decide(out, c.sessionID != "")
		c.status.update(func(st *Status) {
			st.LastCode, st.LastReason, st.LastDecision = out.code, out.reason, act.String()
			st.ResumeFailures = p.failedResumes
		})
		attrs := []any{"code", out.code, "reason", out.reason, "decision", act.String(), "rule", rule,
			"session_id", c.sessionID, "seq", c.seq.Load()}
		if out.err != nil {
			attrs = append(attrs, "error", out.err)
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
		c.log.Warn("gateway session not loaded; identifying", "error", err)
		return false
	}
	if !ok || s.ID == "" || s.Shard != c.cfg.Shard {
		return false
	}
	c.sessionID = s.ID
	c.intents = s.Intents
	c.seq.Store(s.Seq)
	c.publishSession()
	c.log.Info("gateway session loaded", "session_id", s.ID, "seq", s.Seq)
	return true
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

// publishSession records the session in Status and marks it for the next save.
func (c *Client) publishSession() {
	s := Session{ID: c.sessionID, Seq: c.seq.Load(), Shard: c.cfg.Shard, Intents: c.intents}
	c.status.update(func(st *Status) { st.SessionID, st.Seq, st.Intents = s.ID, s.Seq, s.Intents })
	c.saver.mark(s)
}

// saveLoop writes the session at most once per SaveInterval until stop is closed.
func (c *Client) saveLoop(stop <-chan struct{}) {
	t := time.NewTicker(c.cfg.SaveInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := c.saver.flush(); err != nil {
				c.log.Warn("gateway session not saved; will retry", "error", err)
			}
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
