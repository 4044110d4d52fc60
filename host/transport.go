package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/openapi"
)

// Transports for Config.Transport.
const (
	TransportWS      = "ws"      // the WebSocket gateway, one gateway.Client per shard
	TransportWebhook = "webhook" // signed HTTP callbacks (gateway.Webhook)
)

// errShardRange is a shard id the shard count does not cover: a configuration error.
var errShardRange = errors.New("host: shard out of range")

// permanentStartError marks a start-up failure that retrying cannot fix.
type permanentStartError struct{ error }

func (e permanentStartError) Unwrap() error { return e.error }

// startWindow is the period session_start_limit.max_concurrency counts identifies in.
const startWindow = 5 * time.Second

// SessionLimitError is returned by Run when GET /gateway/bot says more shards are to run
// than the platform allows sessions a day. When only today's remaining starts are too few,
// Run waits for them to be reset instead (logging this error on each check).
type SessionLimitError struct {
	Remaining  int           // sessions the platform still allows today
	Total      int           // sessions the platform allows a day
	Shards     int           // shards this process would identify
	ResetAfter time.Duration // until Remaining is reset
}

// fits reports whether waiting for the reset lets every shard start.
func (e *SessionLimitError) fits() bool { return e.Shards <= e.Total }

func (e *SessionLimitError) Error() string {
	return fmt.Sprintf("host: session start limit reached: %d session starts left and %d shards to start (resets in %v); run fewer shards with --shard-range or wait",
		e.Remaining, e.Shards, e.ResetAfter.Round(time.Second))
}

// ParseShardRange parses --shard-range: "FIRST-LAST/COUNT" or "ID/COUNT", e.g. "0-3/8"
// for shards 0 to 3 of 8.
func ParseShardRange(s string) (ids []int, count int, err error) {
	bad := func(why string) error {
		return fmt.Errorf("shard range %q: %s; want FIRST-LAST/COUNT, e.g. 0-3/8", s, why)
	}
	r, c, ok := strings.Cut(s, "/")
	if !ok {
		return nil, 0, bad("no /COUNT")
	}
	count, err = strconv.Atoi(c)
	if err != nil || count < 1 || count > MaxShards {
		return nil, 0, bad(fmt.Sprintf("COUNT must be a number from 1 to %d", MaxShards))
	}
	lo, hi, isRange := strings.Cut(r, "-")
	if !isRange {
		hi = lo
	}
	first, err1 := strconv.Atoi(lo)
	last, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil || first < 0 || last < first || last >= count {
		return nil, 0, bad("need 0 <= FIRST <= LAST < COUNT")
	}
	for id := first; id <= last; id++ {
		ids = append(ids, id)
	}
	return ids, count, nil
}

func (cfg Config) validateTransport() error {
	switch cfg.Transport {
	case "", TransportWS:
	case TransportWebhook:
		if cfg.Webhook.Secret == "" {
			return errors.New("host: the webhook transport needs the AppSecret (--secret)")
		}
		if cfg.Webhook.Listen == "" {
			return errors.New("host: the webhook transport needs an address to listen on (--listen)")
		}
	default:
		return fmt.Errorf("host: unknown transport %q: want %s or %s", cfg.Transport, TransportWS, TransportWebhook)
	}
	if cfg.Shards < 0 || cfg.Shards > MaxShards {
		return fmt.Errorf("host: shard count %d is not from 1 to %d", cfg.Shards, MaxShards)
	}
	return nil
}

// source builds the event source serve consumes: the transport, wrapped so that every
// event passes the persisted dedup window first. The returned func owns its goroutines
// (the dedup saver, the status writer, one per shard) and waits for them.
func (h *Host) source(ctx context.Context) (func(context.Context, func(gateway.Event, func())) error, error) {
	stores := h.cfg.Sessions
	if stores == nil {
		stores = NewSessionStore(h.cfg.Store)
	}
	dedup, err := gateway.NewDedup(gateway.DedupConfig{Store: stores, Logger: h.log})
	if err != nil {
		return nil, err
	}
	h.dedup.Store(dedup)

	if err := h.checkCredentials(ctx); err != nil {
		return nil, err
	}
	var run func(context.Context, func(gateway.Event)) error
	switch h.cfg.Transport {
	case TransportWebhook:
		wcfg := h.cfg.Webhook
		wcfg.Logger = h.log
		w, err := gateway.NewWebhook(wcfg)
		if err != nil {
			return nil, err
		}
		run = func(ctx context.Context, handle func(gateway.Event)) error {
			ln, err := h.listenWebhook(ctx, wcfg.Listen)
			if err != nil {
				return fmt.Errorf("webhook listen: %w", err)
			}
			return w.Serve(ctx, ln, handle)
		}
	default:
		run, err = h.shardSource(ctx, stores)
		if err != nil {
			return nil, err
		}
	}

	return func(ctx context.Context, handle func(gateway.Event, func())) error {
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = dedup.Run(ctx)
		}()
		if h.cfg.StatusFile != "" {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h.statusLoop(ctx)
			}()
		}
		err := run(ctx, dedup.WrapSettled(handle))
		cancel()
		wg.Wait()
		if ferr := dedup.Flush(); ferr != nil {
			h.log.Error("dedup window not saved", "error", ferr)
		}
		h.writeStatus()
		return err
	}, nil
}

// flushGateway saves the dedup window and the shards' sessions once more
// after the scripts have drained: the transport saved them when it stopped,
// before the handlers still running had finished, which left those events
// out of the window and the saved seq behind them.
func (h *Host) flushGateway() {
	if d := h.dedup.Load(); d != nil {
		if err := d.Flush(); err != nil {
			h.log.Error("dedup window not saved", "error", err)
		}
	}
	h.shardsMu.Lock()
	shards := h.shards
	h.shardsMu.Unlock()
	for _, c := range shards {
		if err := c.FlushSession(); err != nil {
			h.log.Error("gateway session not saved", "error", err)
		}
	}
}

// shardSource asks GET /gateway/bot where to connect and how many shards to run, checks
// the session start limit and builds one gateway.Client per shard. The returned func runs
// them all; the first fatal error stops the others and is returned.
func (h *Host) shardSource(ctx context.Context, sessions gateway.SessionStore) (func(context.Context, func(gateway.Event)) error, error) {
	var (
		gb    *openapi.GatewayBot
		count int
		ids   []int
	)
	// Too few session starts left today gets better by waiting for the reset: the check
	// is a start-up step like the fetch, repeated until enough starts are left.
	transient := func(err error) bool {
		var le *SessionLimitError
		switch {
		case errors.As(err, &le):
			return le.fits()
		case errors.Is(err, errShardRange), errors.As(err, new(permanentStartError)):
			return false
		}
		return openapi.Transient(err)
	}
	err := h.retryStart(ctx, "GET /gateway/bot", transient, func(ctx context.Context) error {
		var err error
		gb, err = h.cfg.API.GatewayBot(ctx)
		if err != nil {
			return err // GatewayBot's error names the call
		}
		if err := checkGatewayBot(gb, h.cfg.Shards != 0, h.log); err != nil {
			return permanentStartError{err} // waiting will not change it
		}
		count = h.cfg.Shards
		if count == 0 {
			count = gb.Shards
		}
		ids = h.cfg.ShardIDs
		if len(ids) == 0 {
			ids = nil
			for id := range count {
				ids = append(ids, id)
			}
		}
		for _, id := range ids {
			if id < 0 || id >= count {
				return fmt.Errorf("%w: shard %d is not below the shard count %d", errShardRange, id, count)
			}
		}
		sl := gb.SessionStartLimit
		// A gateway that reports no limit at all (total 0) is not refused.
		if sl.Total > 0 && sl.Remaining < len(ids) {
			return &SessionLimitError{Remaining: sl.Remaining, Total: sl.Total, Shards: len(ids),
				ResetAfter: time.Duration(sl.ResetAfter) * time.Millisecond}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sl := gb.SessionStartLimit
	limiter := gateway.NewStartLimiter(sl.MaxConcurrency, startWindow)
	// One negotiator for every shard: what one learns from a 4014 the others need
	// not try again.
	intents := gateway.NewIntentNegotiator(h.WantedIntents, h.intentsDropped)
	h.mu.Lock()
	h.intents = intents
	h.mu.Unlock()
	clients := make([]*gateway.Client, 0, len(ids))
	for _, id := range ids {
		c, err := gateway.New(gateway.Config{
			URL:        gb.URL,
			Token:      h.cfg.API.IdentifyToken,
			Negotiator: intents,
			Shard:      [2]int{id, count},
			Logger:     h.log,
			Sessions:   sessions,
			// The saved seq covers only events every script has finished
			// with (settle.go), so a kill -9 replays the rest.
			SaveFinishedSeq: true,
			BeforeIdentify:  limiter.Wait,
			// After 4004 the next identify fetches a fresh access token.
			InvalidateToken: h.cfg.API.InvalidateToken,
		})
		if err != nil {
			return nil, err
		}
		clients = append(clients, c)
	}
	h.shardsMu.Lock()
	h.shards = clients
	h.shardsMu.Unlock()
	h.log.Info("gateway shards", "count", count, "running", len(ids), "first", ids[0], "last", ids[len(ids)-1],
		"session_starts_left", sl.Remaining, "max_concurrency", sl.MaxConcurrency)

	return func(ctx context.Context, handle func(gateway.Event)) error {
		if len(clients) == 1 {
			return clients[0].Run(ctx, handle)
		}
		// Shards deliver one event at a time, each shard in its own order.
		var mu sync.Mutex
		serial := func(ev gateway.Event) {
			mu.Lock()
			defer mu.Unlock()
			handle(ev)
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		errs := make(chan error, len(clients))
		for _, c := range clients {
			go func() {
				err := c.Run(ctx, serial)
				if err != nil {
					cancel()
				}
				errs <- err
			}()
		}
		var first error
		for range clients {
			if err := <-errs; err != nil && first == nil {
				first = err
			}
		}
		return first
	}, nil
}

// StatusReport is what `luabot status` shows: the state of each shard of a running (or
// the last) process.
type StatusReport struct {
	PID        int       `json:"pid"`
	Transport  string    `json:"transport"`
	Updated    time.Time `json:"updated"`
	Received   uint64    `json:"received"`   // events handed to the scripts
	Duplicates uint64    `json:"duplicates"` // events dropped by the dedup window
	// IntentsNotGranted are the optional intents the platform refused (close 4014), so
	// the scripts do not get their events; each shard's Intents are what it was granted.
	IntentsNotGranted gateway.Intent   `json:"intents_not_granted,omitempty"`
	Shards            []gateway.Status `json:"shards"`
}

// Status reports the current state of every shard.
func (h *Host) Status() StatusReport {
	r := StatusReport{PID: os.Getpid(), Transport: h.cfg.Transport, Updated: time.Now(), Received: h.received.Load()}
	if r.Transport == "" {
		r.Transport = TransportWS
	}
	if d := h.dedup.Load(); d != nil {
		r.Duplicates = d.Dropped()
	}
	h.mu.Lock()
	n := h.intents
	h.mu.Unlock()
	if n != nil {
		r.IntentsNotGranted = n.Dropped()
	}
	h.shardsMu.Lock()
	for _, c := range h.shards {
		r.Shards = append(r.Shards, c.Status())
	}
	h.shardsMu.Unlock()
	return r
}

// statusLoop rewrites StatusFile once a second until ctx is done.
func (h *Host) statusLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	h.writeStatus()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.writeStatus()
		}
	}
}

// writeStatus replaces StatusFile atomically (write, then rename).
func (h *Host) writeStatus() {
	if h.cfg.StatusFile == "" {
		return
	}
	b, err := json.MarshalIndent(h.Status(), "", "  ")
	if err == nil {
		tmp := h.cfg.StatusFile + ".tmp"
		if err = os.WriteFile(tmp, b, 0o600); err == nil {
			err = os.Rename(tmp, h.cfg.StatusFile)
		}
	}
	if err != nil {
		h.log.Warn("status file not written", "path", filepath.Clean(h.cfg.StatusFile), "error", err)
	}
}
