package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
)

// Config configures a Host.
type Config struct {
	// API is the REST client scripts call through qq.*. Required.
	API *openapi.Client
	// Store holds the scripts' kv namespaces. Required.
	Store *kv.Store
	// Intents overrides the intents derived from the scripts' subscriptions
	// when non-zero.
	Intents gateway.Intent
	// Drain bounds how long shutdown waits for running handlers. Default 5 s.
	Drain time.Duration
	// Limits bound each script's CPU, memory and inbox; zero fields take
	// the defaults.
	Limits Limits
	// Clock drives sleep, timers and wait_for; nil is the real clock.
	Clock bindings.Clock
	// Watch lists the script files and folders to reload live when they
	// change (reload.go); empty turns live reload off.
	Watch []string
	// ControlSocket, when set, is the path of the unix socket that
	// `luabot repl --attach` connects to (control.go).
	ControlSocket string
	// Logger receives the host's and the scripts' log lines. Nil discards.
	Logger *slog.Logger

	// Transport is how events arrive: TransportWS (the default when empty) or
	// TransportWebhook. See transport.go.
	Transport string
	// Shards is the total shard count over WebSocket. 0 means the count GET /gateway/bot
	// recommends.
	Shards int
	// ShardIDs are the shards this process runs, each below the shard count. Empty means
	// all of them.
	ShardIDs []int
	// Webhook configures the webhook transport (Secret, Listen, TLS files); its Logger is
	// set by the host.
	Webhook gateway.WebhookConfig
	// Sessions persists gateway sessions and the dedup window. Nil means a SessionStore
	// over Store.
	Sessions interface {
		gateway.SessionStore
		gateway.DedupStore
	}
	// StatusFile, if set, is rewritten about once a second with the shards' state as JSON
	// (a StatusReport), for `luabot status`.
	StatusFile string
}

// Host runs a set of scripts against the platform.
type Host struct {
	cfg      Config
	log      *slog.Logger
	received atomic.Uint64 // dispatches handed to the scripts

	// The script set changes under mu (loads, reloads, removals); events
	// read it through scripts, and routing orders them against swaps.
	mu      sync.Mutex
	scripts atomic.Pointer[[]*script]
	routing sync.RWMutex
	runCtx  context.Context // while serving: scripts started now run under it
	runWG   *sync.WaitGroup
	// identified is the intents the gateway identified with, once known.
	identified gateway.Intent

	shardsMu sync.Mutex
	shards   []*gateway.Client // the running WebSocket clients, for Status
	dedup    atomic.Pointer[gateway.Dedup]
	handled  *handledLog
}

// New validates cfg. Scripts are added with Load.
func New(cfg Config) (*Host, error) {
	if cfg.API == nil {
		return nil, errors.New("host: nil API")
	}
	if cfg.Store == nil {
		return nil, errors.New("host: nil Store")
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.validateTransport(); err != nil {
		return nil, err
	}
	handled, err := loadHandled(cfg.Store, time.Now)
	if err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	return &Host{cfg: cfg, log: cfg.Logger, handled: handled}, nil
}

// ScriptFiles expands the command-line arguments: a file is itself, a
// folder is every top-level *.lua in it except *_test.lua, sorted.
func ScriptFiles(args []string) ([]string, error) {
	var files []string
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("script %s: %w", arg, errors.Unwrap(err))
		}
		if !info.IsDir() {
			files = append(files, arg)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(arg, "*.lua"))
		if err != nil {
			return nil, err
		}
		sort.Strings(matches)
		n := 0
		for _, m := range matches {
			if !strings.HasSuffix(m, "_test.lua") {
				files = append(files, m)
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("script folder %s has no .lua files", arg)
		}
	}
	return files, nil
}

// Load loads each file as a script. Scripts that load are kept even when
// others fail; the failures come back joined, each a *LoadError naming
// file:line.
func (h *Host) Load(paths ...string) error {
	// mu is held from the name check to the add, as Reload does, so two
	// loads of one name cannot both get in.
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".lua")
		if h.script(name) != nil {
			errs = append(errs, &LoadError{Path: path, Err: fmt.Errorf("%s: another script is already named %q", path, name)})
			continue
		}
		s, err := loadScript(path, h.deps())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if h.runCtx != nil {
			h.startScript(s)
		}
		h.add(s)
		h.log.Info("script loaded", "script", s.name, "path", path, "events", strings.Join(s.subscribed, ","))
	}
	h.updateHelp()
	return errors.Join(errs...)
}

// updateHelp gives the built-in help, in the first script that asked for
// it, the list of every script's commands.
func (h *Host) updateHelp() {
	byScript := map[string][]bindings.CommandInfo{}
	var order []string
	owner := (*script)(nil)
	seen := map[string]string{}
	scripts := h.list()
	for _, s := range scripts {
		cmds := s.commands
		for _, c := range cmds {
			if other, dup := seen[c.Name]; dup && c.Name != "help" {
				h.log.Warn("command registered by two scripts; both will run", "command", c.Name, "script", s.name, "other", other)
			}
			seen[c.Name] = s.name
		}
		byScript[s.name] = cmds
		order = append(order, s.name)
		if owner == nil && s.wantsHelp {
			owner = s
		}
	}
	text := bindings.HelpText(byScript, order)
	for _, s := range scripts {
		help := ""
		if s == owner {
			help = text
		}
		// The help text is read by the script's scheduler goroutine.
		s.do(func() { s.g.SetHelp(help) })
	}
}

func (h *Host) script(name string) *script {
	for _, s := range h.list() {
		if s.name == name {
			return s
		}
	}
	return nil
}

// Scripts returns the names of the loaded scripts.
func (h *Host) Scripts() []string {
	scripts := h.list()
	names := make([]string, len(scripts))
	for i, s := range scripts {
		names[i] = s.name
	}
	return names
}

// Intents returns the intents to identify with: the override, or those
// the loaded scripts' subscriptions need.
func (h *Host) Intents() gateway.Intent {
	if h.cfg.Intents != 0 {
		return h.cfg.Intents
	}
	var events []string
	for _, s := range h.list() {
		events = append(events, s.subscribed...)
	}
	return IntentsFor(events)
}

// IntentsFor maps subscribed event names to intents. "message" asks for the
// messages every bot may receive without approval: @-mentions in guilds,
// and group and C2C messages. Private-domain MESSAGE_CREATE and guild DMs
// need approval, so they come only from subscribing to them by name.
func IntentsFor(events []string) gateway.Intent {
	var in gateway.Intent
	for _, e := range events {
		if e == bindings.EventMessage {
			in |= gateway.IntentPublicGuildMessages | gateway.IntentGroupAndC2C
			continue
		}
		in |= gateway.IntentsFor([]string{e})
	}
	return in
}

// Run connects to the gateway and serves events to the scripts until ctx
// ends or the gateway stops for good. On return every script has stopped.
func (h *Host) Run(ctx context.Context) error {
	source, err := h.source(ctx)
	if err != nil {
		return err
	}
	return h.serve(ctx, source)
}

// Idle reports whether every script has nothing queued (events, timer
// ticks) and no handler, timer callback or command still running or
// waiting (a handler parked in wait_for or sleep counts as running). Tests and
// `luabot test` use it, with Received, to let the bot settle.
func (h *Host) Idle() bool {
	for _, s := range h.list() {
		if s.queued.Load() > 0 || s.inflight.Load() > 0 {
			return false
		}
	}
	return true
}

// Received reports how many gateway dispatches (READY included) have been
// queued for the scripts. Events queued before shutdown are still handled.
func (h *Host) Received() uint64 { return h.received.Load() }

// serve runs the script schedulers and feeds them from source until source
// returns or ctx ends. Scripts loaded, reloaded or removed meanwhile
// (reload.go) start and stop under the same owner.
func (h *Host) serve(ctx context.Context, source func(context.Context, func(gateway.Event, func())) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	h.mu.Lock()
	h.runCtx, h.runWG = ctx, &wg
	for _, s := range h.list() {
		h.startScript(s)
	}
	h.mu.Unlock()
	wg.Add(1)
	go func() {
		defer wg.Done()
		watchMemory(ctx, h.list)
	}()
	// The REST client refreshes its access token ahead of expiry.
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := h.cfg.API.Run(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("token refresher stopped", "err", err)
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		h.maintainHandled(ctx)
	}()
	if len(h.cfg.Watch) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.watch(ctx, h.cfg.Watch); err != nil {
				h.log.Error("live reload stopped", "err", err)
			}
		}()
	}
	if h.cfg.ControlSocket != "" {
		if ln, err := h.listenControl(h.cfg.ControlSocket); err != nil {
			h.log.Error("control socket not opened", "err", err)
		} else {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := h.serveControl(ctx, ln, h.cfg.ControlSocket, os.Getuid()); err != nil {
					h.log.Error("control socket stopped", "err", err)
				}
			}()
		}
	}
	err := source(ctx, h.route)
	cancel()
	// Scripts loaded from now on are kept but not started: clearing runCtx
	// before Wait means nothing can Add to wg while it is waited on.
	h.mu.Lock()
	h.runCtx, h.runWG = nil, nil
	h.mu.Unlock()
	wg.Wait()
	// Every script has stopped: the done records still waiting go now, and
	// the events handlers finished while draining may now count as seen.
	if ferr := h.handled.flushDone(); ferr != nil {
		h.log.Error("handled-event records not saved", "err", ferr)
	}
	h.flushGateway()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// route hands one event to every script. The read lock keeps a reload
// from retiring a script while an event is on its way to it, so each event
// reaches exactly one version of each script.
func (h *Host) route(ev gateway.Event, settled func()) {
	h.routing.RLock()
	scripts := h.list()
	settle := newEventSettle(len(scripts), settled)
	for _, s := range scripts {
		s.deliverSettled(ev, settle)
	}
	h.routing.RUnlock()
	settle.done() // routing's own share
	h.received.Add(1)
}
