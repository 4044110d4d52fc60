// Package testkit runs bot tests written in Lua (*_test.lua files), for
// `luabot test` and for Go tests that keep the examples working.
//
// It is its own concern because it sits above everything else: it builds
// a whole platform per test (a sim.Server, an openapi.Client, a kv.Store
// in a temp folder and a host.Host on a virtual clock) and drives it from
// a second, separate Lua VM that runs the test file. Neither host nor sim
// knows about it.
//
// # Model
//
// A test file runs in its own gopher-lua state, sandboxed like a script
// (no io, os only for time, no load/dofile/require), whose top level
// registers tests with test(name, fn). Each test then gets a fresh env
// (env.go): a new simulator, the scripts under test (every non-test *.lua
// beside the test file) loaded into a new host, a new kv file and a virtual
// clock starting at Start. The Lua side (simlua.go) posts as simulated users
// and reads what the bot sent; expect (prelude.lua) raises failures at the
// test's own file:line. The test file also has the script API's json, log,
// utf8 and kv, the last over the running test's store, so a test seeds and
// reads what a script keeps (libs.go); sim.user adds members (simuser.go).
//
// # Settling
//
// After every user action and every step of sim.advance the runner waits
// for the bot to settle, on what the host knows rather than on a quiet
// period: every dispatched event received, no REST call in flight, no timer
// due at the virtual now, and host.Host.Settled (nothing queued, every
// running handler parked in sleep or wait_for, nothing a handler left to
// finish after it ended, no button acknowledgement on its way), read twice
// in a row with nothing changed in between. A handler parked in wait_for or
// sleep counts as settled: only an event or the clock can move it.
// sim.advance moves the clock from one due timer to the next and settles in
// between, so a timer.every that reschedules itself fires once per interval.
//
// # Concurrency
//
// Run is sequential: one test at a time, the Lua test state owned by the
// calling goroutine. Each env owns its simulator and host goroutines and
// stops them (host first, then the simulator) before the next test starts.
package testkit
