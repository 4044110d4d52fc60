package host

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
)

// newBareHost returns a host made from cfg with a store of its own and an
// API client that reaches nothing (cfg's API and Store are set here).
func newBareHost(t testing.TB, cfg Config) *Host {
	t.Helper()
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	api, err := openapi.New(openapi.Config{AppID: "1", Token: "t", BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.API, cfg.Store = api, store
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Load used to check for a script of the same name before taking mu, so
// two concurrent loads of one file both got in.
func TestLoad_ConcurrentSameNameLoadsOnce(t *testing.T) {
	h := newBareHost(t, Config{})
	path := filepath.Join(t.TempDir(), "bot.lua")
	writeFile(t, path, `on("message", function(ev) end)`)
	const n = 8
	errs := make(chan error, n)
	var start sync.WaitGroup
	start.Add(1)
	for range n {
		go func() {
			start.Wait()
			errs <- h.Load(path)
		}()
	}
	start.Done()
	ok := 0
	for range n {
		if err := <-errs; err == nil {
			ok++
		}
	}
	if ok != 1 || len(h.list()) != 1 {
		t.Fatalf("%d loads succeeded, %d scripts in the set; want 1 and 1", ok, len(h.list()))
	}
}

// serve used to clear runCtx/runWG only after wg.Wait, so a Load during
// shutdown could wg.Add while Wait ran (the race detector reports it) and
// start a scheduler nobody waited for. Every script whose scheduler was
// started must have stopped when serve returns.
func TestServe_LoadDuringShutdownStartsNothingUnowned(t *testing.T) {
	dir := t.TempDir()
	for round := range 20 {
		h := newBareHost(t, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		returned := make(chan struct{}) // closed after done has serve's result
		serving := make(chan struct{})
		go func() {
			defer close(returned)
			done <- h.serve(ctx, func(ctx context.Context, _ func(gateway.Event, func())) error {
				close(serving)
				<-ctx.Done()
				return nil
			}, nil)
		}()
		<-serving
		loaded := make(chan struct{})
		go func() {
			defer close(loaded)
			for i := 0; ; i++ {
				path := filepath.Join(dir, fmt.Sprintf("r%d_%d.lua", round, i))
				writeFile(t, path, `on("message", function(ev) end)`)
				if err := h.Load(path); err != nil {
					t.Error(err)
					return
				}
				select {
				case <-returned:
					return
				default:
				}
				if i == 3 {
					cancel()
				}
			}
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not return")
		}
		<-loaded
		for _, s := range h.list() {
			if s.stopRun == nil {
				continue // never started: fine, serve had already handed back
			}
			// serve owns every scheduler it started: when it returns they
			// have all returned too.
			select {
			case <-s.done:
			default:
				t.Fatalf("script %s was started during shutdown and still runs after serve returned", s.name)
			}
		}
	}
}
