package host_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// bot is a host serving from a transport, as `luabot run` wires them.
type bot struct {
	*host.Host
	src *transport.Source
}

// Status is the transport's report on the shards.
func (b *bot) Status() transport.StatusReport { return b.src.Status() }

// runHost runs a host on the kv file at path against platform until stop is called, which
// returns Run's error. The store is closed on stop, as a process exit would.
func runHost(t *testing.T, platform *sim.Server, path string, cfg host.Config, scripts ...string) (stop func() error) {
	t.Helper()
	_, stop = runHostWith(t, platform, path, cfg, scripts...)
	return stop
}

// runHostWith is runHost that also returns the bot, over the WebSocket gateway.
func runHostWith(t *testing.T, platform *sim.Server, path string, cfg host.Config, scripts ...string) (b *bot, stop func() error) {
	t.Helper()
	return runHostVia(t, platform, path, cfg, transport.Config{}, scripts...)
}

// newBot opens the kv file at path and builds a host from cfg and a transport from tcfg
// over it, with the scripts loaded. closeStore closes the store.
func newBot(t *testing.T, platform *sim.Server, path string, cfg host.Config, tcfg transport.Config, scripts ...string) (b *bot, closeStore func()) {
	t.Helper()
	api := simtest.API(t, platform)
	store, err := kv.Open(kv.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	cfg.API, cfg.Store = api, store
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h, err := host.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Load(scripts...); err != nil {
		t.Fatal(err)
	}
	tcfg.API, tcfg.Store, tcfg.Intents, tcfg.Logger = api, store, h, cfg.Logger
	// The platform's timings (a 5 s start window, a reconnect backoff from 1 s, paid
	// again per set of intents a 4014 refuses) would make these tests wait seconds for
	// nothing they check; a test of the pacing sets its own.
	if tcfg.StartWindow == 0 {
		tcfg.StartWindow = time.Millisecond
	}
	if tcfg.ReconnectBackoff == 0 {
		tcfg.ReconnectBackoff = 10 * time.Millisecond
	}
	src, err := transport.New(tcfg)
	if err != nil {
		t.Fatal(err)
	}
	return &bot{Host: h, src: src}, func() { store.Close() }
}

// runHostVia is runHostWith over the transport tcfg configures.
func runHostVia(t *testing.T, platform *sim.Server, path string, cfg host.Config, tcfg transport.Config, scripts ...string) (b *bot, stop func() error) {
	t.Helper()
	b, closeStore := newBot(t, platform, path, cfg, tcfg, scripts...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, b.src) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		err := <-done
		closeStore()
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return b, stop
}
