package bindings_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/kv"
)

// meddler is a store where another writer changes key "n" right after the
// script reads it, the first `times` times: what a second script sharing
// the namespace does when it runs in parallel.
type meddler struct {
	*kv.Store
	times int
}

func (m *meddler) Get(ns, key string) ([]byte, bool, error) {
	val, ok, err := m.Store.Get(ns, key)
	if key == "n" && m.times > 0 {
		m.times--
		n := 0.0
		if ok {
			n, _ = strconv.ParseFloat(string(val[1:]), 64)
		}
		// A value is a format byte (1: plain) and JSON.
		if err := m.Store.Set(ns, key, append([]byte{1}, strconv.FormatFloat(n+10, 'g', -1, 64)...)); err != nil {
			return nil, false, err
		}
	}
	return val, ok, err
}

func stateWith(t *testing.T, wrap func(*kv.Store) bindings.Store) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "t.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := bindings.Install(L, bindings.Env{Script: "t", API: nopAPI{}, Store: wrap(store), Async: noAsync{}}); err != nil {
		t.Fatal(err)
	}
	return L
}

// The function kv.update was given is run again on the new value when
// another writer changed the key meanwhile, and the result returned is
// the one stored.
func TestKVUpdate_RunsAgainWhenTheKeyChanged(t *testing.T) {
	L := stateWith(t, func(s *kv.Store) bindings.Store { return &meddler{Store: s, times: 3} })
	got := eval(t, L, `calls = 0
local n = kv.update("n", function(old) calls = calls + 1 return (old or 0) + 1 end)
return n .. " " .. kv.get("n") .. " " .. calls`)
	if got != "31 31 4" {
		t.Fatalf("returned, stored, calls = %s; want 31 31 4", got)
	}
}

func TestKVUpdate_GivesUpOnEndlessConflicts(t *testing.T) {
	L := stateWith(t, func(s *kv.Store) bindings.Store { return &meddler{Store: s, times: 1 << 30} })
	got := eval(t, L, `local v, err = kv.update("n", function(old) return 1 end) return tostring(v) .. " " .. tostring(err)`)
	if !strings.HasPrefix(got, "nil ") || !strings.Contains(got, "other writers changed the key") {
		t.Fatalf("got %q", got)
	}
}

func TestKVUpdate_ReturnsTheStoredValue(t *testing.T) {
	L := newState(t)
	// The function's table is stored as JSON; what comes back is a copy of
	// what was stored, not the function's own table.
	got := eval(t, L, `local mine = {n = 1, list = {1, 2}}
local v = kv.update("t", function() return mine end)
mine.n = 99
return tostring(v ~= mine) .. " " .. v.n .. " " .. #v.list .. " " .. tostring(kv.update("t", function() return nil end)) .. " " .. tostring(kv.get("t"))`)
	if got != "true 1 2 nil nil" {
		t.Fatalf("got %q", got)
	}
}

// A kv call inside the update function is refused with an error the
// script can catch, and nothing is written; kv keeps working afterwards.
func TestKVUpdate_RefusesKVCallsInsideTheFunction(t *testing.T) {
	L := newState(t)
	for _, call := range []string{`kv.set("other", 1)`, `kv.incr("other")`, `kv.get("other")`,
		`kv.update("other", function() return 1 end)`, `kv.delete("k")`, `kv.scan("")`, `kv.open("team").set("x", 1)`} {
		got := eval(t, L, `local ok, err = pcall(kv.update, "k", function(old) `+call+` return 1 end)
return tostring(ok) .. " " .. tostring(err) .. " | " .. tostring(kv.get("k")) .. " " .. tostring(kv.get("other")) .. " " .. kv.incr("after")`)
		if !strings.HasPrefix(got, "false ") || !strings.Contains(got, "cannot be called inside a kv.update function") ||
			!strings.Contains(got, "| nil nil ") {
			t.Errorf("%s: got %q", call, got)
		}
	}
	// The function's own pcall catches the refusal too.
	got := eval(t, L, `return kv.update("k2", function(old) local ok = pcall(kv.set, "x", 1) return tostring(ok) end)`)
	if got != "false" {
		t.Fatalf("pcall inside the function: %q", got)
	}
}

func TestKVIncr_RefusesNonFiniteNumbers(t *testing.T) {
	L := newState(t)
	for _, delta := range []string{"0/0", "1/0", "-1/0"} {
		got := eval(t, L, `kv.set("balance", 5)
local ok, err = pcall(kv.incr, "balance", `+delta+`)
return tostring(ok) .. " " .. tostring(err) .. " | " .. tostring(kv.get("balance"))`)
		if !strings.HasPrefix(got, "false ") || !strings.Contains(got, "finite number") || !strings.HasSuffix(got, "| 5") {
			t.Errorf("incr by %s: %q", delta, got)
		}
	}
	got := eval(t, L, `kv.set("big", 1.5e308)
local v, err = kv.incr("big", 1.5e308)
return tostring(v) .. " " .. tostring(err) .. " | " .. tostring(kv.get("big"))`)
	if !strings.HasPrefix(got, "nil ") || !strings.Contains(got, "out of range") || !strings.HasSuffix(got, "| 1.5e+308") {
		t.Fatalf("overflowing incr: %q", got)
	}
	got = eval(t, L, `kv.set("s", "text") local v, err = kv.incr("s") return tostring(v) .. " " .. tostring(err)`)
	if !strings.HasPrefix(got, "nil ") || !strings.Contains(got, "not a number") {
		t.Fatalf("incr of a string: %q", got)
	}
}

func TestKVSet_KeyCheckedAtTheCall(t *testing.T) {
	L := newState(t)
	for _, call := range []string{`kv.set(string.rep("k", 2000), 1)`, `kv.incr(string.rep("k", 2000))`,
		`kv.update(string.rep("k", 2000), function() return 1 end)`, `kv.set("", 1)`, `kv.incr("")`} {
		got := eval(t, L, `local ok, err = pcall(function() return `+call+` end) return tostring(ok) .. " " .. tostring(err)`)
		if !strings.HasPrefix(got, "false ") || !(strings.Contains(got, "over the 1024-byte limit") || strings.Contains(got, "empty key")) {
			t.Errorf("%s: %q", call, got)
		}
	}
}

// A value kv cannot decode stops a scan with an error instead of being
// left out of a result that looks complete.
func TestKVScan_UnreadableValueIsAnError(t *testing.T) {
	var store *kv.Store
	L := stateWith(t, func(s *kv.Store) bindings.Store { store = s; return s })
	eval(t, L, `kv.set("a:1", 1) kv.set("a:3", 3) return nil`)
	if err := store.Set("t", "a:2", []byte("\x01{not json")); err != nil {
		t.Fatal(err)
	}
	got := eval(t, L, `local seen = {}
local ok, err = pcall(function() for k in kv.scan("a:") do seen[#seen + 1] = k end end)
return tostring(ok) .. " " .. table.concat(seen, ",") .. " " .. tostring(err)`)
	if !strings.HasPrefix(got, "false a:1 ") || !strings.Contains(got, `the value at "a:2" is unreadable`) {
		t.Fatalf("got %q", got)
	}
}
