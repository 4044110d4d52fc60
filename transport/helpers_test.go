package transport_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// These tests run a whole bot (a host with scripts, served by a Source) against the
// simulator, as `luabot run` wires them.

// newBot opens the kv file at path and builds a host with the scripts loaded and a
// Source from cfg over it. closeStore closes the store (at the latest when the test
// ends), as a process exit would.
func newBot(t *testing.T, platform *sim.Server, path string, cfg transport.Config, scripts ...string) (h *host.Host, src *transport.Source, closeStore func()) {
	t.Helper()
	api := simtest.API(t, platform)
	store, err := kv.Open(kv.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	closeStore = func() { once.Do(func() { store.Close() }) }
	t.Cleanup(closeStore)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h, err = host.New(host.Config{API: api, Store: store, Logger: cfg.Logger})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Load(scripts...); err != nil {
		t.Fatal(err)
	}
	cfg.API, cfg.Store, cfg.Intents = api, store, h
	src, err = transport.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, src, closeStore
}

// runBot runs newBot's bot until stop is called, which returns Run's error.
func runBot(t *testing.T, platform *sim.Server, path string, cfg transport.Config, scripts ...string) (src *transport.Source, stop func() error) {
	t.Helper()
	h, src, closeStore := newBot(t, platform, path, cfg, scripts...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx, src) }()
	stopped := false
	var err error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			err = <-done
			closeStore()
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return src, stop
}
