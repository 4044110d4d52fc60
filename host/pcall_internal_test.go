package host

import "testing"

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
