package gateway

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Client is a gateway connection for one shard. Create it with New and drive it with Run.
type Client struct {
	cfg Config
	log *slog.Logger

	running atomic.Bool

	// Session state that outlives a connection; a future Resume needs both. sessionID is
	// only touched by the goroutine running Run; seq is also read by the heartbeat goroutine.
	sessionID string
	seq       atomic.Uint64
}

// New validates cfg and returns a Client. It does not connect; Run does.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	return &Client{
		cfg: cfg,
		log: cfg.Logger.With("shard_id", cfg.Shard[0], "shard_count", cfg.Shard[1]),
	}, nil
}

// Run connects, identifies and calls handle for every dispatch (READY included), in order,
// synchronously from the reading goroutine; handle must not block long. A lost connection,
// a server close with a retryable code, op 7 and op 9 are logged and followed by a fresh
// connection and Identify after a jittered backoff.
//
// Run returns nil once ctx is done (after sending close 1000 on a live connection), a
// *CloseError when the server closes with a fatal code (4004, 4010–4014, 4914, 4915),
// ErrNilHandler for a nil handle, or ErrRunning if called while already running.
func (c *Client) Run(ctx context.Context, handle func(Event)) error {
	if handle == nil {
		return ErrNilHandler
	}
	if !c.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer c.running.Store(false)

	failures := 0
	for {
		if ctx.Err() != nil {
			return nil
		}
		out := c.runConn(ctx, handle)
		if ctx.Err() != nil {
			c.log.Info("gateway stopped")
			return nil
		}
		if out.ready {
			failures = 0 // the connection worked; a later drop starts the backoff over
		}
		d := decide(out)
		attrs := []any{"code", out.code, "reason", out.reason, "decision", d.String()}
		if out.err != nil {
			attrs = append(attrs, "error", out.err)
		}
		if !out.lastAck.IsZero() {
			attrs = append(attrs, "since_ack", time.Since(out.lastAck).Round(time.Millisecond))
		}
		if d == decisionStop {
			c.log.Error("gateway disconnected", attrs...)
			return &CloseError{Code: out.code, Reason: out.reason}
		}
		delay := c.backoff(failures)
		failures++
		c.log.Warn("gateway disconnected", append(attrs, "delay", delay)...)

		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			c.log.Info("gateway stopped")
			return nil
		case <-t.C:
		}
	}
}

// decision is what Run does after a connection ends.
type decision int

const (
	decisionReconnect decision = iota // new connection, fresh Identify
	decisionStop                      // give up: Run returns a *CloseError
	// A resume state machine would add decisionResume here (for 4008, 4009, op 7 and plain
	// network drops) and branch on it in runConn instead of always identifying.
)

func (d decision) String() string {
	if d == decisionStop {
		return "stop"
	}
	return "reconnect"
}

// decide maps how a connection ended to what happens next.
func decide(out outcome) decision {
	if fatalCloseCodes[out.code] {
		return decisionStop
	}
	return decisionReconnect
}

// backoff returns the delay before reconnect attempt n (0-based): MinBackoff doubled n
// times, capped at MaxBackoff, then jittered into [d/2, d] so that many bots dropped by the
// same outage do not all come back in the same instant.
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.MinBackoff
	for i := 0; i < n && d < c.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxBackoff)
	half := d / 2
	return half + rand.N(d-half+1)
}
