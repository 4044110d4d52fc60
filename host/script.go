package host

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/outbound"
	"github.com/luabot/luabot/scripts"
)

// Defaults for one script's limits.
const (
	defaultLoadBudget = 5 * time.Second
	defaultCPUBudget  = time.Second
	defaultInbox      = 10000
	defaultCount      = 1000 // timers, parked handlers, waiters, coroutines
)

// Limits bound what one script may use. Zero fields take the defaults.
type Limits struct {
	// CPU is how much Lua one handler run may execute, not counting time
	// parked on I/O. Default 1 s.
	CPU time.Duration
	// Memory is the estimated heap a script may hold. Default 64 MiB.
	Memory int64
	// Inbox is how many events may wait for the script; when it is full the
	// oldest are dropped. Default 10 000.
	Inbox int
	// Timers, Parked, Waiters and Coroutines cap how many timers, handlers
	// parked on a wait (sleep, a qq call, wait_for), wait_for calls and
	// coroutines of its own a script may hold at once. Each of them keeps
	// memory alive between events, and a count is cheaper to check than a
	// size; past a cap the call raises an error the script can catch.
	// Default 1000 each.
	Timers     int
	Parked     int
	Waiters    int
	Coroutines int
}

func (l Limits) withDefaults() Limits {
	if l.CPU <= 0 {
		l.CPU = defaultCPUBudget
	}
	if l.Memory <= 0 {
		l.Memory = defaultMemory
	}
	if l.Inbox <= 0 {
		l.Inbox = defaultInbox
	}
	for _, c := range []*int{&l.Timers, &l.Parked, &l.Waiters, &l.Coroutines} {
		if *c <= 0 {
			*c = defaultCount
		}
	}
	l.CPU = min(l.CPU, ceilingCPU)
	l.Memory = min(l.Memory, ceilingMemory)
	l.Inbox = min(l.Inbox, ceilingInbox)
	return l
}

// script is one loaded Lua file and the goroutine that owns its state.
type script struct {
	// replSource is the REPL input compiled last (eval.go), the source of
	// the chunk "repl" for explainCall; the script's goroutine only.
	replSource string
	name       string
	routing    uint64 // the number of the event being dispatched, scheduler only (cause.go)
	path       string
	onFailure  func(script, event, err string) // Config.OnFailure
	L          *lua.LState
	g          *bindings.Globals

	// What the top level registered, read by the host from other
	// goroutines; later changes made by handlers do not count (intents are
	// sent once, at identify).
	subscribed []string
	commands   []bindings.CommandInfo
	wantsHelp  bool // command("help") without fn: this script offers the built-in help
	ownHelp    bool // command("help", fn): the built-in help stays silent everywhere
	log        *slog.Logger
	limits     Limits
	clock      bindings.Clock
	location   *time.Location // the bot's time zone: os.date, os.time, timer.cron
	secrets    []string       // secret settings' values, shown as *** (redact.go)
	store      bindings.Store
	handled    *handledLog
	acks       *interactionAcks // nil without a host (tests)
	// estimateEvery is how often the scheduler checks what the script
	// keeps between events (scriptDeps.estimateEvery).
	estimateEvery time.Duration

	inbox       *inbox
	completions chan completion
	osThread    osThread  // the thread the scheduler runs Lua on (cpumeter.go)
	meter       *cpuMeter // its CPU clock, per stretch of Lua
	pool        *workerPool
	fires       chan *luaTimer
	control     chan func() // work that must run on the scheduler (help text)
	stopRun     context.CancelFunc
	done        chan struct{} // closed when the scheduler has returned
	startMu     sync.Mutex    // orders work done before the scheduler starts against its start
	started     bool
	stopped     chan struct{} // closed when the scheduler stops accepting work
	dropped     atomic.Int64
	memEstimate atomic.Int64 // bytes, the last estimate (memory.go), for Host.Stats
	timerCount  atomic.Int64 // len(timers), for Host.Stats
	obs         ScriptObserver
	halted      atomic.Bool  // stopped for breaking a limit; events are ignored
	inflight    atomic.Int64 // handlers started and not finished
	clockWaits  atomic.Int64 // of those, the ones in sleep or wait_for, which only the clock or an event wakes (waiters.go)
	// atEnds counts what bindings left to run after their handler ended
	// (finishing a stream): still the handler's doing, so not settled.
	atEnds atomic.Int64
	queued atomic.Int64 // events and timer ticks handed over, not yet dispatched

	// Owned by the scheduler goroutine.
	marker  *lua.LUserData
	threads map[*lua.LState]*handler // handler coroutines by their root thread
	// ending are handlers whose Lua has ended while the send that was their
	// last statement runs (lastcall.go); they have no coroutine.
	ending map[*handler]struct{}
	spare  []*lua.LState // finished handler coroutines kept for the next handlers (threads.go)
	// spareLow is the fewest spares there were since the last trim.
	spareLow int
	// waitGen numbers the script's host waits, so a completion that comes
	// after its wait was given up matches no later wait, not even one of a
	// handler that now runs on the same (reused) coroutine.
	waitGen uint64
	waiters []*waiter
	timers  map[*luaTimer]struct{}
	// timerIDs numbers the timers of each spec, so that the same timer has
	// the same name in every process of a bot (claim.go).
	timerIDs map[string]int
	// claimDown: the last tick claim failed (logged once per change).
	claimDown bool
	// timersClosed: cancelTimers ran, no timer is scheduled any more
	// (scheduler goroutine only).
	timersClosed bool
	req          *requirer
	pcallPool    *lua.LTable // the prelude's idle pcall coroutines (coroutines.go)
	// parked counts handlers waiting on a host wait (capped by
	// Limits.Parked); coroutines is how many coroutines of its own the
	// script held at the last count, and created how many it made since
	// (capped together by Limits.Coroutines).
	parked     int
	coroutines int
	created    int
	running    atomic.Pointer[handler] // the handler executing Lua right now, for the memory watchdog

	workers  sync.WaitGroup
	failures failureLog
	// rec is where the console's numbers go (inspect.go); nil for
	// scripts loaded from source (the REPL's).
	rec *scriptRecord
}

// handler is one running handler coroutine.
type handler struct {
	event   string
	started time.Time // for ScriptObserver.HandlerDone
	failed  bool      // it raised (set by resume)
	th      *lua.LState
	ctx     context.Context
	cancel  context.CancelFunc
	gen     uint64 // which wait a completion belongs to
	waiting bool   // parked on a host wait
	last    bool   // its last call runs without it (lastcall.go)
	// waitsFor says what the parked handler waits for, and parkedIn is the
	// coroutine that parked, where the wait's script line is found: for the
	// shutdown line that names what delays it, "sleep(3600) at bot.lua:12".
	waitsFor string
	parkedIn *lua.LState
	cpu      time.Duration // Lua run so far
	onDone   func()
	atEnd    []func(context.Context) // bindings.Ends: run on workers once the handler has ended
	kv       *bindings.KVBuffer      // writes to commit when the handler succeeds
	settle   *eventSettle            // told when the handler ends; nil for timers and the REPL
	// eventID and ordinal name this handler of its event for the
	// once-per-event records (handled.go); eventID is empty for timers, the
	// REPL and events without an id.
	eventID string
	ordinal int
	sends   int // sends marked so far (sends.go)
	// onResult, when set, receives the handler's return values or its
	// failure (REPL evaluations); such failures are not logged.
	onResult func(vals []lua.LValue, failure string)
	// printed, when set, receives what print writes in this handler's
	// thread (REPL evaluations) instead of the log.
	printed func(line string)

	// Set by the CPU and memory watchdogs, read after the run.
	killed     atomic.Value // string: why the handler was stopped
	overMemory atomic.Bool
	runSeq     atomic.Uint64 // which stretch of Lua of this handler runs (runs.go)

	// Owned by the memory watchdog (memory.go): the run it last sampled,
	// the heap and the epoch then, and the growth it charged to the run,
	// alone and while other scripts ran too.
	wSeq         uint64
	wHeap        int64
	wLive        int64 // live heap as of the collection before the run
	wEpoch       uint64
	sole, shared int64
}

type completion struct {
	th     *lua.LState
	gen    uint64
	finish bindings.Finish
	// last, when set, is the handler whose last call this completes
	// (lastcall.go); th and finish are unset then.
	last *handler
}

// LoadError is a script that could not be loaded.
type LoadError struct {
	Path string
	Err  error
}

func (e *LoadError) Error() string { return e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

// scriptDeps are the shared services every script's bindings use.
type scriptDeps struct {
	api     bindings.API
	replier *openapi.Replier // the bot's shared one; nil in tests without a client
	store   bindings.Store
	logger  *slog.Logger
	limits  Limits
	// max is what a script's header may raise its limits to; zero fields
	// take defaultMaxFactor times the limits.
	max   Limits
	clock bindings.Clock
	// handled makes kv effects happen once per event across a crash; nil
	// turns that off (handled.go).
	handled *handledLog
	// acks acknowledges button presses; nil in tests without a host.
	acks *interactionAcks
	// private are files no script may read (bindings.Env.Private).
	private []string
	// onFailure is Config.OnFailure.
	onFailure func(script, event, err string)
	// http is the bot's outbound client and grants the operator's hosts by
	// script name; nil http grants nothing.
	http   *outbound.Client
	grants map[string][]string
	// location is the bot's time zone (Config.Location); nil is time.Local.
	location *time.Location
	// lang is Config.Lang.
	lang string
	// settings are the operator's settings by script name (Config.Settings).
	settings    map[string]map[string]bindings.Setting
	settingHint func(script, key string) string
	// loadBudget bounds how long the top level may run; 0 means the default.
	loadBudget time.Duration
	// estimateEvery is how often the scheduler estimates what the script
	// keeps between events; 0 means estimatePeriod. Tests shorten it so
	// that they do not wait a second for each check.
	estimateEvery time.Duration
	// observer is Config.Observer; nil when unset.
	observer Observer
	// capGrants and grantHint are Config.Grants and Config.GrantHint.
	capGrants *Grants
	grantHint func(script, capability string) string
}

// loadScript compiles path and runs its top level in a fresh sandbox.
func loadScript(path string, deps scriptDeps) (*script, error) {
	src, err := readCapped(path, maxModule)
	if err != nil {
		return nil, &LoadError{Path: path, Err: fmt.Errorf("load %s: %w", path, err)}
	}
	return loadSource(strings.TrimSuffix(filepath.Base(path), ".lua"), path, src, deps)
}

// loadSource is loadScript for source already in hand: path names the
// chunk in errors and its folder is where require looks.
func loadSource(name, path, src string, deps scriptDeps) (*script, error) {
	chunk := filepath.ToSlash(path)
	proto, err := compile(src, chunk)
	if err != nil {
		return nil, &LoadError{Path: path, Err: err}
	}
	settings, secrets := scriptSettings(deps.settings[name])
	if len(secrets) > 0 {
		deps.logger = slog.New(redactHandler{deps.logger.Handler(), secrets})
	}
	grant, err := GrantOf(deps.capGrants, name, src)
	if err != nil {
		return nil, &LoadError{Path: path, Err: fmt.Errorf("%s: %w", chunk, err)}
	}
	top := ceilings(deps.limits, deps.max)
	if !grant.Header {
		// The header may lower the limits, never raise them.
		top = deps.limits.withDefaults()
	}
	limits, capped, err := scriptLimits(src, deps.limits.withDefaults(), top)
	if err != nil {
		return nil, &LoadError{Path: path, Err: fmt.Errorf("%s: %w", chunk, err)}
	}
	switch {
	case len(capped) > 0 && !grant.Header:
		deps.logger.Warn("script header asks for more than the defaults, and the operator does not let its header raise them",
			"script", name, "capped", strings.Join(capped, ", "),
			"hint", "the operator of the bot can allow it with header = true in the script's grant")
	case len(capped) > 0:
		deps.logger.Warn("script header asks for more than the operator's maximum; it gets the maximum",
			"script", name, "capped", strings.Join(capped, ", "),
			"hint", "the operator of the bot can raise the maximum")
	}
	headerHosts := scriptGrants(src)
	if !grant.Header && len(headerHosts) > 0 {
		deps.logger.Warn("script header asks for http hosts, and the operator does not let its header grant them; they are ignored",
			"script", name, "hosts", strings.Join(headerHosts, ","),
			"hint", "the operator of the bot can grant the hosts itself, or allow it with header = true in the script's grant")
		headerHosts = nil
	}
	if grant.KVBytes != 0 || grant.KVKeys != 0 {
		if qs, ok := deps.store.(quotaStore); ok {
			qs.SetQuota(name, kv.Quota{Bytes: grant.KVBytes, Keys: grant.KVKeys})
		} else {
			deps.logger.Warn("the store cannot give a script a kv quota of its own; the store's quota applies", "script", name)
		}
	}
	var httpClient bindings.HTTP
	if deps.http != nil {
		hosts := append(headerHosts, deps.grants[name]...)
		sc := deps.http.For(hosts)
		httpClient = sc
		if len(hosts) > 0 {
			deps.logger.Info("script may reach hosts over http", "script", name, "hosts", strings.Join(sc.Grants(), ","))
		}
	}
	clock := deps.clock
	if clock == nil {
		clock = bindings.SystemClock{}
	}
	location := deps.location
	if location == nil {
		location = time.Local
	}
	s := &script{
		secrets:       secrets,
		location:      location,
		name:          name,
		path:          path,
		L:             newSandbox(),
		log:           deps.logger.With("script", name),
		limits:        limits,
		clock:         clock,
		store:         deps.store,
		handled:       deps.handled,
		onFailure:     deps.onFailure,
		acks:          deps.acks,
		inbox:         newInbox(limits.Inbox),
		estimateEvery: cmp.Or(deps.estimateEvery, estimatePeriod),
		completions:   make(chan completion, 64),
		meter:         newCPUMeter(),
		pool:          newWorkerPool(),
		fires:         make(chan *luaTimer, 64),
		control:       make(chan func(), 16),
		done:          make(chan struct{}),
		stopped:       make(chan struct{}),
		threads:       map[*lua.LState]*handler{},
		ending:        map[*handler]struct{}{},
		timers:        map[*luaTimer]struct{}{},
		obs:           noObserver{},
	}
	if deps.observer != nil {
		s.obs = deps.observer.Script(name)
	}
	caps := grant.caps()
	den := &denials{log: s.log, clock: clock}
	den.obs, _ = s.obs.(CapabilityObserver)
	opGrant := deps.capGrants.For(name)
	den.hint = func(c string) string {
		switch {
		case opGrant.Allows(c) && !grant.Allows(c):
			return HeaderHint(c)
		case deps.grantHint != nil:
			return deps.grantHint(name, c)
		}
		return "the operator of the bot can grant it"
	}
	caps.Denied, caps.Hint = den.denied, den.hint
	fail := func(err error) (*script, error) {
		s.L.Close()
		if len(secrets) > 0 {
			err = errors.New(bindings.Redact(err.Error(), secrets))
		}
		return nil, &LoadError{Path: path, Err: err}
	}
	dir := filepath.Dir(path)
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return fail(err)
	}
	env := bindings.Env{
		Script:     name,
		Dir:        absDir,
		Private:    deps.private,
		API:        scriptAPI(deps.api, deps.logger.With("script", name)),
		Replier:    deps.replier,
		Store:      deps.store,
		HTTP:       httpClient,
		Async:      s,
		Logger:     deps.logger,
		Clock:      clock,
		Location:   location,
		Lang:       deps.lang,
		Config:     settings,
		ConfigHint: deps.settingHint,
		// Bounds what a single json.decode may build.
		MemoryLimit: limits.Memory,
		Timers:      s,
		Events:      s,
		Scope:       s,
		Sends:       s,
		Ends:        s,
		Printer:     s.printer,
		Caps:        caps,
	}
	if deps.acks != nil { // a nil pointer must not become a non-nil interface
		env.Interactions = deps.acks
	}
	g, err := bindings.Install(s.L, env)
	if err != nil {
		return fail(err)
	}
	s.g = g
	s.req = newRequirer(s.L, absDir, dir)
	s.L.SetGlobal("require", s.L.NewFunction(s.req.require))
	s.L.SetGlobal("package", s.req.packageTable(s.L))
	s.L.SetGlobal("collectgarbage", s.L.NewFunction(s.collectgarbage)) // gc.go
	s.clockedOS()
	s.req.registerStandard(s.L)
	if err := s.runPrelude(); err != nil {
		return fail(err)
	}
	guard := guardGlobals(s.L, func(L *lua.LState) bool {
		h := s.handlerOf(L)
		return h != nil && h.event == replEvent
	})
	budget := deps.loadBudget
	if budget <= 0 {
		budget = defaultLoadBudget
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	overMemory, stopWatch := watchLoad(cancel, limits.Memory)
	s.L.SetContext(forVM(ctx))
	s.L.Push(s.L.NewFunctionFromProto(proto))
	err = s.L.PCall(0, 0, nil)
	s.L.RemoveContext()
	stopWatch()
	if err != nil {
		msg := luaMessage(err)
		at := errorAt(err) // where the stop found it running
		if at == "" {
			at = chunk
		}
		switch {
		case overMemory():
			msg = fmt.Sprintf("%s: top level allocated more than the script's %d MiB memory limit", at, limits.Memory>>20)
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			msg = fmt.Sprintf("%s: top level ran longer than %s (an endless loop?)", at, budget)
		default:
			// comand(...) or kv.gett at the top level: named, as in a handler.
			msg = s.explainCall(msg)
		}
		s.cancelTimers()
		return fail(errors.New(msg))
	}
	guard.enable()
	s.subscribed, s.commands, s.wantsHelp, s.ownHelp = g.Subscribed(), g.Commands(), g.WantsHelp(), g.OwnHelp()
	if len(s.commands) > 0 && !slices.Contains(s.subscribed, bindings.EventMessage) {
		// Commands arrive as messages: a script with only commands still
		// needs the message intents.
		s.subscribed = append(s.subscribed, bindings.EventMessage)
	}
	return s, nil
}

// clockedOS makes os.time() and os.date() read the script's clock, so a
// virtual clock (luabot test) moves them too.
func (s *script) clockedOS() { ZonedOS(s.L, s.location, s.clock.Now) }

// runPrelude rebuilds pcall, xpcall and coroutine.* (scripts/prelude.lua)
// so that host waits work inside them.
// preludeProto is the prelude compiled once for every VM of the process
// (a prototype is read-only; luaproto).
var preludeProto = sync.OnceValues(func() (*lua.FunctionProto, error) {
	return compile(scripts.Prelude, "=prelude")
})

func (s *script) runPrelude() error {
	s.marker = s.L.NewUserData()
	proto, err := preludeProto()
	if err != nil {
		return fmt.Errorf("prelude: %w", err)
	}
	co := s.L.GetGlobal("coroutine").(*lua.LTable)
	nativePcall := s.L.GetGlobal("pcall")
	rawResume := co.RawGetString("resume").(*lua.LFunction)
	s.L.Push(s.L.NewFunctionFromProto(proto))
	s.L.Push(s.marker)
	s.L.Push(s.L.NewFunction(s.forward))
	s.L.Push(s.L.NewFunction(s.guardResume(rawResume)))
	s.L.Push(s.g.Wrap(s.yield))
	s.L.Push(s.L.NewFunction(isGoFunction))
	s.L.Push(nativePcall)
	s.L.Push(s.L.NewFunction(s.newCoroutine(co.RawGetString("create").(*lua.LFunction))))
	s.L.Push(s.L.NewFunction(s.ownPool))
	if err := s.L.PCall(8, 0, nil); err != nil {
		return fmt.Errorf("prelude: %v", luaMessage(err))
	}
	return nil
}

// isGoFunction is the prelude's isgo(f). Functions the host exposes that
// wait are wrapped in a Lua shim (bindings.Wrap), so no Go function yields
// to the host; a Go function that calls back into Lua does so through a
// nested VM loop, where waits are refused either way.
func isGoFunction(L *lua.LState) int {
	fn, ok := L.Get(1).(*lua.LFunction)
	// Without safePcall (pcallnative.go) every pcall takes the coroutine
	// path, where an error closes only the coroutine's own upvalues.
	L.Push(lua.LBool(ok && fn.IsG && safePcallOK))
	return 1
}

// luaMessage is the readable message of a Lua error (bindings.ErrorText),
// bounded for the host's logs and reports.
func luaMessage(err error) string {
	msg := bindings.ErrorText(err)
	// error(big_string) must not become a 16 MiB log line.
	if len(msg) > maxFailureText {
		msg = fmt.Sprintf("%s …[%d bytes dropped]", msg[:maxFailureText], len(msg)-maxFailureText)
	}
	return msg
}

// maxFailureText bounds the error message of a failed handler or load as
// the host logs or reports it.
const maxFailureText = 4 << 10
