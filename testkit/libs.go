package testkit

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/kv"
)

// A test file gets the script API a test needs beside sim: json, log, utf8
// and kv. kv (and sim.kv(name)) reach a script's namespace in the running
// test's store, so a test seeds what the bot finds and reads what it kept.
// The modules are built once per file; the store behind them is the
// running test's (testStore), as each test has a fresh one.

// errNoTest is what kv says outside test(name, fn): there is no store then.
var errNoTest = errors.New("kv is only available inside test(name, fn)")

// testStore forwards to the running test's kv store.
type testStore struct{ s *suite }

func (t testStore) store() (Store, error) {
	if t.s.env == nil {
		return nil, errNoTest
	}
	return t.s.env.store, nil
}

func (t testStore) Get(ns, key string) ([]byte, bool, error) {
	st, err := t.store()
	if err != nil {
		return nil, false, err
	}
	return st.Get(ns, key)
}

func (t testStore) Set(ns, key string, val []byte) error {
	st, err := t.store()
	if err != nil {
		return err
	}
	return st.Set(ns, key, val)
}

func (t testStore) Delete(ns, key string) error {
	st, err := t.store()
	if err != nil {
		return err
	}
	return st.Delete(ns, key)
}

func (t testStore) Commit(ops []kv.Op) error {
	st, err := t.store()
	if err != nil {
		return err
	}
	return st.Commit(ops)
}

func (t testStore) Scan(ns, prefix string, fn func(key string, val []byte) bool) error {
	st, err := t.store()
	if err != nil {
		return err
	}
	return st.Scan(ns, prefix, fn)
}

// testClock is the running test's virtual clock (Start before a test).
type testClock struct{ s *suite }

func (c testClock) Now() time.Time {
	if c.s.env != nil {
		return c.s.env.clock.Now()
	}
	return startIn(c.s.cfg.location())
}

// AfterFunc is not used by the test libraries (kv's ttl reads Now only).
func (c testClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// installLibs adds json, log, utf8 and kv (the namespace of the first
// script under test), and returns sim.kv.
func (s *suite) installLibs() *lua.LFunction {
	libs := bindings.InstallTestLibs(s.L, filepath.Base(s.path), testStore{s}, testClock{s}, s.cfg.Logger)
	names := make([]string, len(s.scripts))
	for i, p := range s.scripts {
		names[i] = strings.TrimSuffix(filepath.Base(p), ".lua")
	}
	mods := map[string]*lua.LTable{}
	kvOf := func(name string) *lua.LTable {
		if mods[name] == nil {
			mods[name] = libs.KV(name)
		}
		return mods[name]
	}
	if len(names) > 0 {
		s.L.SetGlobal("kv", kvOf(names[0]))
	}
	return s.L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		for _, n := range names {
			if n == name {
				L.Push(kvOf(name))
				return 1
			}
		}
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = fmt.Sprintf("%q", n)
		}
		L.ArgError(1, fmt.Sprintf("no script %q beside the test (the scripts are %s)", name, strings.Join(quoted, ", ")))
		return 0
	})
}
