package transport_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// These tests run a whole bot (a host with scripts, served by a Source) against the
// simulator, as `luabot run` wires them.

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

// newBot opens the kv file at path and builds a host with the scripts loaded and a
// Source from cfg over it. closeStore closes the store (at the latest when the test
// ends), as a process exit would.
func newBot(t *testing.T, platform *sim.Server, path string, cfg transport.Config, scripts ...string) (h *host.Host, src *transport.Source, closeStore func()) {
	t.Helper()
	api := apiFor(t, platform)
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

// gwLog is a slog.Handler that keeps every record (message, attributes, time), so a test
// can wait for a gateway decision instead of sleeping.
type gwLog struct {
	shared *gwLogShared
	attrs  []slog.Attr
}

type gwLogShared struct {
	mu      sync.Mutex
	recs    []gwRecord
	changed chan struct{}
}

type gwRecord struct {
	Time  time.Time
	Level slog.Level
	Msg   string
	Attrs map[string]string
}

func (r gwRecord) String() string {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Msg)
	for k, v := range r.Attrs {
		b.WriteString(" " + k + "=" + v)
	}
	return b.String()
}

func newGWLog() *gwLog { return &gwLog{shared: &gwLogShared{changed: make(chan struct{})}} }

func (h *gwLog) logger() *slog.Logger { return slog.New(h) }

func (h *gwLog) Enabled(context.Context, slog.Level) bool { return true }

func (h *gwLog) Handle(_ context.Context, r slog.Record) error {
	rec := gwRecord{Time: r.Time, Level: r.Level, Msg: r.Message, Attrs: map[string]string{}}
	for _, a := range h.attrs {
		rec.Attrs[a.Key] = a.Value.Resolve().String()
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs[a.Key] = a.Value.Resolve().String()
		return true
	})
	h.shared.mu.Lock()
	h.shared.recs = append(h.shared.recs, rec)
	close(h.shared.changed)
	h.shared.changed = make(chan struct{})
	h.shared.mu.Unlock()
	return nil
}

func (h *gwLog) WithAttrs(as []slog.Attr) slog.Handler {
	return &gwLog{shared: h.shared, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *gwLog) WithGroup(string) slog.Handler { return h }

// matching returns the records with message msg for which keep (nil: all) holds.
func (h *gwLog) matching(msg string, keep func(gwRecord) bool) []gwRecord {
	h.shared.mu.Lock()
	defer h.shared.mu.Unlock()
	var out []gwRecord
	for _, r := range h.shared.recs {
		if r.Msg == msg && (keep == nil || keep(r)) {
			out = append(out, r)
		}
	}
	return out
}

// count counts the records with one of msgs.
func (h *gwLog) count(msgs ...string) int {
	n := 0
	for _, m := range msgs {
		n += len(h.matching(m, nil))
	}
	return n
}

// waitFor blocks until cond holds (it is re-checked after every new record) or ctx ends.
func (h *gwLog) waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for {
		h.shared.mu.Lock()
		ch := h.shared.changed
		h.shared.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v; log:\n%s", what, ctx.Err(), h.tail(30))
		}
	}
}

// sessionsUp waits until the gateway clients have logged n READY or RESUMED in all.
func (h *gwLog) sessionsUp(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	h.waitFor(t, ctx, fmt.Sprintf("%d READY/RESUMED", n), func() bool {
		return h.count("gateway ready", "gateway resumed") >= n
	})
}

func (h *gwLog) tail(n int) string {
	h.shared.mu.Lock()
	defer h.shared.mu.Unlock()
	var lines []string
	for _, r := range h.shared.recs[max(0, len(h.shared.recs)-n):] {
		lines = append(lines, r.String())
	}
	return strings.Join(lines, "\n")
}
