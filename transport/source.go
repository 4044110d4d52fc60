package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/gateway"
)

// Source delivers the platform's events, each once, to one consumer (the host). Build
// it with New, prepare it with Start, then Run it; Flush after the consumer has finished
// with the last event. Status is safe to call at any time.
type Source struct {
	cfg Config
	log *slog.Logger

	delivered atomic.Uint64 // events handed to the consumer
	dedup     atomic.Pointer[gateway.Dedup]
	listening atomic.Bool // webhook only: the listener is bound and Serve runs

	mu      sync.Mutex
	run     func(context.Context, func(dispatch.Event)) error // set by Start
	intents *gateway.IntentNegotiator                         // WebSocket only, from Start
	shards  []*gateway.Client                                 // WebSocket only, from Start

	statusMu  sync.Mutex
	statusErr string // the last failure to write StatusFile, "" once one succeeds
}

// New validates cfg; it is the one place transport options are checked, and its errors
// are *ConfigError.
func New(cfg Config) (*Source, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Source{cfg: cfg, log: cfg.Logger}, nil
}

// Start does what must succeed before events can flow: it loads the dedup window, fetches
// the access token once (so that refused credentials end start-up whatever the
// transport), and for WebSocket asks GET /gateway/bot where to connect, checks the session
// start limit and builds one gateway client per shard. Steps that fail in a way waiting
// can fix are retried with backoff (startup.go); the others end Start with their error.
func (s *Source) Start(ctx context.Context) error {
	stores := s.cfg.Sessions
	if stores == nil {
		stores = NewSessionStore(s.cfg.Store)
	}
	dcfg := gateway.DedupConfig{Store: stores, Logger: s.log}
	if shared, ok := s.cfg.Store.(gateway.SharedWindow); ok && s.cfg.Sessions == nil {
		// Several processes share the store: the window lives there, event by event.
		dcfg.Store, dcfg.Shared, dcfg.ClaimPending = nil, shared, s.cfg.Kind == Webhook
	}
	dedup, err := gateway.NewDedup(dcfg)
	if err != nil {
		return err
	}
	s.dedup.Store(dedup)

	if err := s.checkCredentials(ctx); err != nil {
		return err
	}
	var run func(context.Context, func(dispatch.Event)) error
	switch s.cfg.Kind {
	case Webhook:
		wcfg := s.cfg.Webhook
		wcfg.Logger = s.log
		w, err := gateway.NewWebhook(wcfg)
		if err != nil {
			return err
		}
		run = func(ctx context.Context, handle func(dispatch.Event)) error {
			ln, err := s.listenWebhook(ctx, wcfg.Listen)
			if err != nil {
				return fmt.Errorf("webhook listen: %w", err)
			}
			s.listening.Store(true)
			defer s.listening.Store(false)
			return w.Serve(ctx, ln, s.observed(WebhookShard, handle))
		}
	default:
		run, err = s.startShards(ctx, stores)
		if err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.run = run
	s.mu.Unlock()
	return nil
}

// Run delivers events to deliver until ctx ends or the transport stops for good. Every
// event passes the persisted dedup window first; deliver calls settled once the event is
// finished with, and only then may the window and the saved seq pass it. Run owns its
// goroutines (the dedup saver, the status writer, one per shard) and waits for them.
func (s *Source) Run(ctx context.Context, deliver func(ev dispatch.Event, settled func())) error {
	s.mu.Lock()
	run := s.run
	s.mu.Unlock()
	dedup := s.dedup.Load()
	if run == nil || dedup == nil {
		return errors.New("transport: Run before Start")
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = dedup.Run(ctx)
	}()
	if s.cfg.Presence != nil && s.cfg.Leases == nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.announce(ctx)
		}()
	}
	if s.cfg.StatusFile != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.statusLoop(ctx)
		}()
	}
	err := run(ctx, dedup.WrapSettled(func(ev dispatch.Event, settled func()) {
		s.delivered.Add(1)
		deliver(ev, settled)
	}))
	cancel()
	wg.Wait()
	if ferr := dedup.Flush(); ferr != nil {
		s.log.Error("dedup window not saved", "err", ferr)
	}
	s.writeStatus()
	return err
}

// Flush saves the dedup window and the shards' sessions once more. The consumer calls
// it after its handlers have drained: Run saved them when it stopped, before the
// handlers still running had finished, which left those events out of the window and
// the saved seq behind them.
func (s *Source) Flush() {
	if d := s.dedup.Load(); d != nil {
		if err := d.Flush(); err != nil {
			s.log.Error("dedup window not saved", "err", err)
		}
	}
	s.mu.Lock()
	shards := s.shards
	s.mu.Unlock()
	for _, c := range shards {
		if err := c.FlushSession(); err != nil {
			s.log.Error("gateway session not saved", "err", err)
		}
	}
	s.writeStatus()
}

// Seen records key in the persisted dedup window and reports whether it was there
// already; the host keeps message ids there (as "message:<id>") so that a message
// arriving as two event types reaches "message" handlers once, across restarts too.
// Before Start it records nothing and reports false.
func (s *Source) Seen(key string) bool {
	if d := s.dedup.Load(); d != nil {
		return d.Seen(key)
	}
	return false
}

// MissingIntents returns the intents the consumer wants now (Config.Intents) that the
// running session was not identified with, because intents are only sent at identify:
// 0 before the first READY, with webhooks, when the consumer wants no events at all, and
// for intents the platform refused (those were reported once already).
func (s *Source) MissingIntents() dispatch.Intent {
	s.mu.Lock()
	n := s.intents
	s.mu.Unlock()
	if n == nil {
		return 0
	}
	return n.Missing()
}
