package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/outbound"
)

// Config configures a Host.
type Config struct {
	// API is the REST client scripts call through qq.*. Required.
	API *openapi.Client
	// Store holds the scripts' kv namespaces and the handled-event records:
	// the bbolt file (*kv.Store) or a shared one (kvredis). Required.
	Store Store
	// Intents overrides the intents derived from the scripts' subscriptions
	// when non-zero.
	Intents dispatch.Intent
	// Drain bounds how long shutdown waits for running handlers. Default 5 s.
	Drain time.Duration
	// Limits bound each script's CPU, memory and inbox; zero fields take
	// the defaults.
	Limits Limits
	// MaxCPU and MaxMemory are the most a script may raise its own limits
	// to in its `-- luabot:` header; a header asking for more gets the
	// maximum and a warning. Zero means 4 times the effective default
	// limit; a maximum below the default limit is raised to it. The inbox
	// a header asks for is capped at 100 000 events, every configured
	// limit at 10 minutes of CPU, 64 GiB and 100 000 events.
	MaxCPU    time.Duration
	MaxMemory int64
	// LoadBudget bounds how long a script's top level may run when it is
	// loaded or reloaded; a script still running then (an endless loop) fails
	// to load. Default 5 s.
	LoadBudget time.Duration
	// HTTP is the outbound client behind the scripts' http module; nil
	// makes one with outbound's defaults (no loopback).
	HTTP *outbound.Client
	// HTTPGrants are the hosts the operator grants each script (by script
	// name), added to those its header asks for. A script reaches no host
	// that neither grants.
	HTTPGrants map[string][]string
	// Settings are the values the operator gives each script (by script
	// name), read with config.get. Settings whose names look secret
	// (api_key, token, …) or marked Secret are shown as *** in every log
	// line about the script and in REPL answers.
	Settings map[string]map[string]bindings.Setting
	// SettingHint says where the operator sets a setting, for the error of
	// config.require; nil gives a generic sentence.
	SettingHint func(script, key string) string
	// Location is the bot's time zone: os.date, os.time with a table and
	// timer.cron read wall-clock times in it. Nil is time.Local.
	Location *time.Location
	// Lang is the language of the texts commands answer with on their own
	// (bindings.Env.Lang).
	Lang string
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
	// OnFailure, when set, hears of every failed or killed handler, timer
	// callback or command (script name, event, the error with its
	// traceback), also those the log's rate limit leaves out: `luabot
	// test` fails a test on them. It runs on the script's scheduler and
	// must not block.
	OnFailure func(script, event, err string)

	// PrivateFiles are files beside the data file that no script may send with
	// file = "path" (the transport's status file); the data file and the control
	// socket are private already.
	PrivateFiles []string

	// Observer, if set, hears of handler runs, dropped events and reloads, for
	// metrics. Nil means nobody listens. When its ScriptObservers are also
	// CapabilityObservers, they count refused calls.
	Observer Observer

	// Grants are the operator's capabilities per script (grants.go); nil
	// grants every script everything, as before capabilities existed.
	Grants *Grants
	// GrantHint says how the operator grants capability to script, for
	// the text of a refused call's error and its log line; nil gives a
	// generic sentence.
	GrantHint func(script, capability string) string
}

// Host runs a set of scripts against the platform.
type Host struct {
	cfg      Config
	log      *slog.Logger
	received atomic.Uint64 // dispatches handed to the scripts
	// dispatches numbers routed events for Cause (cause.go).
	dispatches atomic.Uint64

	// The script set changes under mu (loads, reloads, removals); events
	// read it through scripts, and routing orders them against swaps.
	mu      sync.Mutex
	scripts atomic.Pointer[[]*script]
	routing sync.RWMutex
	runCtx  context.Context // while serving: scripts started now run under it
	runWG   *sync.WaitGroup
	// source is what Run serves from, for overlap.go's persisted window and
	// reload.go's intents warning; nil before Run.
	source atomic.Pointer[serving]

	overlap overlap      // message ids seen as AT_MESSAGE_CREATE or MESSAGE_CREATE, without dedup
	selfID  atomic.Value // the bot's user id (string), from READY

	handled *handledLog
	acks    *interactionAcks // button presses being handled (interaction.go)

	recMu   sync.Mutex               // guards records
	records map[string]*scriptRecord // what a console shows, by script name (inspect.go)
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
	if cfg.HTTP == nil {
		cfg.HTTP = outbound.New(outbound.Config{})
	}
	handled, err := loadHandled(cfg.Store, time.Now)
	if err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	return &Host{cfg: cfg, log: cfg.Logger, handled: handled, acks: newInteractionAcks(cfg.API, cfg.Clock, cfg.Logger)}, nil
}

// ScriptFiles expands the command-line arguments: a file is itself, a
// folder is its scripts (ScriptsIn: top-level *.lua but tests and
// libraries), sorted.
func ScriptFiles(args []string) ([]string, error) {
	var files []string
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("script %s: %w", arg, errors.Unwrap(err))
		}
		if !info.IsDir() {
			if err := NotAScript(arg); err != nil {
				return nil, err
			}
			files = append(files, arg)
			continue
		}
		scripts, err := ScriptsIn(arg) // library.go
		if err != nil {
			return nil, err
		}
		files = append(files, scripts...)
		n := len(scripts)
		if n == 0 {
			return nil, fmt.Errorf("script folder %s has no scripts (.lua files that are not tests or libraries)", arg)
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
		h.recordLoad(name, path, s, err)
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

// updateHelp picks the script whose built-in help answers "help" and gives
// it the list of every script's commands. The built-in help answers as soon
// as any script has a command, unless a script registered its own
// command("help", fn): then that one answers and the built-in stays silent.
// The first script that asked for it with command("help") answers; else the
// first script with a command.
func (h *Host) updateHelp() {
	byScript := map[string][]bindings.CommandInfo{}
	var order []string
	var asked, first *script
	ownHelp := false
	seen := map[string]string{}
	scripts := h.list()
	for _, s := range scripts {
		cmds := s.commands
		for _, c := range cmds {
			// An alias counts like a name: "/打卡" in two scripts runs both.
			for _, name := range append([]string{c.Name}, c.Aliases...) {
				if other, dup := seen[name]; dup && name != "help" && other != s.name {
					h.log.Warn("command registered by two scripts; both will run", "command", name, "script", s.name, "other", other)
				}
				seen[name] = s.name
			}
		}
		byScript[s.name] = cmds
		order = append(order, s.name)
		if asked == nil && s.wantsHelp {
			asked = s
		}
		if first == nil && len(cmds) > 0 {
			first = s
		}
		ownHelp = ownHelp || s.ownHelp
	}
	owner := asked
	if owner == nil {
		owner = first
	}
	if ownHelp {
		owner = nil
	}
	for _, s := range scripts {
		var list map[string][]bindings.CommandInfo
		if s == owner {
			list = byScript
		}
		// The listing is read by the script's scheduler goroutine, which
		// renders it in the script's language.
		s.do(func() { s.g.SetHelp(list, order) })
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

// IsCommand reports whether word names (in any case) a command or an alias that a
// loaded script registered. Safe from any goroutine.
func (h *Host) IsCommand(word string) bool {
	for _, s := range h.list() {
		for _, c := range s.commands {
			if strings.EqualFold(c.Name, word) {
				return true
			}
			for _, a := range c.Aliases {
				if strings.EqualFold(a, word) {
					return true
				}
			}
		}
	}
	return false
}

// WantedIntents returns the intents the gateway must ask for (the override, or what the
// scripts subscribe to) and those it asks for as long as the platform grants them (see
// WantedIntentsFor).
func (h *Host) WantedIntents() (required, optional dispatch.Intent) {
	if h.cfg.Intents != 0 {
		return h.cfg.Intents, 0
	}
	var events []string
	for _, s := range h.list() {
		events = append(events, s.subscribed...)
	}
	return WantedIntentsFor(events)
}

// IntentsFor maps subscribed event names to the intents they require (see
// WantedIntentsFor).
func IntentsFor(events []string) dispatch.Intent {
	required, _ := WantedIntentsFor(events)
	return required
}

// WantedIntentsFor maps subscribed event names to intents. An event named by its platform
// name requires its intent. "message" requires only what the platform grants every bot
// (@-mentions in guilds), and asks for group and C2C messages, private-domain
// MESSAGE_CREATE and guild DMs as optional intents: the platform's rule is that
// everything but GUILDS, GUILD_MEMBERS and PUBLIC_GUILD_MESSAGES needs approval, and a
// guild-only bot must not be stopped by a 4014 for group messages it never asked about.
// Refused optional intents are given up with one warning (dispatch.IntentNegotiator).
func WantedIntentsFor(events []string) (required, optional dispatch.Intent) {
	for _, e := range events {
		if e == bindings.EventMessage {
			required |= dispatch.IntentPublicGuildMessages
			optional |= dispatch.IntentGroupAndC2C | dispatch.IntentGuildMessages | dispatch.IntentDirectMessage
			continue
		}
		if e == bindings.EventButton {
			e = bindings.InteractionEvent
		}
		required |= dispatch.IntentsFor([]string{e})
	}
	return required, optional &^ required
}

// IntentsDropped says, once per set, which events the scripts will not receive because
// the platform refused optional intents, and why. A transport calls it.
func (h *Host) IntentsDropped(dropped dispatch.Intent) {
	var events []string
	for _, e := range dropped.Events() {
		if bindings.IsMessageEvent(e) {
			events = append(events, e)
		}
	}
	h.log.Warn(`intents not granted: on("message") will not receive `+strings.Join(events, " or "),
		"events", strings.Join(events, ","), "intents", dropped.String(),
		"why", "these events need approval for the bot on the QQ open platform (group and C2C messages, private-domain guild messages, guild DMs); "+
			"@-mentions in guild channels still arrive")
	if dropped&dispatch.IntentDirectMessage == 0 {
		return
	}
	var withCommands []string
	for _, s := range h.list() {
		if len(s.commands) > 0 {
			withCommands = append(withCommands, s.name)
		}
	}
	if len(withCommands) > 0 {
		h.log.Warn("commands will not answer in guild DMs: the platform did not grant the DM intent (DIRECT_MESSAGE_CREATE)",
			"scripts", strings.Join(withCommands, ","),
			"why", "guild DMs need approval for the bot on the QQ open platform; commands still answer in channels, groups and C2C")
	}
}

// Run starts src and serves its events to the scripts until ctx ends or src
// stops for good. No script starts before src.Start succeeds, so a source
// that cannot start (refused credentials) ends Run with the scripts untouched.
// On return every script has stopped and src has been flushed.
func (h *Host) Run(ctx context.Context, src Source) error {
	// The control socket opens before src starts, which can take long (a
	// platform it cannot reach is tried again and again), so that backup
	// and kv check reach the file this process holds locked meanwhile.
	ln := h.openControl()
	starting := h.controlStarting(ctx, ln)
	err := src.Start(ctx)
	starting()
	if err != nil {
		if ln != nil {
			ln.Close()
			os.Remove(h.cfg.ControlSocket)
		}
		return err
	}
	h.source.Store(&serving{src})
	err = h.serve(ctx, src.Run, ln)
	// Every handler has ended: the source may now save the events finished
	// while draining.
	src.Flush()
	return err
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

// Settled reports whether the scripts can do nothing more until an event
// arrives or the clock moves: nothing queued, every running handler parked
// in sleep or wait_for, nothing a handler left to finish after it ended (a
// stream's last piece), and no button press acknowledgement on its way.
// `luabot test` waits for it (with no REST call in flight and no timer
// due) instead of for a quiet period, which load can stretch past any
// fixed length.
func (h *Host) Settled() bool {
	if h.acks.puts.Load() > 0 {
		return false
	}
	for _, s := range h.list() {
		if !s.settled() {
			return false
		}
	}
	return true
}

// Busy says what keeps the scripts from being settled (Settled), or ""
// when nothing does: what a test that waited too long reports. Settled
// does not use it, because `luabot replay` and `luabot test` poll Settled
// in a tight loop and a busy answer would format a line each time.
func (h *Host) Busy() string {
	if n := h.acks.puts.Load(); n > 0 {
		return fmt.Sprintf("%d button acknowledgements on their way", n)
	}
	for _, s := range h.list() {
		if !s.settled() {
			return fmt.Sprintf("script %s has %d events or ticks queued, %d handlers running (%d of them in sleep or wait_for) and %d finishing after their end",
				s.name, s.queued.Load(), s.inflight.Load(), s.clockWaits.Load(), s.atEnds.Load())
		}
	}
	return ""
}

// settled reports whether the script has nothing queued, every running
// handler parked in sleep or wait_for, and nothing finishing after its
// handler ended. queued is read first: a handler starts only while its
// event or tick is still counted there.
func (s *script) settled() bool {
	return s.queued.Load() == 0 && s.inflight.Load() == s.clockWaits.Load() && s.atEnds.Load() == 0
}

// now reads the host's clock (Config.Clock, else the real one).
func (h *Host) now() time.Time {
	if h.cfg.Clock != nil {
		return h.cfg.Clock.Now()
	}
	return time.Now()
}

// Received reports how many gateway dispatches (READY included) have been
// queued for the scripts. Events queued before shutdown are still handled.
func (h *Host) Received() uint64 { return h.received.Load() }

// serve runs the script schedulers and feeds them from source until source
// returns or ctx ends. Scripts loaded, reloaded or removed meanwhile
// (reload.go) start and stop under the same owner.
func (h *Host) serve(ctx context.Context, source func(context.Context, func(dispatch.Event, func())) error, ctl net.Listener) error {
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
		// Opened here, before source: a save once events flow is seen.
		if fw, err := openWatch(h.cfg.Watch); err != nil {
			h.log.Error("live reload not started", "err", err)
		} else {
			h.log.Info("live reload on", "folders", fw.dirs)
			wg.Add(1)
			go func() {
				defer wg.Done()
				h.watch(ctx, fw)
			}()
		}
	}
	if ctl != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.serveControl(ctx, ctl, h.cfg.ControlSocket, os.Getuid()); err != nil {
				h.log.Error("control socket stopped", "err", err)
			}
		}()
	}
	err := source(ctx, h.route)
	cancel()
	// Scripts loaded from now on are kept but not started: clearing runCtx
	// before Wait means nothing can Add to wg while it is waited on.
	h.mu.Lock()
	h.runCtx, h.runWG = nil, nil
	h.mu.Unlock()
	wg.Wait()
	h.acks.close()
	// Every script has stopped: the done records still waiting go now, and
	// the events handlers finished while draining may now count as seen.
	if ferr := h.handled.flushDone(); ferr != nil {
		h.log.Error("handled-event records not saved", "err", ferr)
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// route hands one event to every script. The read lock keeps a reload
// from retiring a script while an event is on its way to it, so each event
// reaches exactly one version of each script.
func (h *Host) route(ev dispatch.Event, settled func()) {
	if ev.Received.IsZero() {
		ev.Received = h.now()
	}
	h.noteSelf(ev)
	n, settled := h.observeDispatch(ev, settled)
	// Either way the "message" handlers, waiters and commands skip it (overlap.go).
	repeat := h.fromSelf(ev) || h.repeatedMessage(ev)
	if ev.Type == bindings.InteractionEvent {
		// Acknowledged once every script is done with it, or earlier.
		settled = h.acks.begin(ev, settled)
	}
	h.routing.RLock()
	scripts := h.list()
	settle := newEventSettle(len(scripts), settled)
	if h.cfg.API != nil && len(scripts) > 1 && ev.ID != "" {
		r := h.cfg.API.Replier()
		// Each script's share of the event's passive replies is kept until
		// its handlers for it have ended (openapi/share.go).
		names := make([]string, 0, len(scripts))
		for _, s := range scripts {
			if !s.halted.Load() {
				names = append(names, s.name)
			}
		}
		r.Expect(ev.ID, names)
		for _, s := range scripts {
			s.deliverSettled(ev, n, repeat, leaveSettle(r, ev.ID, s.name, settle))
		}
	} else {
		for _, s := range scripts {
			s.deliverSettled(ev, n, repeat, settle)
		}
	}
	h.routing.RUnlock()
	settle.done() // routing's own share
	h.received.Add(1)
}
