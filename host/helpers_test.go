package host_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

// newPlatform starts a simulator for the test.
func newPlatform(t *testing.T, cfg sim.Config) *sim.Server {
	t.Helper()
	platform, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := platform.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { platform.Close() })
	return platform
}

// apiFor is a REST client for the simulator's bot.
func apiFor(t *testing.T, platform *sim.Server) *openapi.Client {
	t.Helper()
	api, err := openapi.New(openapi.Config{AppID: platform.AppID(), Secret: platform.Secret(),
		BaseURL: platform.APIURL(), TokenURL: platform.TokenURL()})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func deadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// runHost runs a host on the kv file at path against platform until stop is called, which
// returns Run's error. The store is closed on stop, as a process exit would.
func runHost(t *testing.T, platform *sim.Server, path string, cfg host.Config, scripts ...string) (stop func() error) {
	t.Helper()
	_, stop = runHostWith(t, platform, path, cfg, scripts...)
	return stop
}

// runHostWith is runHost that also returns the host.
func runHostWith(t *testing.T, platform *sim.Server, path string, cfg host.Config, scripts ...string) (h *host.Host, stop func() error) {
	t.Helper()
	api := apiFor(t, platform)
	store, err := kv.Open(kv.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	cfg.API, cfg.Store = api, store
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h, err = host.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Load(scripts...); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		err := <-done
		store.Close()
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return h, stop
}
