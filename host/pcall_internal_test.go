package host

import (
	"fmt"
	"testing"
	"time"
)

// The pcall family behaves as in Lua 5.1 (checked against /usr/bin/lua5.1
// when it is installed) although it is rebuilt on coroutines.
func TestLua51_PcallFamily(t *testing.T) {
	cases := [][2]string{
		{`pcall(function() return coroutine.running() == nil end)`, "true,true"},
		{`(function() local co = coroutine.create(function() local me = coroutine.running() return select(2, pcall(function() return coroutine.running() == me end)) end) return coroutine.resume(co) end)()`, "true,true"},
		{`xpcall(function() error("x!", 0) end, function(m) return m, "b" end)`, "false,x!"},
		{`xpcall(error, function() error("x") end)`, "false,error in error handling"},
		{`xpcall(error, nil)`, "false,error in error handling"},
		{`(function() local ok, e = pcall(function() local a = pcall() end) return ok, (e:gsub("^[^:]*:%d+: ", "")) end)()`, "false,bad argument #1 to 'pcall' (value expected)"},
		{`pcall(setmetatable, setmetatable({}, {__metatable = 1}), {})`, "false,cannot change a protected metatable"},
		{`pcall(nil)`, "false,attempt to call a nil value"},
		{`pcall(error, nil)`, "false,nil"},
		{`pcall(tostring, 12)`, "true,12"},
		{`pcall(function(...) return ... end, 1, nil, 3)`, "true,1,nil,3"},
		{`select("#", pcall(error, nil))`, "2"},
		// error(msg, 2) names the caller; a pcall calling the function
		// directly is a C function in 5.1, so no position is added.
		{`select(2, pcall(function() error("lvl2", 2) end))`, "lvl2"},
		{`select(2, xpcall(function() error("lvl2", 2) end, function(m) return m end))`, "lvl2"},
		{`select(2, pcall(function() local function f() error("in f", 2) end f() end)):match("^[^:]*:%d+: in f$") ~= nil`, "true"},
		// gopher-lua's pcall closed every upvalue of the thread on an
		// error, so closures lost their variables.
		{`(function() local n = 0 local function inc() n = n + 1 end pcall(error, "x") inc() pcall(string.rep) inc() return n end)()`, "2"},
		{`(function() local err local function h(e) err = "set" end pcall(error, "bad") xpcall(function() error("x") end, h) return err end)()`, "set"},
		{`(function() local saved pcall(table.sort, {3, 2, 1}, function(a, b) local x = a saved = function() return x end error("e") end) local y, z = 42, 43 return saved() end)()`, "1"},
		{`(function() local n = 0 local f = function() n = n + 1 end pcall(function() f() error("x") end) f() return n end)()`, "2"},
	}
	exprs := make([]string, len(cases))
	for i, c := range cases {
		exprs[i] = c[0]
	}
	h := mustHarness(t, `-- nothing`)
	ours := evalShow(t, h.s.L, exprs)
	real := evalLua51(t, exprs)
	for i, c := range cases {
		if !answersMatch(ours[i], c[1]) {
			t.Errorf("%s = %q, want %q", c[0], ours[i], c[1])
		}
		if real != nil && !answersMatch(real[i], c[1]) {
			t.Errorf("%s: the test expects %q but Lua 5.1 gives %q", c[0], c[1], real[i])
		}
	}
}

// pcall of a Lua function reuses a few coroutines instead of making one
// per call (issue 21 item 3); reuse leaks nothing between calls: results,
// errors, a stray yield and coroutine.running each behave as in a fresh
// one, and the pooled coroutines do not count against the script's cap.
func TestPcall_PoolReuse(t *testing.T) {
	h, err := newHarnessWith(t, `
local out = {}
local function add(...) local t = {...} for i = 1, select("#", ...) do t[i] = tostring(t[i]) end out[#out + 1] = table.concat(t, ",") end
local function id(...) return ... end
for i = 1, 1000 do assert(select("#", pcall(id, i, nil, nil)) == 4) end
add(pcall(id, 1, 2))
add(tostring(select(2, pcall(error, "boom", 0))))
add(tostring(select(2, pcall(function() error("again", 0) end))))
add(tostring((pcall(function() coroutine.yield(1) end))))
add(tostring(select(2, pcall(function() return select("#", pcall(id)) end))))
add(tostring(select(2, pcall(function() return coroutine.running() == nil end))))
local depth = 0
local function nest(n) if n == 0 then return "deep" end return select(2, pcall(nest, n - 1)) end
add(nest(50))
local held = {}
for i = 1, 3 do held[i] = coroutine.create(function() end) end
add(tostring(pcall(coroutine.create, function() end)))
result = table.concat(out, "|")
`, Limits{CPU: 3 * time.Second, Coroutines: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.s.L.GetGlobal("result").String(); got != "true,1,2|boom|again|false|1|true|deep|true" {
		t.Errorf("result %q", got)
	}
	if n := h.s.pcallPool.Len(); n < 1 || n > 8 {
		t.Errorf("pool holds %d coroutines, want between 1 and 8", n)
	}
}

// A coroutine runs under its resumer's context, not its creator's: pcall's
// pooled coroutines, a generator kept from an earlier handler or from the
// top level, and one made inside a coroutine that later failed all keep
// working in later handler runs. They used to fail every other event with
// "context canceled" (gopher-lua gives a coroutine a child of its
// creator's context, which ended with the creator's run).
func TestPcall_CoroutinesOutliveTheRunThatMadeThem(t *testing.T) {
	h := mustHarness(t, `
local function counter() return coroutine.wrap(function() local i = 0 while true do i = i + 1 coroutine.yield(i) end end) end
local orphan
local co = coroutine.create(function() orphan = counter() error("creator fails") end)
coroutine.resume(co)
local top = counter()
local kept
on("AT_MESSAGE_CREATE", function(ev)
  kept = kept or counter()
  local ok1, v1 = pcall(function() return "a" end)
  local ok2 = pcall(function() pcall(function() return 1 end) error("die") end)
  local ok3, v3 = pcall(function() return "b" end)
  qq.send("100", table.concat({tostring(ok1), v1, tostring(ok2), tostring(ok3), v3, orphan(), top(), kept()}, " "))
end)`)
	h.start()
	for i := 1; i <= 4; i++ {
		h.send("AT_MESSAGE_CREATE", atMessage)
		c := h.nextCall()
		if want := fmt.Sprintf("true a false true b %d %d %d", i, i, i); c.Body["content"] != want {
			t.Fatalf("event %d: sent %v, want %q; log:\n%s", i, c.Body["content"], want, h.logs.dump())
		}
	}
}
