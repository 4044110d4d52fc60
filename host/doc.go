// Package host runs Lua scripts as QQ bots.
//
// Model: each script file gets its own sandboxed gopher-lua state (sandbox.go)
// owned by exactly one goroutine, its scheduler (scheduler.go). The scheduler
// receives gateway events and completions of asynchronous work over
// channels. Every handler call runs in a coroutine of its own; when a handler
// calls something that waits (a REST call, sleep), the binding hands the
// work to a worker goroutine (workers.go) and the coroutine yields, so the scheduler moves
// on to the next event. When the work completes, the scheduler resumes the
// coroutine with the results. Handler code therefore reads top to bottom as
// if it were synchronous, and a slow request never holds up other events.
// A send that is a handler's last statement (the echo bot's ev:reply(...),
// or return ev:reply(...)) does not keep the coroutine: it is back among
// the spares while the send runs, and the handler ends when the send does
// (lastcall.go).
//
// Only the scheduler goroutine touches a script's LState. Workers get a
// context that ends with their handler and hand back a closure that builds
// the Lua results on the scheduler goroutine.
//
// A handler that raises is logged with its file:line and forgotten; a
// handler that runs longer than the CPU slice without yielding is killed.
// Neither affects other handlers or other scripts.
//
// Loading (script.go) runs a file's top level, which registers its handlers,
// within Config.LoadBudget (5 s by default) and the script's memory limit;
// a `-- luabot:` header may raise its limits up to Config.MaxCPU and
// MaxMemory (pragma.go). Live reload (reload.go, watch.go) loads a changed
// file beside the running version and swaps the two only if it loads. The
// control socket (control.go, eval.go) lets `luabot repl --attach` evaluate
// Lua inside a running script.
//
// Host ties the scripts to the platform without connecting to it: Run takes
// a Source (source.go; package transport builds the WebSocket shards and the
// webhook) and fans each event it delivers out to every script. Start runs
// before any script starts; Flush after every handler has ended. Each event
// carries a count of the handlers it started (settle.go): only when all have
// ended is the source told it is settled, so that a saved seq or dedup
// window never passes an event a crash would lose. Handlers that write kv
// record that they ran, in their own transactions, under "/handled"
// (handled.go), so an event replayed after a crash does not apply
// kv.incr/kv.update twice.
//
// Inspection (inspect.go): ScriptInfos, ScriptInfo and ReloadScript serve
// the web console. Each script name has a record that outlives its
// versions: loads and their results (file:line of a broken save), failures
// with their tracebacks, the last memory estimate, and the wall times of
// its last handlers in a ring of atomics the scheduler writes without a
// lock, so reading them never holds up an event.
//
// Button presses (interaction.go): every INTERACTION_CREATE is acknowledged
// exactly once, with the code a handler passes to ev:ack, else when every
// handler the event started has ended (failure if one raised), else at
// 2.5 s; by PUT /interactions/{id}, or by the transport's Event.Answer when
// it carries the code in its own reply (webhooks).
//
// Intents (WantedIntentsFor): a subscribed platform event requires its
// intent; "message" requires guild @-messages and asks for group/C2C
// messages, private-domain MESSAGE_CREATE and DIRECT_MESSAGE_CREATE as
// optional intents, which the transport gives up on a 4014, with one warning
// (IntentsDropped). Because such a bot gets an
// @-message as AT_MESSAGE_CREATE and MESSAGE_CREATE, route marks the second
// of the pair (same message id, remembered in the persisted dedup window) as
// a repeat, which scripts pass to the handlers named after its type only; the
// bot's own messages are treated the same way (overlap.go).
//
// Metrics (observer.go): Config.Observer hears of every handler's end (event,
// outcome, duration), every event a full inbox drops and every reload; each
// script version asks it once for a ScriptObserver, so per-event counters are
// looked up once. Stats reports what scripts hold now (memory estimate,
// timers, running handlers, queue) for a scraper to read. host never imports a
// metrics library; package metrics implements the interfaces.
// Capabilities (grants.go): Config.Grants holds the operator's Grant per
// script name (and a default). Loading narrows a script's grant by the
// caps= of its header, hands the bindings the resulting bindings.Caps, sets
// its namespace's kv quota on the store, and, when the grant says header =
// false, ignores what the header asks for beyond the defaults (limits, http
// hosts). Refusals are counted through an optional CapabilityObserver and
// logged at most once a minute per script on the script's clock.
// Store (store.go) is the kv store: the bbolt file, or a store several
// processes of the bot share (Redis). On a shared store each timer.every and
// timer.cron tick is claimed before it runs, so it runs in one process
// (claim.go), and ReloadHandled reads the handled-event records again when a
// shard moves here from another process.
//
// Recording (cause.go): every handler's context, and so every REST call it makes,
// carries a Cause: its script and the number the host gave the event that started it
// (0 for timer callbacks). An Observer that is also a DispatchObserver hears of each
// routed event under that number and of when its handlers have all ended, which is
// how `luabot run --record` writes an event with what the scripts sent in answer.
package host
