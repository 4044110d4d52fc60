package bindings

import (
	"log/slog"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// TestLibs are the parts of the script API a test file gets (luabot test):
// json, log and utf8 as scripts have them, and kv modules over any
// script's namespace, so a test can seed and read what a bot stores.
type TestLibs struct {
	b *binder
}

// InstallTestLibs puts json, log and utf8 into L, a test file's VM. name
// names the test file in log lines; store is where KV reads and writes
// (the running test's store: the caller forwards to it); clock is the
// test's virtual clock, for kv.set's ttl.
func InstallTestLibs(L *lua.LState, name string, store Store, clock Clock, logger *slog.Logger) *TestLibs {
	env := Env{Script: name, Store: store, Clock: clock, Logger: logger}
	if env.Clock == nil {
		env.Clock = SystemClock{}
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	b := &binder{env: env, L: L}
	L.SetGlobal("json", b.openJSON())
	b.openLog()
	b.openUTF8()
	return &TestLibs{b: b}
}

// KV builds the kv module of script's namespace, as that script sees it:
// get, set, delete, incr, update, scan and open. Writes commit at once.
func (t *TestLibs) KV(script string) *lua.LTable {
	b := t.b
	mod := b.kvNamespace(script)
	shared := map[string]*lua.LTable{}
	b.L.SetField(mod, "open", b.L.NewFunction(func(L *lua.LState) int {
		name := checkString(L, 1, "namespace name")
		if name == "" || len(name) > maxNSName || strings.ContainsAny(name, "/\x00") {
			raise(L, "bad argument #1 to kv.open: a name of 1-%d characters without '/'", maxNSName)
		}
		ns, ok := shared[name]
		if !ok {
			ns = b.kvNamespace(sharedNS + name)
			shared[name] = ns
		}
		L.Push(ns)
		return 1
	}))
	return mod
}
