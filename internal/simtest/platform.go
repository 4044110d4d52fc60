package simtest

import (
	"context"
	"testing"
	"time"

	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

// Start starts a simulator for the test and closes it when the test ends.
func Start(t testing.TB, cfg sim.Config) *sim.Server {
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

// API is a REST client for the simulator's bot.
func API(t testing.TB, platform *sim.Server) *openapi.Client {
	t.Helper()
	api, err := openapi.New(openapi.Config{AppID: platform.AppID(), Secret: platform.Secret(),
		BaseURL: platform.APIURL(), TokenURL: platform.TokenURL()})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// Deadline is a context that ends after d or when the test ends.
func Deadline(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
