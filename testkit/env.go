package testkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// Start is the virtual time every test begins at: Monday 2026-01-05
// 08:00 in UTC+8, the platform's zone, so a cron such as "0 9 * * *" first
// fires one hour in.
var Start = time.Date(2026, 1, 5, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))

// startIn is Start's wall-clock time (Monday 08:00) in the bot's zone loc,
// so a test reads the same hours whatever zone it runs the bot in.
func startIn(loc *time.Location) time.Time {
	return time.Date(Start.Year(), Start.Month(), Start.Day(), Start.Hour(), Start.Minute(), Start.Second(), 0, loc)
}

// Settle timing. The bot counts as settled when the host says no script
// can do anything until an event arrives or the clock moves (Host.Settled),
// every dispatched event has been received, no REST call is in flight and
// no timer is due at the virtual now; and that held across two polls with
// nothing observable changing in between, so a state read half before and
// half after a change is never taken for settled. No quiet period: load
// can stretch any fixed one.
const (
	pollSpins  = 100
	pollFirst  = 20 * time.Microsecond
	pollMax    = time.Millisecond
	settleWait = 10 * time.Second
	// maxSteps bounds the timer firings of one sim.advance: a day of a
	// 1-second timer fits; a runaway (a timer every millisecond) is
	// reported rather than left to the test's time limit.
	maxSteps = 100_000
	// drain is how long a finished test waits for handlers still parked
	// (a quiz waiting for an answer); nothing observes them any more.
	drain = 10 * time.Millisecond
)

// env is the world of one test: a fresh simulator, the scripts under test
// loaded into a host on a virtual clock, and a kv file in a temp folder.
type env struct {
	platform *sim.Server
	host     *host.Host
	api      *openapi.Client
	clock    *clock
	store    Store
	tmp      string
	activity atomic.Uint64 // bumped by the clock and every REST call
	inflight atomic.Int64  // REST calls in progress
	logging  atomic.Bool   // false once the test is over: see gate
	failures failures      // handlers that failed during the test
	stop     context.CancelFunc
	done     chan error
	http     *httpStubs // sim.http: the outside world the scripts' http module sees
}

// newEnv starts the simulator and the host with scripts loaded. A script
// that fails to load fails the test: the error names file:line.
func newEnv(ctx context.Context, scripts []string, logger *slog.Logger, loc *time.Location, lang string, settings map[string]map[string]bindings.Setting, openStore func(dir string) (Store, error)) (_ *env, err error) {
	e := &env{}
	e.logging.Store(true)
	logger = slog.New(gate{logger.Handler(), &e.logging})
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	// The platform, the client and the host share one virtual clock, so
	// that sim.advance ages reply windows and resets daily quotas on both
	// sides of the wire.
	e.clock = newClock(startIn(loc), &e.activity)
	e.platform, err = sim.New(sim.Config{Logger: logger.With("component", "sim"), Clock: e.clock.Now})
	if err != nil {
		return nil, err
	}
	if err := e.platform.Start(); err != nil {
		return nil, err
	}
	httpTransport := http.DefaultTransport.(*http.Transport).Clone()
	e.api, err = openapi.New(openapi.Config{
		AppID:      e.platform.AppID(),
		Secret:     e.platform.Secret(),
		BaseURL:    e.platform.APIURL(),
		TokenURL:   e.platform.TokenURL(),
		HTTPClient: &http.Client{Transport: &countingTransport{base: httpTransport, env: e}, Timeout: 10 * time.Second},
		Logger:     logger,
		Clock:      e.clock.Now,
	})
	if err != nil {
		return nil, err
	}
	e.tmp, err = os.MkdirTemp("", "luabot-test-")
	if err != nil {
		return nil, err
	}
	if openStore == nil {
		openStore = openFileStore
	}
	e.store, err = openStore(e.tmp)
	if err != nil {
		return nil, err
	}
	e.http = newHTTPStubs(e)
	e.host, err = host.New(host.Config{API: e.api, Store: e.store, Clock: e.clock, Logger: logger, Drain: drain,
		HTTP: e.http.client(), Location: loc, Lang: lang, Settings: settings, OnFailure: e.failures.add})
	if err != nil {
		return nil, err
	}
	if err := e.host.Load(scripts...); err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.Background())
	e.stop, e.done = stop, make(chan error, 1)
	src, err := transport.New(transport.Config{API: e.api, Store: e.store, Intents: e.host, Logger: logger})
	if err != nil {
		stop()
		return nil, err
	}
	go func() { e.done <- e.host.Run(runCtx, src) }()

	waitCtx, cancel := context.WithTimeout(ctx, settleWait)
	defer cancel()
	if err := e.platform.WaitSessions(waitCtx, 1); err != nil {
		select {
		case err := <-e.done:
			e.done <- err
			if err != nil {
				return nil, fmt.Errorf("connect the bot: %w", err)
			}
		default:
		}
		return nil, errors.New("the bot did not connect to the simulator")
	}
	return e, e.settle(ctx)
}

// openFileStore opens the default store of a test: a bbolt file in dir.
func openFileStore(dir string) (Store, error) {
	return kv.Open(kv.Config{Path: filepath.Join(dir, "kv.db")})
}

// close stops the host, then the simulator, and removes the kv file.
func (e *env) close() {
	e.logging.Store(false)
	if e.stop != nil {
		e.stop()
		<-e.done
	}
	if e.store != nil {
		e.store.Close()
	}
	if e.platform != nil {
		e.platform.Close()
	}
	if e.tmp != "" {
		os.RemoveAll(e.tmp)
	}
}

// snapshot is what settle watches for change.
type snapshot struct {
	activity   uint64
	received   uint64
	dispatched uint64
	sent       int
}

func (e *env) snap() snapshot {
	return snapshot{e.activity.Load(), e.host.Received(), e.platform.Dispatched(), len(e.platform.Sent())}
}

// settle waits until the bot has received every dispatched event and can
// do nothing more on its own: it is idle, or its handlers are all parked on
// the virtual clock or on wait_for.
func (e *env) settle(ctx context.Context) error {
	deadline := time.Now().Add(settleWait)
	wait, spins := pollFirst, 0
	last, wasSettled := e.snap(), false
	for {
		now := e.snap()
		// dispatched > 0: the simulator counts a session before writing
		// its READY, and READY's handlers are part of the start.
		settled := now.dispatched > 0 && now.received >= now.dispatched && e.inflight.Load() == 0 &&
			e.host.Settled() && !e.clock.dueNow()
		if settled && wasSettled && now == last {
			return nil
		}
		last, wasSettled = now, settled
		if settled {
			// Confirm at once: the second read only guards against a
			// state read half before and half after a change.
			runtime.Gosched()
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the bot was still busy after %s: %s", settleWait, e.busy(now))
		}
		// Most waits are one timer callback or one handler, a few
		// microseconds: yield and poll again (a sleep is never shorter
		// than about 50 µs here), then back off so a long handler costs
		// no CPU.
		if spins < pollSpins {
			spins++
			runtime.Gosched()
			continue
		}
		time.Sleep(wait)
		wait = min(wait*2, pollMax)
	}
}

// busy names what settle was still waiting for.
func (e *env) busy(now snapshot) string {
	var why []string
	if now.dispatched == 0 {
		why = append(why, "no session started")
	}
	if now.received < now.dispatched {
		why = append(why, fmt.Sprintf("%d of %d events received", now.received, now.dispatched))
	}
	if n := e.inflight.Load(); n > 0 {
		why = append(why, fmt.Sprintf("%d REST calls in flight", n))
	}
	if b := e.host.Busy(); b != "" {
		why = append(why, b)
	}
	if e.clock.dueNow() {
		why = append(why, "a timer due")
	}
	if len(why) == 0 {
		return "it kept changing"
	}
	return strings.Join(why, "; ")
}

// advance moves virtual time forward by d one due timer at a time,
// settling after each, so ticks that reschedule themselves fire in order.
func (e *env) advance(ctx context.Context, d time.Duration) error {
	end := e.clock.Now().Add(d)
	for steps := 0; ; steps++ {
		if err := e.settle(ctx); err != nil {
			return err
		}
		next, ok := e.clock.next()
		if !ok || next.After(end) {
			e.clock.advanceTo(end)
			return e.settle(ctx)
		}
		if steps == maxSteps {
			return fmt.Errorf("more than %d timer ticks in %s; advance by smaller spans", maxSteps, d)
		}
		e.clock.advanceTo(next)
	}
}

// countingTransport counts REST calls, so settle knows when a handler is
// waiting on the platform.
type countingTransport struct {
	base http.RoundTripper
	env  *env
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.env.inflight.Add(1)
	t.env.activity.Add(1)
	defer func() {
		t.env.activity.Add(1)
		t.env.inflight.Add(-1)
	}()
	return t.base.RoundTrip(r)
}

// gate drops log records once the test is over: handlers canceled at
// teardown (a quiz still waiting for an answer) are not the test's
// business, and their warnings would only bury the report.
type gate struct {
	h    slog.Handler
	open *atomic.Bool
}

func (g gate) Enabled(ctx context.Context, l slog.Level) bool {
	return g.open.Load() && g.h.Enabled(ctx, l)
}

func (g gate) Handle(ctx context.Context, r slog.Record) error {
	if !g.open.Load() {
		return nil
	}
	return g.h.Handle(ctx, r)
}

func (g gate) WithAttrs(attrs []slog.Attr) slog.Handler { return gate{g.h.WithAttrs(attrs), g.open} }
func (g gate) WithGroup(name string) slog.Handler       { return gate{g.h.WithGroup(name), g.open} }
