// Package bindings is the Lua API scripts are written against
// (docs/lua-api.md): the globals on, once, qq, kv, log, print, json,
// sleep and ui (message builders, ui.go), and the event object handlers
// receive (with ev:ack for button presses, button.go, and ev:stream for
// streamed C2C replies, stream.go, which the host finishes through Ends
// when a handler leaves one open).
//
// Commands (command(usage, opts, fn) and the commands module) live in
// commands.go: parsing usage strings and invocations; commands_guard.go:
// permissions, cooldowns and user arguments, checked in the handler's
// coroutine because they may ask the platform; commands_texts.go: the one
// table of what commands answer on their own, in English and Chinese.
// testlibs.go gives a test file (luabot test) json, log, utf8 and kv.
//
// Install puts them into one script's LState. The package owns no goroutine
// and no LState: the host owns both and hands in what the bindings call
// through small interfaces declared here (API for REST, Store for kv, Async
// for suspending a coroutine while Go does I/O).
//
// Calls that wait on the network are exposed through a Lua shim (see
// async.go) so that handler code reads top to bottom while the coroutine is
// suspended. Runtime failures come back to Lua as nil, err where err is a
// table with a readable tostring; misuse (wrong argument types) raises a Lua
// error naming the script's file:line.
//
// The qq module is data: qqAPI (qq.go) lists each function with the openapi
// route it calls and how its arguments map onto it, so bindings spells no
// REST path. Adding an endpoint is one line there, plus its stub in
// scripts/luabot.d.lua and its entry in docs/lua-api.md, which a test holds
// to the table.
//
// Capabilities (caps.go): Env.Caps says what the operator withholds from
// the script (sending to other places, active messages, qq.request, kv.open,
// the administration calls, more than N messages a minute). Each binding
// checks before it builds a request, and a refused call returns nil, err
// with err.capability, so nothing reaches the platform; adminRoutes is the
// one list of what counts as administration, for qq.request too.
//
// Nothing here may hand Lua a Go pointer, interface or function that reaches
// beyond the script: every value crosses as plain Lua data.
//
// Section numbers such as §7.4 refer to docs/protocol.md.
package bindings
