package transport

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/openapi"
)

// permanentStartError marks a start-up failure that retrying cannot fix.
type permanentStartError struct{ error }

func (e permanentStartError) Unwrap() error { return e.error }

// SessionLimitError is returned by Start when GET /gateway/bot says more shards are to run
// than the platform allows sessions a day. When only today's remaining starts are too few,
// Start waits for them to be reset instead (logging this error on each check).
type SessionLimitError struct {
	Remaining  int           // sessions the platform still allows today
	Total      int           // sessions the platform allows a day
	Shards     int           // shards this process would identify
	ResetAfter time.Duration // until Remaining is reset
}

// fits reports whether waiting for the reset lets every shard start.
func (e *SessionLimitError) fits() bool { return e.Shards <= e.Total }

func (e *SessionLimitError) Error() string {
	return fmt.Sprintf("transport: session start limit reached: %d session starts left and %d shards to start (resets in %v); run fewer shards or wait",
		e.Remaining, e.Shards, e.ResetAfter.Round(time.Second))
}

// startShards asks GET /gateway/bot where to connect and how many shards to run, checks
// the session start limit and builds one gateway.Client per shard. The returned func runs
// them all; the first fatal error stops the others and is returned.
func (s *Source) startShards(ctx context.Context, sessions gateway.SessionStore) (func(context.Context, func(dispatch.Event)) error, error) {
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
	err := s.retryStart(ctx, "GET /gateway/bot", transient, func(ctx context.Context) error {
		var err error
		gb, err = s.cfg.API.GatewayBot(ctx)
		if err != nil {
			return err // GatewayBot's error names the call
		}
		if err := checkGatewayBot(gb, s.cfg.Shards != 0, s.log); err != nil {
			return permanentStartError{err} // waiting will not change it
		}
		count = s.cfg.Shards
		if count == 0 {
			count = gb.Shards
		}
		ids = s.cfg.ShardIDs
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
	limiter := gateway.NewStartLimiter(sl.MaxConcurrency, s.cfg.StartWindow)
	// One negotiator for every shard: what one learns from a 4014 the others need
	// not try again.
	intents := gateway.NewIntentNegotiator(s.cfg.Intents.WantedIntents, s.cfg.Intents.IntentsDropped)
	newClient := func(id int, sessions gateway.SessionStore) (*gateway.Client, error) {
		return gateway.New(gateway.Config{
			URL:        gb.URL,
			Token:      s.cfg.API.IdentifyToken,
			Negotiator: intents,
			Shard:      [2]int{id, count},
			Logger:     s.log,
			Sessions:   sessions,
			// The saved seq covers only events the consumer has finished with
			// (settled), so a kill -9 replays the rest.
			SaveFinishedSeq: true,
			BeforeIdentify:  limiter.Wait,
			// After 4004 the next identify fetches a fresh access token.
			InvalidateToken: s.cfg.API.InvalidateToken,
			MinBackoff:      s.cfg.ReconnectBackoff,
			Observer:        s.gatewayObserver(),
		})
	}
	if s.cfg.Leases != nil {
		s.mu.Lock()
		s.intents = intents
		s.mu.Unlock()
		return func(ctx context.Context, handle func(dispatch.Event)) error {
			return s.runLeased(ctx, ids, newClient, sessions, handle)
		}, nil
	}
	clients := make([]*gateway.Client, 0, len(ids))
	for _, id := range ids {
		c, err := newClient(id, sessions)
		if err != nil {
			return nil, err
		}
		clients = append(clients, c)
	}
	s.mu.Lock()
	s.intents, s.shards = intents, clients
	s.mu.Unlock()
	s.log.Info("gateway shards", "count", count, "running", len(ids), "first", ids[0], "last", ids[len(ids)-1],
		"session_starts_left", sl.Remaining, "max_concurrency", sl.MaxConcurrency)

	return func(ctx context.Context, handle func(dispatch.Event)) error {
		if len(clients) == 1 {
			return clients[0].Run(ctx, s.observed(ids[0], handle))
		}
		return fanIn(ctx, clients, ids, func(shard int) func(dispatch.Event) {
			return s.observed(shard, handle)
		})
	}, nil
}

// fanIn runs every shard and hands their events to handle one at a time, each shard in
// its own order. The first shard to fail stops the others; its error is returned.
// handleFor(shard) is the handler of one shard's events.
func fanIn(ctx context.Context, clients []*gateway.Client, ids []int, handleFor func(shard int) func(dispatch.Event)) error {
	var mu sync.Mutex
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(clients))
	for i, c := range clients {
		handle := handleFor(ids[i])
		serial := func(ev dispatch.Event) {
			mu.Lock()
			defer mu.Unlock()
			handle(ev)
		}
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
}
