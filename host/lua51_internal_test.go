package host

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// lua51Path is Debian's Lua 5.1 interpreter. Where it is installed (CI
// installs it), the tests below also check their expected answers against
// it, so the table cannot drift from the real language.
const lua51Path = "/usr/bin/lua5.1"

// showChunk defines show(...), which renders a call's results the same way
// in every interpreter: tostring of each, joined with commas, or
// "error: <message>" without the position.
const showChunk = `
local function pack(...) return select("#", ...), { ... } end
local function show(f)
  local n, r = pack(pcall(f))
  if not r[1] then
    local msg = tostring(r[2]):gsub("^[^:]*:%d+: ", "")
    return "error: " .. msg
  end
  local t = {}
  for i = 2, n do t[#t + 1] = tostring(r[i]) end
  return table.concat(t, ",")
end
`

// evalShow evaluates each expression in L, one after the other.
func evalShow(t *testing.T, L *lua.LState, exprs []string) []string {
	t.Helper()
	out := make([]string, len(exprs))
	for i, e := range exprs {
		src := showChunk + "return show(function() return " + e + " end)"
		proto, err := compile(src, "=input")
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		L.Push(L.NewFunctionFromProto(proto))
		if err := L.PCall(0, 1, nil); err != nil {
			out[i] = "error: " + err.Error()
			continue
		}
		out[i] = L.Get(-1).String()
		L.Pop(1)
	}
	return out
}

// evalLua51 evaluates each expression in the real Lua 5.1, or returns nil
// when it is not installed.
func evalLua51(t *testing.T, exprs []string) []string {
	t.Helper()
	if _, err := os.Stat(lua51Path); err != nil {
		return nil
	}
	var b strings.Builder
	b.WriteString(showChunk)
	for _, e := range exprs {
		b.WriteString("io.write((show(function() return " + e + " end):gsub('\\n', '\\\\n')), '\\n')\n")
	}
	cmd := exec.Command(lua51Path, "-")
	cmd.Stdin = strings.NewReader(b.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lua5.1: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(exprs) {
		t.Fatalf("lua5.1 printed %d lines for %d expressions", len(lines), len(exprs))
	}
	for i := range lines {
		lines[i] = strings.ReplaceAll(lines[i], `\n`, "\n")
	}
	return lines
}

// answersMatch compares a result with the expected one; an expected error
// names only the start of the message.
func answersMatch(got, want string) bool {
	if strings.HasPrefix(want, "error: ") {
		return strings.HasPrefix(got, want)
	}
	return got == want
}

// checkLua51 runs each case in a sandbox and, when present, in Lua 5.1; both
// must give the case's answer.
func checkLua51(t *testing.T, cases [][2]string) {
	t.Helper()
	exprs := make([]string, len(cases))
	for i, c := range cases {
		exprs[i] = c[0]
	}
	L := newSandbox()
	defer L.Close()
	ours := evalShow(t, L, exprs)
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

// Lua 5.1 clamps find/match's init to the string's end and still reads
// the pattern there.
func TestLua51_InitPastTheEnd(t *testing.T) {
	checkLua51(t, [][2]string{
		{`string.find("", "", 2)`, "1,0"},
		{`string.find("abc", "", 10)`, "4,3"},
		{`string.find("abc", "", 10, true)`, "4,3"},
		{`string.find("abc", "c", 10)`, "nil"},
		{`string.match("abc", "", 10)`, ""},
		{`string.match("abc", "()", 10)`, "4"},
		{`string.find("xyz", "[^]", 20)`, "error: malformed pattern (missing ']')"},
		{`string.find("abc", "b", -10)`, "2,2"},
	})
}

// gfind is gmatch, as in Lua 5.1; gmatch reads a leading ^ as a character.
func TestLua51_Gfind(t *testing.T) {
	checkLua51(t, [][2]string{
		{`string.gfind == string.gmatch`, "true"},
		{`(function() local t = {} for a, b in string.gfind("k=v, x=y", "(%w+)=(%w+)") do t[#t+1] = a .. b end return table.concat(t, "|") end)()`, "kv|xy"},
		{`(function() local t = {} for a in ("a^ab"):gmatch("^a") do t[#t+1] = a end return table.concat(t, "|") end)()`, "^a"},
	})
}

// gfind used to be gopher-lua's own matcher, which no limit stopped.
func TestLua51_GfindIsBounded(t *testing.T) {
	L := newSandbox()
	defer L.Close()
	start := time.Now()
	err := L.DoString(`for x in string.gfind(("a"):rep(40), ("a*"):rep(25) .. "b") do end`)
	if err == nil || !strings.Contains(err.Error(), "too complex") {
		t.Fatalf("err = %v, want the pattern step limit", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %s", d)
	}
}

// An assignment to a function's last parameter whose right side is a call
// compiled into that parameter's register (parenthesised, followed by more
// expressions, or a `..`, which compiles to a call) read the parameter
// after it had been overwritten with the function (gopher-lua compiles it
// so; assigncall.go). Every shape, for the last parameter, another
// parameter and a plain local, must give what Lua 5.1 gives.
func TestLua51_AssignmentsReadTheirTargetFirst(t *testing.T) {
	rhs := []struct{ code, want string }{
		{`s = s .. ">"`, "x>,1"},
		{`s = "<" .. s .. ">"`, "<x>,1"},
		{`s = (s:gsub("x", "y"))`, "y,1"},
		{`s = (string.gsub(s, "x", "y"))`, "y,1"},
		{`s = (tostring(s))`, "x,1"},
		{`s = s:rep(2)`, "xx,1"},
		{`s, n = s:gsub("x", "yy")`, "yy,1"},
		{`s, n = s .. "!", #s`, "x!,1"},
		{`s, n = (s:upper()), 5`, "X,5"},
		{`n, s = 7, (s .. s)`, "xx,7"},
		{`s, n = tostring(s), (tostring(s))`, "x,x"},
		{`local t = {} t.k, s = s, s .. "?" s = s .. t.k`, "x?x,1"},
		{`s = (s)`, "x,1"},
	}
	var cases [][2]string
	for _, r := range rhs {
		// s as the only parameter, the last of two, the first of two, and a local.
		for _, f := range []string{
			`(function(s) local n = 1 %s return s, n end)("x")`,
			`(function(n, s) n = 1 %s return s, n end)(0, "x")`,
			`(function(s, n) n = 1 %s return s, n end)("x", 0)`,
			`(function() local s, n = "x", 1 %s return s, n end)()`,
		} {
			cases = append(cases, [2]string{fmt.Sprintf(f, r.code), r.want})
		}
	}
	// A field target's table and key are read before the right side runs
	// (serpent depends on it: its key is #t, and the right side appends).
	cases = append(cases,
		[2]string{`(function(s) local t = {1} local function add() t[#t+1] = 0 return "v" end t[#t], s = add(), (s .. "!") return t[1] .. t[2] .. s end)("x")`, "v0x!"},
		[2]string{`(function(s) local t = {1} local function add() t[#t+1] = 0 return "v" end t[#t] = "<" .. add() .. s return t[1] .. t[2] end)("x")`, "<vx0"},
	)
	checkLua51(t, cases)
}

// gopher-lua compiles a multiple assignment into its targets' registers
// one expression at a time, so a later expression read a target already
// written (a swap gave 2, 2), and `x = A and B` into an existing local
// did not write a false or nil A (x kept its old value). Both are split
// into temporaries first (assigncall.go); locals, parameters and upvalues
// alike must give what Lua 5.1 gives.
func TestLua51_MultipleAssignmentsAndAndReadOldValues(t *testing.T) {
	rhs := []struct{ code, want string }{
		{`a, b = b, a`, "2,1"},
		{`a, b = a + 1, a + b`, "2,3"},
		{`a, b = b, -a`, "2,-1"},
		{`a, b = b, (a)`, "2,1"},
		{`a, b = b, a == 1`, "2,true"},
		{`a, b = {b}, a b = b + a[1]`, "table,3"},
		{`a, b = b, a, error("x") or 0`, "error: "},
		{`local t = {} a, t.x = 5, a b = t.x`, "5,1"},
		{`a, b = b`, "2,nil"},
		{`a, b = (function() return b, a end)()`, "2,1"},
		{`a = ({}).missing and 1`, "nil,2"},
		{`a = not a and a`, "false,2"},
		{`a = tostring(nil) == "x" and 1`, "false,2"},
		{`a = (function() end)() and 1`, "nil,2"},
		{`b = b > 5 or ({}).x and 1`, "1,nil"},
		{`a = ({}).x and 1 or 9`, "9,2"},
		{`a = a and 7`, "7,2"},
		{`a = a or 7`, "1,2"},
		{`local t = {} a, t.x = 5, b b = t.x`, "5,2"},
		{`local t = {} G51, t.x = 5, b a, b = G51, t.x`, "5,2"},
		{`a, a = 5, 6`, "5,2"},
	}
	var cases [][2]string
	for _, r := range rhs {
		for _, f := range []string{
			`(function() local a, b = 1, 2 %s return type(a) == "table" and "table" or a, b end)()`,
			`(function(a, b) %s return type(a) == "table" and "table" or a, b end)(1, 2)`,
			`(function() local a, b = 1, 2 local function f() %s end f() return type(a) == "table" and "table" or a, b end)()`,
		} {
			cases = append(cases, [2]string{fmt.Sprintf(f, r.code), r.want})
		}
	}
	checkLua51(t, cases)
}

// getfenv and setfenv work on Lua functions and stack levels as in 5.1
// (Penlight's compat.load and pretty.read use them); setfenv(0, t) and
// Go functions are refused with an error pcall catches (fenv.go).
func TestLua51_Fenv(t *testing.T) {
	checkLua51(t, [][2]string{
		{`getfenv(print) == _G and getfenv(1) == _G and getfenv() == _G and getfenv(0) == _G`, "true"},
		{`(function() local f = function() return x end setfenv(f, {x = 5}) return f(), getfenv(f).x end)()`, "5,5"},
		{`(function() local f = function() setfenv(1, {y = 7}) return y end return f() end)()`, "7"},
		{`(function() local f = function() return setfenv(1, {}) end return type(f()) end)()`, "function"},
		{`(function() local env = setmetatable({}, {__index = _G}) local f = loadstring("z = 3 return z") setfenv(f, env) return f(), rawget(_G, "z"), env.z end)()`, "3,nil,3"},
		{`setfenv(print, {})`, "error: "},
	})
	L := newSandbox()
	defer L.Close()
	got := evalShow(t, L, []string{`setfenv(0, {})`, `setfenv(coroutine.create(print), {})`})
	for _, g := range got {
		if !strings.HasPrefix(g, "error: setfenv") {
			t.Errorf("got %q, want setfenv's refusal", g)
		}
	}
}

// # gives a table's raw length whatever its metatable says; 5.1 looks for
// __len only on userdata. gopher-lua called a table's __len (99 below),
// and a __len that measured its table with # recursed until the stack
// overflowed (length.go).
func TestLua51_LenIgnoresTablesLen(t *testing.T) {
	checkLua51(t, [][2]string{
		{`#setmetatable({1, 2}, {__len = function() return 99 end})`, "2"},
		{`(function() local t = setmetatable({1, 2, 3}, {__len = function(s) return #s end}) return #t, getmetatable(t).__len(t) end)()`, "3,3"},
		{`(function() local List = {} List.__index = List List.__len = function(self) return self.n end local l = setmetatable({n = 0}, List) l[1] = "a" return #l end)()`, "1"},
		{`#setmetatable({}, {__len = function() return "x" end})`, "0"},
		{`#"abc", #"", #{}, #{1, 2, 3}, #{n = 1}`, "3,0,0,3,0"},
		{`(function(...) return #... end)("abc", "de")`, "3"},
		{`(function() local function f() return "ab", "cde" end return #f() end)()`, "2"},
		{`select("#", (function() return #"ab" end)())`, "1"},
		{`#(#"abc" .. ""), ("x"):rep(#"ab"), -#"abc", not #"", #{#"a"}`, "1,xx,-3,false,1"},
		{`(function() local t = {} for i = 1, 5 do t[#t + 1] = i * 2 end return #t, t[#t] end)()`, "5,10"},
		{`#nil`, "error: attempt to get length of"},
		{`(function() local n = 5 return #n end)()`, "error: attempt to get length of"},
		{`#print`, "error: attempt to get length of"},
	})
}

// goto is a name in Lua 5.1; gopher-lua's parser reserved it, so these
// were syntax errors (gotoname.go).
func TestLua51_GotoIsAName(t *testing.T) {
	checkLua51(t, [][2]string{
		{`(function() local goto = 1 return goto end)()`, "1"},
		{`(function() local t = {} t.goto = 5 return t.goto, t["goto"] end)()`, "5,5"},
		{`(function() local t = {goto = 1} return t.goto, next(t) end)()`, "1,goto,1"},
		{`(function() local t = {goto = function(self, x) return x * 2 end} return t:goto(21) end)()`, "42"},
		{`(function() local t = {} function t.goto(x) return x end function t:goto() return self == t end return t:goto() end)()`, "true"},
		{`(function() local function goto(x) return x + 1 end return goto(1) end)()`, "2"},
		{`(function() goto = 7 local v = rawget(_G, "goto") goto = nil return v end)()`, "7"},
		{`(function() for goto = 1, 2 do end for goto, v in pairs({a = 1}) do return goto, v end end)()`, "a,1"},
		{`(function(goto) return goto end)(9)`, "9"},
		{`(function() local goto = {goto = {goto = 3}} return goto.goto.goto end)()`, "3"},
		{`(function() local a, b a = goto b = 2 return a, b end)()`, "nil,2"},
		{`(function() local goto = 1; goto = goto + 1 return goto end)()`, "2"},
		{"(function() local s = \"goto\" .. [[goto]] .. 'goto' -- goto\n return s end)()", "gotogotogoto"},
		{`(function() local t = {} t.goto = 1 --[==[ goto x ]==] return t.goto end)()`, "1"},
		{`(function() return "\103oto_luabot_", "\103oto_luabot_xxxxxxxxxxxxxxxxxxxx" end)()`, "goto_luabot_,goto_luabot_xxxxxxxxxxxxxxxxxxxx"},
		{`loadstring("local goto = 1 return goto")()`, "1"},
		{`select(2, loadstring("f(goto goto)")):match("near '(.-)'")`, "goto"},
	})
}

// gopher-lua's goto statement (Lua 5.2's, which scripts may use) still
// works next to goto as a name.
func TestParse_GotoStatementStays(t *testing.T) {
	L := newSandbox()
	defer L.Close()
	got := evalShow(t, L, []string{
		`(function() local n, t = 0, {goto = 0} for i = 1, 5 do if i % 2 == 0 then goto continue end n = n + i t.goto = t.goto + 1 ::continue:: end return n, t.goto end)()`,
	})
	if got[0] != "9,3" {
		t.Fatalf("got %q", got[0])
	}
}
