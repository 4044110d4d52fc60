package bindings

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
)

// API is the part of the REST client the bindings use.
type API interface {
	Do(ctx context.Context, method, path string, query url.Values, in, out any) error
}

// Store is the part of the kv store the bindings use.
type Store interface {
	Get(ns, key string) ([]byte, bool, error)
	Set(ns, key string, val []byte) error
	Delete(ns, key string) error
	Commit(ops []kv.Op) error
	Scan(ns, prefix string, fn func(key string, val []byte) bool) error
}

// pagedStore is a Store that can resume a scan after a key, so kv.scan
// reads a page per transaction (*kv.Store is one). Without it, each page
// scans from the start and skips what was already read.
type pagedStore interface {
	ScanAfter(ns, prefix, after string, fn func(key string, val []byte) bool) error
}

// quotaStore is a Store with namespace quotas (*kv.Store is one): a
// buffered write is checked against the quota at the call (kv/quota.go).
// Without it, writes are not checked.
type quotaStore interface {
	Size(ns, key string) (n int, ok bool, err error)
	Fits(ns string, d kv.Usage) error
}

// Finish turns the outcome of asynchronous work into Lua return values. It
// runs on the goroutine that owns the LState, never on the worker.
type Finish func(L *lua.LState) []lua.LValue

// Async suspends the calling coroutine while work runs off the VM goroutine.
// Await must be the last thing an LGFunction does: it returns the value the
// LGFunction returns. work gets a context that ends with the handler.
type Async interface {
	Await(L *lua.LState, work func(ctx context.Context) Finish) int
}

// Detacher is an Async that can let a handler end while the work of its
// last call still runs: the handler's coroutine is free for the next event
// at once, and the handler counts as ended (its kv writes saved, its event
// settled) only when the work is done. The bindings offer it a send after
// which the handler's run ends with nothing left to run (ev:reply(...) as
// the last statement, or return ev:reply(...)); where the results still
// matter (the send was made in a coroutine the script resumes, or in the
// REPL), AwaitLast is Await. It returns what the LGFunction returns. An
// Async need not be one.
type Detacher interface {
	AwaitLast(L *lua.LState, work func(ctx context.Context) Finish) int
}

// Env is what one script's bindings are built from.
type Env struct {
	Script string // script name: kv namespace and log attribute
	Dir    string // the script's folder
	// Private lists files no script may read through file = "path" even
	// inside its folder: the data file (every script's kv and the gateway
	// session), and by name prefix everything beside it that starts with
	// its name plus "." (the control socket, the status file).
	Private []string
	API     API
	// Replier is the bot's passive-reply engine, shared by every script so
	// that replies to one message are numbered together; nil gives the
	// script one of its own.
	Replier *openapi.Replier
	Store   Store
	// HTTP is the script's outbound client (the http module); nil grants
	// no host.
	HTTP   HTTP
	Async  Async
	Logger *slog.Logger
	// MemoryLimit is the script's memory limit in bytes. One builtin call
	// (json.decode, reading a kv value or a REST answer) may build at most
	// half of it, by estimate; zero means 64 MiB for that.
	MemoryLimit int64

	// Config holds the settings the operator gives the script (config.*).
	Config map[string]Setting
	// ConfigHint says where the operator sets a missing setting, for
	// config.require's error; nil gives a generic sentence.
	ConfigHint func(script, key string) string
	// Location is the bot's time zone, in which timer.cron reads its
	// expression; nil is the zone of the clock's times.
	Location *time.Location
	// Lang is the language of the texts commands answer with on their own
	// ("en" or "zh"; empty is English); a script may change its own with
	// commands.lang.
	Lang string

	// Scheduler services (runtime.go); the host's scheduler provides them.
	Clock  Clock
	Timers Timers
	Events Events
	Scope  Scope
	// Interactions acknowledges button presses for ev:ack; nil (luabot check, tests)
	// makes ev:ack return nil, err.
	Interactions Interactions
	// Sends marks a handler's sends so that they happen at most once per
	// event across a crash (send_once.go); nil marks none.
	Sends SendGuard
	// Ends finishes what a handler leaves open (streamed replies); nil makes
	// ev:stream return nil, err.
	Ends Ends
	// Printer, when set, says where print's lines from thread L go instead
	// of the log: the host returns a sink for code a REPL evaluates, so the
	// person at the prompt sees what it prints, and nil for every other
	// thread.
	Printer func(L *lua.LState) func(line string)

	// Caps is what the script may call (caps.go); the zero value allows
	// everything.
	Caps Caps
}

// Interactions is how ev:ack reaches the host, which acknowledges each
// interaction exactly once (on its own when the handlers do not).
type Interactions interface {
	// Ack acknowledges the interaction of the event eventID with code and
	// reports whether this call did; false means it had been already.
	Ack(eventID string, code int) bool
}

func (e *Env) validate() error {
	switch {
	case e.Script == "":
		return errors.New("bindings: empty script name")
	case e.API == nil:
		return errors.New("bindings: nil API")
	case e.Store == nil:
		return errors.New("bindings: nil Store")
	case e.Async == nil:
		return errors.New("bindings: nil Async")
	}
	if e.Clock == nil {
		e.Clock = SystemClock{}
	}
	if e.Logger == nil {
		e.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Install adds every binding to L's globals and returns the script's handler
// registry, which the host reads to dispatch events.
func Install(L *lua.LState, env Env) (*Globals, error) {
	if err := env.validate(); err != nil {
		return nil, err
	}
	b := &binder{env: env, L: L}
	b.async = newAsyncWrapper(L)
	jsonMod := b.openJSON()
	L.SetGlobal("json", jsonMod)
	b.openLog()
	b.openKV()
	b.openQQ()
	b.openSleep()
	b.openHTTP()
	b.openConfig()
	b.openTimer()
	b.openWaitFor()
	b.openUTF8()
	b.openUI()
	info := L.CreateTable(0, 2)
	info.RawSetString("name", lua.LString(env.Script))
	info.RawSetString("dir", lua.LString(env.Dir))
	L.SetGlobal("script", info)
	return b.openHandlers(), nil
}

// binder carries one script's environment through the module constructors.
type binder struct {
	env   Env
	L     *lua.LState
	async *asyncWrapper
	codec *codec
	errMT *lua.LTable
	// inUpdate counts the kv.update functions running on this VM, during
	// which every kv call is refused (kv_atomic.go).
	inUpdate int
	// sent and sentNext are the ring of recent send times behind
	// Caps.SendsPerMinute (caps.go).
	sent     []time.Time
	sentNext int
}
