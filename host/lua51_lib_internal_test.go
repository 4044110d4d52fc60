package host

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// tonumber reads numbers as 5.1's (strtod, strtoul) do.
func TestLua51_Tonumber(t *testing.T) {
	checkLua51(t, [][2]string{
		{`tonumber("1e2")`, "100"},
		{`tonumber(" 1E-2\t")`, "0.01"},
		{`tonumber("0x10"), tonumber("-0x10"), tonumber("0X1f")`, "16,-16,31"},
		{`tonumber("0x1p4"), tonumber("0x1.8")`, "16,1.5"},
		{`tonumber(".5"), tonumber("5."), tonumber("+1")`, "0.5,5,1"},
		{`tonumber("inf") == math.huge, tonumber("-INFINITY") == -math.huge`, "true,true"},
		{`(function() local n = tonumber("nan") return n ~= n end)()`, "true"},
		{`tonumber("1e400") == math.huge`, "true"},
		{`tonumber("1e"), tonumber("1e+"), tonumber("0x"), tonumber(""), tonumber("  "), tonumber("1 2"), tonumber("- 1")`, "nil,nil,nil,nil,nil,nil,nil"},
		{`tonumber("1\0junk")`, "1"},
		{`tonumber(nil), tonumber({}), tonumber(true)`, "nil,nil,nil"},
		{`tonumber()`, "error: bad argument #1 to 'tonumber' (value expected)"},
		{`tonumber("ff", 16), tonumber("zz", 36), tonumber(" 10 ", 2), tonumber("0x10", 16), tonumber(12, 16)`, "255,1295,2,16,18"},
		{`tonumber("1e2", 10), tonumber("1e2", 16), tonumber("1.5", 16), tonumber("", 16), tonumber("8", 8)`, "100,482,nil,nil,nil"},
		{`tonumber("-ff", 16) == 2^64 - 255, tonumber("99999999999999999999", 16) == 2^64`, "true,true"},
		{`tonumber("1", 1)`, "error: bad argument #2 to 'tonumber' (base out of range)"},
		{`tonumber("1", 37)`, "error: bad argument #2 to 'tonumber' (base out of range)"},
	})
}

// math.huge is infinity.
func TestLua51_MathHuge(t *testing.T) {
	checkLua51(t, [][2]string{
		{`math.huge == 1/0, -math.huge == -1/0, math.huge > 1.7976931348623157e308`, "true,true,true"},
		{`string.format("%f %g", math.huge, -math.huge)`, "inf -inf"},
	})
}

// string.format writes as C's printf, with 5.1's checks of the format.
func TestLua51_Format(t *testing.T) {
	checkLua51(t, [][2]string{
		{`string.format("%q", "a\nb\0c\r\"\\\1\127\200z")`, "\"a\\\nb\\000c\\r\\\"\\\\\x01\x7f\xc8z\""},
		{`string.format("%q", "\0001"), string.format("%q", 12), string.format("%.3q", "a")`, `"\0001","12","a"`},
		{`string.format("%x|%X|%o|%u", -1, -2, -1, -1)`, "ffffffffffffffff|FFFFFFFFFFFFFFFE|1777777777777777777777|18446744073709551615"},
		{`string.format("%x|%x|%x|%x", 2^63, 2^64, -2^70, 3.7)`, "8000000000000000|0|8000000000000000|3"},
		{`string.format("%d|%d|%d|%i", -3.7, 2^31, 2^63, 42)`, "-3|2147483648|-9223372036854775808|42"},
		{`string.format("%08.3d|%#x|%#o|%+x|% d|%#x|%#o", 5, 0, 0, 5, 5, 255, 8)`, "     005|0|0|5| 5|0xff|010"},
		{`string.format("%5.1f|%-5d|%+d|%05d|%5s|%-5s|%.2s|%5.1s", 3.14159, 42, 5, -42, "ab", "c", "xyz", "xyz")`, "  3.1|42   |+5|-0042|   ab|c    |xy|    x"},
		{`string.format("%05s|%c%c|%-3c|", "ab", 65, 256+66, 67)`, "   ab|AB|C  |"},
		{`string.format("%g|%g|%g|%.0g|%#g|%#.3e|%e|%E", 0.1+0.2, 1e20, 100000, 123, 1.5, 2, 1, 12345.678)`, "0.3|1e+20|100000|1e+02|1.50000|2.000e+00|1.000000e+00|1.234568E+04"},
		{`string.format("%.20f|%G|%g", 0.1, 1e-10, 2^53)`, "0.10000000000000000555|1E-10|9.0072e+15"},
		{`string.format("%5.2f|%e|%G|%E|%+f|% f|%-6f|", 1/0, -1/0, 1/0, 1/0, 1/0, 1/0, 1/0)`, "  inf|-inf|INF|INF|+inf| inf|inf   |"},
		{`string.format("%d", "0x10"), string.format("%s|%s", 1, 2.5), string.format("%%|")`, "16,1|2.5,%|"},
		{`string.format("%5%", 1)`, "error: invalid option '%%' to 'format'"},
		{`string.format("%d", "x")`, "error: bad argument #2 to 'format' (number expected, got string)"},
		{`string.format("%s", {})`, "error: bad argument #2 to 'format' (string expected, got table)"},
		{`string.format("%s", nil)`, "error: bad argument #2 to 'format' (string expected, got nil)"},
		{`string.format("%d")`, "error: bad argument #2 to 'format' (no value)"},
		{`string.format("%y", 1)`, "error: invalid option '%y' to 'format'"},
		{`string.format("%a", 1)`, "error: invalid option '%a' to 'format'"},
		{`string.format("%5", 1)`, "error: invalid option '%' to 'format'"},
		{`string.format("%------d", 1)`, "error: invalid format (repeated flags)"},
		{`string.format("%100d", 1)`, "error: invalid format (width or precision too long)"},
		{`string.format("%.100d", 1)`, "error: invalid format (width or precision too long)"},
		{`string.format("%1$d", 1)`, "error: invalid option '%$' to 'format'"},
		{`string.format("%*d", 1, 2)`, "error: invalid option '%*' to 'format'"},
		{`string.format("%-+ #0d", 1)`, "+1"},
		{`select("#", string.format("a"))`, "1"},
	})
}

// upper and lower change ASCII letters only, byte by byte, as 5.1 in the
// C locale: text in GBK or any other encoding keeps its other bytes.
func TestLua51_UpperLower(t *testing.T) {
	checkLua51(t, [][2]string{
		{`string.upper("\233a") == "\233A", string.lower("\201A") == "\201a"`, "true,true"},
		{`#string.upper("\233\255\128"), string.upper("\233\255\128") == "\233\255\128"`, "3,true"},
		{`string.upper("é"), ("ÀB"):lower(), ("ȿ"):upper() == "ȿ"`, "é,Àb,true"},
		{`string.upper("hello, World 1!"), string.lower("HELLO, World 1!")`, "HELLO, WORLD 1!,hello, world 1!"},
		{`string.upper("\196\227\186\195ab")`, "\xc4\xe3\xba\xc3AB"},
	})
}

// table.sort is 5.1's quicksort: same order of equal elements, same
// error for a comparator that is not a strict order.
func TestLua51_TableSort(t *testing.T) {
	checkLua51(t, [][2]string{
		{`(function() local t = {} for i=1,100 do t[i] = i % 7 end table.sort(t, function(a,b) return true end) return #t end)()`, "error: invalid order function for sorting"},
		{`(function() local t = {3,1,2,5,4,3,1,2,5,4,1,1} table.sort(t, function(a,b) return a <= b end) return table.concat(t, ",") end)()`, "error: attempt to compare number with nil"},
		{`(function() local t = {5,3,1,4} table.sort(t, function(a,b) return a > b end) return table.concat(t, ",") end)()`, "5,4,3,1"},
		{`(function() local t = {3,1,"x"} table.sort(t) return table.concat(t, ",") end)()`, "error: attempt to compare string with number"},
		{`table.sort({}, 1)`, "error: bad argument #2 to 'sort' (function expected, got number)"},
		{`(function() local mt = {__lt = function(a, b) return a.v < b.v end} local t = {} for i, v in ipairs({4, 2, 9, 1}) do t[i] = setmetatable({v = v}, mt) end table.sort(t) local o = {} for i, x in ipairs(t) do o[i] = x.v end return table.concat(o, ",") end)()`, "1,2,4,9"},
		{`(function() local t = {1, 2} table.sort(t, function(a, b) return true end) return table.concat(t, ",") end)()`, "2,1"},
	})
}

// The order table.sort leaves equal elements in (it is not stable) is
// 5.1's, for random arrays sorted on a key with many repeats.
func TestLua51_TableSortOrderMatches(t *testing.T) {
	r := rand.New(rand.NewSource(21))
	var cases [][2]string
	for n := 0; n < 40; n++ {
		size := 1 + r.Intn(60)
		items := make([]string, size)
		for i := range items {
			items[i] = fmt.Sprintf("{k=%d,id=%d}", r.Intn(5), i)
		}
		expr := `(function() local t = {` + strings.Join(items, ",") + `}
  table.sort(t, function(a, b) return a.k < b.k end)
  local o = {} for i, x in ipairs(t) do o[i] = x.id end return table.concat(o, " ") end)()`
		cases = append(cases, [2]string{expr, ""})
	}
	L := newSandbox()
	defer L.Close()
	exprs := make([]string, len(cases))
	for i, c := range cases {
		exprs[i] = c[0]
	}
	ours := evalShow(t, L, exprs)
	real := evalLua51(t, exprs)
	if real == nil {
		t.Skip("no " + lua51Path + " to compare with")
	}
	for i := range exprs {
		if ours[i] != real[i] {
			t.Errorf("case %d: ours %q, Lua 5.1 %q", i, ours[i], real[i])
		}
	}
}

// `..` is under the string cap like every other builtin that builds a
// string: two 10 MiB operands, or a loop growing a string, fail with an
// error the script's pcall catches.
func TestLua51_ConcatUnderStringCap(t *testing.T) {
	L := newSandbox()
	defer L.Close()
	for _, src := range []string{
		`local a = string.rep("x", 10*1024*1024) return a .. a`,
		`local s, chunk = "", string.rep("y", 4*1024*1024) for i = 1, 5 do s = s .. chunk end return s`,
		`local a = string.rep("x", 10*1024*1024) return 1 .. a .. a`,
	} {
		proto, err := compile(`local ok, err = pcall(function() `+src+` end) return ok, tostring(err)`, "c.lua")
		if err != nil {
			t.Fatal(err)
		}
		L.Push(L.NewFunctionFromProto(proto))
		if err := L.PCall(0, 2, nil); err != nil {
			t.Fatalf("%s: not caught: %v", src, err)
		}
		if ok, msg := L.Get(-2), L.Get(-1).String(); ok != lua.LFalse || !strings.Contains(msg, "result would exceed") {
			t.Errorf("%s: ok=%v err=%.200s, want the string cap", src, ok, msg)
		}
		L.SetTop(0)
	}
}

// loadstring and load compile source text as 5.1 does (issue 21 item 10).
func TestLua51_Load(t *testing.T) {
	checkLua51(t, [][2]string{
		{`loadstring("return 1 + 1")()`, "2"},
		{`loadstring("local a, b = ... return b, a")(1, 2)`, "2,1"},
		{`(function() local f, e = loadstring("x = ") return f, e:match('^%[string "x = "%]:') ~= nil end)()`, "nil,true"},
		{`select(2, loadstring("return 1 +\nfoo bar")):match('^%[string "return 1 %+..."%]:2:') ~= nil`, "true"},
		{`select(2, loadstring("x x", "=mine")):match("^mine:1:") ~= nil`, "true"},
		{`select(2, pcall(loadstring("error('boom')", "=chunk")))`, "chunk:1: boom"},
		{`select(2, pcall(loadstring("error('boom')")))`, `[string "error('boom')"]:1: boom`},
		{`(function() local parts, i = {"return ", "4", "2"}, 0 return load(function() i = i + 1 return parts[i] end)() end)()`, "42"},
		{`(function() local i = 0 return load(function() i = i + 1 return i == 1 and "return 1" or "" end)() end)()`, "1"},
		{`(function() local f, e = load(function() return {} end) return f, e:match("reader function must return a string$") end)()`, "nil,reader function must return a string"},
		{`(function() local i = 0 return load(function() i = i + 1 return ({"return ", 12})[i] end)() end)()`, "12"},
		{`(function() g_loaded = 7 return loadstring("return g_loaded")() end)()`, "7"},
		{`type(loadstring("\27Lua"))`, "nil"},
	})
}

// What luabot adds to 5.1: a clear message for byte code, the source
// cap, load of a string with an env as in 5.2 and LuaJIT, and .. inside
// loaded code under the string cap.
func TestLoad_SandboxRules(t *testing.T) {
	L := newSandbox()
	defer L.Close()
	for src, want := range map[string]string{
		`return select(2, loadstring("\27LuaQ\0"))`:                                                   "binary chunks are not accepted",
		`return select(2, load(function() return nil end, "=x", "b"))`:                                "mode is 'b'",
		`return select(2, loadstring(string.rep(" ", 1024*1024 + 1)))`:                                "load compiles at most",
		`return load("return who", "=env", "t", {who = "env table"})()`:                               "env table",
		`return load("return who", "=env", "bt", {who = "both modes"})()`:                             "both modes",
		`return select(2, pcall(loadstring("local a = string.rep('x', 9*1024*1024) return a .. a")))`: "result would exceed",
	} {
		proto, err := compile(src, "t.lua")
		if err != nil {
			t.Fatal(err)
		}
		L.Push(L.NewFunctionFromProto(proto))
		if err := L.PCall(0, 1, nil); err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got := L.Get(-1).String(); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", src, got, want)
		}
		L.SetTop(0)
	}
}

// collectgarbage("count") is the script's own estimate and grows with
// what it keeps; the harmless options are accepted, stop and unknown ones
// refused (issue 21 item 11).
func TestCollectgarbage(t *testing.T) {
	h := mustHarness(t, `
local before = collectgarbage("count")
keep = {}
for i = 1, 20000 do keep[i] = {i} end
local after = collectgarbage("count")
grew = after - before
kinds = table.concat({type(before), tostring(collectgarbage()), tostring(collectgarbage("collect")),
  tostring(collectgarbage("step")), tostring(collectgarbage("setpause", 100)), tostring(collectgarbage("setstepmul", 400))}, ",")
stop_ok, stop_err = pcall(collectgarbage, "stop")
bad_ok, bad_err = pcall(collectgarbage, "nope")
`)
	L := h.s.L
	if grew := float64(L.GetGlobal("grew").(lua.LNumber)); grew < 20000*100/1024 {
		t.Errorf("count grew by %.0f KiB for 20000 kept tables", grew)
	}
	if got := L.GetGlobal("kinds").String(); got != "number,0,0,true,200,200" {
		t.Errorf("results %q", got)
	}
	if L.GetGlobal("stop_ok") != lua.LFalse || !strings.Contains(L.GetGlobal("stop_err").String(), "cannot stop or restart") {
		t.Errorf("stop: %v %v", L.GetGlobal("stop_ok"), L.GetGlobal("stop_err"))
	}
	if !strings.Contains(L.GetGlobal("bad_err").String(), "bad argument #1 to 'collectgarbage' (invalid option 'nope')") {
		t.Errorf("unknown option: %v", L.GetGlobal("bad_err"))
	}
}

// math.randomseed makes a script's numbers repeat (gopher-lua's did not,
// Go's global Seed being a no-op), and the intervals are 5.1's.
func TestLua51_Random(t *testing.T) {
	checkLua51(t, [][2]string{
		{`(function() math.randomseed(7) local a = {math.random(), math.random(10), math.random(5, 6)} math.randomseed(7) local b = {math.random(), math.random(10), math.random(5, 6)} return a[1] == b[1] and a[2] == b[2] and a[3] == b[3] end)()`, "true"},
		{`(function() for i = 1, 200 do local x = math.random(3) if x < 1 or x > 3 or x % 1 ~= 0 then return x end local y = math.random(-2, 2) if y < -2 or y > 2 then return y end local z = math.random() if z < 0 or z >= 1 then return z end end return "ok" end)()`, "ok"},
		{`math.random(0)`, "error: bad argument #1 to 'random' (interval is empty)"},
		{`math.random(3, 1)`, "error: bad argument #2 to 'random' (interval is empty)"},
		{`math.random(2, 2)`, "2"},
	})
}

// table.foreach, foreachi and setn exist as in 5.1.
func TestLua51_TableForeach(t *testing.T) {
	checkLua51(t, [][2]string{
		{`table.foreach({x = 90, y = 8}, function(k, v) if k == "x" then return v end end)`, "90"},
		{`table.foreach({x = 90}, function(k, v) end)`, ""},
		{`(function() local s = 0 table.foreachi({1, 2, 3}, function(i, v) s = s + i * v end) return s end)()`, "14"},
		{`table.foreachi({5, 6, 7}, function(i, v) if v == 6 then return i, "two" end end)`, "2"},
		{`table.setn({}, 1)`, "error: 'setn' is obsolete"},
		{`table.maxn{}, table.maxn{["1000"] = true, [24.5] = 3}, table.maxn{[1000] = true, [-5] = 1}`, "0,24.5,1000"},
	})
}

// unpack refuses more values than 5.1's stack takes, at once.
func TestLua51_Unpack(t *testing.T) {
	checkLua51(t, [][2]string{
		{`unpack({1, 2, 3})`, "1,2,3"},
		{`unpack({1, 2, 3}, 2), unpack({1, 2, 3}, 2, 5)`, "2,2,3,nil,nil"},
		{`unpack({1, 2, 3}, 3, 1), select("#", unpack({}, 5, 4))`, "nil,0"},
		{`unpack({1, 2, 3}, 1.9, 2.9)`, "1,2"},
		{`select("#", unpack({}, 1, 7990))`, "7990"},
		{`unpack({}, 1, 7999)`, "error: too many results to unpack"},
		{`unpack({}, 1, 1e8)`, "error: too many results to unpack"},
		{`unpack({}, -1e9, 1e9)`, "error: too many results to unpack"},
		{`unpack({}, 2^31, 2^31 + 1)`, "nil,nil"},
		{`unpack(nil)`, "error: bad argument #1 to 'unpack' (table expected, got nil)"},
		{`unpack({}, "x")`, "error: bad argument #2 to 'unpack' (number expected, got string)"},
	})
}

// Integer arguments take strings that read as numbers, as 5.1's
// luaL_checkint does (a setting from config.get, a pattern's capture);
// table.concat's separator takes a number; string.char refuses codes
// outside 0..255 (coerce.go).
func TestLua51_NumericStringArguments(t *testing.T) {
	checkLua51(t, [][2]string{
		{`string.byte("abc", "2", "3")`, "98,99"},
		{`string.char("65", "66"), string.char(65.9)`, "AB,A"},
		{`string.sub("hello", "2", "3"), ("hello"):sub("-3")`, "el,llo"},
		{`string.rep("ab", "2"), ("x"):rep(" 3 ")`, "abab,xxx"},
		{`string.find("abcabc", "b", "3"), string.match("abcabc", "c", "4")`, "5,c"},
		{`string.gsub("aaa", "a", "b", "2")`, "bba,2"},
		{`select("2", "a", "b", "c")`, "b,c"},
		{`select("#", 1, 2), select("-1", 1, 2)`, "2,2"},
		{`table.concat({1, 2, 3}, ",", "2", "3"), table.concat({1, 2, 3}, 0)`, "2,3,10203"},
		{`(function() local t = {1, 2, 3} table.insert(t, "1", "x") return table.concat(t, ",") end)()`, "x,1,2,3"},
		{`(function() local t = {1, 2, 3} return table.remove(t, "1"), table.concat(t, ",") end)()`, "1,2,3"},
		{`string.sub("hello", "x")`, "error: bad argument #2 to"},
		{`string.char(256)`, "error: bad argument #1 to 'char' (invalid value)"},
		{`string.char(65, -1)`, "error: bad argument #2 to 'char' (invalid value)"},
		{`string.char("x")`, "error: bad argument #1 to 'char' (number expected, got string)"},
		{`string.char()`, ""},
	})
}

// table.remove counts #t, not gopher-lua's array part: after t[#t] = nil
// it removes the new last element, and a position outside 1..#t removes
// nothing and returns nothing.
func TestLua51_TableRemove(t *testing.T) {
	checkLua51(t, [][2]string{
		{`(function() local t = {1, 2, 3} t[3] = nil return table.remove(t), #t, t[1] end)()`, "2,1,1"},
		{`(function() local t = {1, 2, 3} t[#t] = nil t[#t] = nil return table.remove(t), #t end)()`, "1,0"},
		{`(function() local t = {1, 2, 3} t[3] = nil return table.remove(t, 1), #t, t[1] end)()`, "1,1,2"},
		{`(function() local t = {1, 2, 3} return table.remove(t, 0), table.remove(t, -1), table.remove(t, 4), #t end)()`, "nil,nil,nil,3"},
		{`(function() local t = {1, 2, 3} return select("#", table.remove(t, 0)), select("#", table.remove({})) end)()`, "0,0"},
		{`(function() local t = {1, 2, 3} return table.remove(t, 2), table.concat(t, ","), #t end)()`, "2,1,3,2"},
		{`(function() local t = {1, 2, 3} return table.remove(t, 3), table.remove(t), table.remove(t), table.remove(t), #t end)()`, "3,2,1,nil,0"},
		{`(function() local t = {n = 1, [0] = "z"} return table.remove(t), t[0] end)()`, "nil,z"},
		{`table.remove({1}, "x")`, "error: bad argument #2 to 'remove' (number expected, got string)"},
	})
}

// Numbers become text as in 5.1 ("%.14g"), wherever luabot converts them:
// tostring, `..`, string.format's %s and %q, table.concat, the string
// functions' arguments, gsub's replacement and error's message. gopher-lua
// wrote the shortest round-trip text (3.3000000000000003).
func TestLua51_NumberText(t *testing.T) {
	checkLua51(t, [][2]string{
		{`3*1.1, 0.1+0.2, 1/3, 100/3, -12.5e20, 1e-5, 0.0001234`, "3.3,0.3,0.33333333333333,33.333333333333,-1.25e+21,1e-05,0.0001234"},
		{`2^53, 1e14, 1e14-1, -1e14, 123456789012345, 2^63, 1e100`, "9.007199254741e+15,1e+14,99999999999999,-1e+14,1.2345678901234e+14,9.2233720368548e+18,1e+100"},
		{`1/0, -1/0, 0/0, -(0/0), (function() local z = 0 return -z end)()`, "inf,-inf,-nan,nan,-0"},
		{`"p=" .. 3*1.1, 1 .. 2 .. 0.1+0.2, (1/0) .. "|" .. 2^53`, "p=3.3,120.3,inf|9.007199254741e+15"},
		{`string.format("%s|%q|%5.2s|%s", 3*1.1, 1/3, 3*1.1, 1e15)`, `3.3|"0.33333333333333"|   3.|1e+15`},
		{`table.concat({3*1.1, 0.1+0.2, 7}, 0.5)`, "3.30.50.30.57"},
		{`string.len(0.1+0.2), string.rep(3*1.1, 2), string.sub(1/3, 1, 4), string.reverse(0.1+0.2), string.upper(1/0)`, "3,3.33.3,0.33,3.0,INF"},
		{`string.find(3*1.1, "3.3", 1, true), string.match(0.1+0.2, "^0%.3$"), string.gsub(0.1+0.2, "3", 3*1.1)`, "1,0.3,0.3.3,1"},
		{`string.byte(0.1+0.2, -1), string.format(3*1.1)`, "51,3.3"},
		{`select(2, pcall(error, 3*1.1, 0)), (string.gsub(select(2, pcall(function() error(0.1+0.2) end)), "^.*: ", ""))`, "3.3,0.3"},
		{`tostring(setmetatable({}, {__tostring = function() return 3*1.1 end})) == 3*1.1`, "true"},
		{`(function() local t = setmetatable({}, {__concat = function(a, b) return type(a) .. type(b) end}) return 1.5 .. t, t .. 0.1 .. 0.2 end)()`, "numbertable,tablestring"},
	})
}

// setmetatable, rawset, assert, next, table.insert, os.difftime,
// math.modf and % answer as 5.1's (base51.go, modulo.go).
func TestLua51_BaseLibrary(t *testing.T) {
	checkLua51(t, [][2]string{
		{`setmetatable("x", {})`, "error: bad argument #1 to 'setmetatable' (table expected, got string)"},
		{`setmetatable(1, {})`, "error: bad argument #1 to 'setmetatable' (table expected, got number)"},
		{`setmetatable(nil, {})`, "error: bad argument #1 to 'setmetatable' (table expected, got nil)"},
		{`setmetatable({})`, "error: bad argument #2 to 'setmetatable' (nil or table expected)"},
		{`setmetatable({}, 1)`, "error: bad argument #2 to 'setmetatable' (nil or table expected)"},
		{`setmetatable(setmetatable({}, {__metatable = 1}), {})`, "error: cannot change a protected metatable"},
		{`(function() local t = {} return setmetatable(t, nil) == t, getmetatable(setmetatable({}, {__metatable = "p"})) end)()`, "true,p"},
		{`("abc"):upper(), pcall(setmetatable, "", {}), ("abc"):len()`, "ABC,false,3"},
		{`(function() local t = {} return rawset(t, "a", 1) == t, t.a end)()`, "true,1"},
		{`assert(false, 42)`, "error: 42"},
		{`assert(nil, "msg")`, "error: msg"},
		{`assert(false)`, "error: assertion failed!"},
		{`assert()`, "error: bad argument #1 to 'assert' (value expected)"},
		{`assert(false, {})`, "error: bad argument #2 to 'assert' (string expected, got table)"},
		{`assert(1, 2, 3)`, "1,2,3"},
		{`next({}, "nope")`, "error: invalid key to 'next'"},
		{`next({a = 1}, "nope")`, "error: invalid key to 'next'"},
		{`next({1}, 2)`, "error: invalid key to 'next'"},
		{`next({}), next({5})`, "nil,1,5"},
		{`(function() local t = {1, 2, 3, a = 1, b = 2, c = 3} local n = 0 for k in next, t do t[k] = nil n = n + 1 end return n, next(t) end)()`, "6,nil"},
		{`table.insert({}, 1, 2, 3)`, "error: wrong number of arguments to 'insert'"},
		{`table.insert({})`, "error: wrong number of arguments to 'insert'"},
		{`table.insert(nil, 1)`, "error: bad argument #1 to 'insert' (table expected, got nil)"},
		{`(function() local t = {1, 2, 3} table.insert(t, 2, "x") return t[1], t[2], t[3], t[4] end)()`, "1,x,2,3"},
		{`(function() local t = {1, 2, 3} table.insert(t, 0, "x") return t[0], t[1], t[2], t[4] end)()`, "x,nil,1,3"},
		{`(function() local t = {1, 2, 3, [-2] = "a", [-1] = "b", [0] = "c"} table.insert(t, -1, "x") return t[-2], t[-1], t[0], t[1], t[4] end)()`, "a,x,b,c,3"},
		{`(function() local t = {1, 2, 3, [-5] = "a", [-3] = "b"} table.insert(t, -4, "x") return t[-5], t[-4], t[-3], t[-2], t[0], t[2] end)()`, "a,x,nil,b,nil,1"},
		{`(function() local t = {1, 2, 3, [-1] = "b"} table.insert(t, -2^40, "x") return t[-2^40], t[-1], t[0], t[1], t[2] end)()`, "nil,b,x,nil,1"},
		{`(function() local t = {1, 2, 3} table.insert(t, 10, "x") return t[4], t[10] end)()`, "nil,x"},
		{`(function() local t = {1, 2, 3, [-3] = "a"} table.insert(t, -2^31 - 2, "x") return t[2^31 - 2], t[-3], t[-2], t[1] end)()`, "x,a,nil,1"},
		{`(function() local t = {} t[3] = "c" t[2] = "b" t[1] = "a" table.insert(t, 1, "x") return t[1], t[2], t[3], t[4] end)()`, "x,a,b,c"},
		{`(function() local t = {1, 2, 3} table.insert(t, "2", "x") table.insert(t, 2.9, "y") return t[2], t[3], t[4] end)()`, "y,x,2"},
		{`os.difftime(10), os.difftime(10, 3), os.difftime("10", "3.5"), os.difftime(10.9, 0.5)`, "10,7,7,10"},
		{`os.difftime()`, "error: bad argument #1 to 'difftime' (number expected, got no value)"},
		{`math.modf(1/0)`, "inf,0"},
		{`math.modf(-1/0)`, "-inf,-0"},
		{`math.modf(-3.5), math.modf(5)`, "-3,5,0"},
		{`5 % math.huge, -5 % math.huge, 5 % -math.huge, math.huge % 5, 5 % 0`, "-nan,-nan,-nan,-nan,-nan"},
		{`7 % 3, -7 % 3, 7 % -3, -7 % -3, 5.5 % 2, -5.5 % 2, 2^53 % 3`, "1,2,-2,-1,1.5,0.5,2"},
		{`"7" % 3, 7 % "0x3", " 8 " % "5"`, "1,1,3"},
		{`(function() local mt = {__mod = function(a, b) return "mod" end} return setmetatable({}, mt) % 2, 2 % setmetatable({}, mt) end)()`, "mod,mod"},
		{`({}) % 2`, "error: attempt to perform arithmetic on a table value"},
		{`2 % nil`, "error: attempt to perform arithmetic on a nil value"},
		{`"x" % 2`, "error: attempt to perform arithmetic on a string value"},
	})
}

// The prelude's xpcall and coroutine functions check their arguments as
// 5.1's do, naming the script's line (they named "=prelude:35:" and
// "(anonymous)"); xpcall without a handler is an error.
func TestLua51_PreludeArgumentChecks(t *testing.T) {
	exprs := []string{
		`xpcall(function() return 1 end)`,
		`xpcall(function() error("x") end)`,
		`xpcall()`,
		`coroutine.resume(42)`,
		`coroutine.wrap(42)`,
		`coroutine.create(42)`,
		`select(2, pcall(assert, false, 42))`,
		`xpcall(function() return 1, 2 end, print)`,
		`coroutine.wrap(function(a) return a * 2 end)(21)`,
	}
	want := []string{
		"error: bad argument #2 to 'xpcall' (value expected)",
		"error: bad argument #2 to 'xpcall' (value expected)",
		"error: bad argument #2 to 'xpcall' (value expected)",
		"error: bad argument #1 to 'resume' (coroutine expected)",
		"error: bad argument #1 to 'wrap' (Lua function expected)",
		"error: bad argument #1 to 'create' (Lua function expected)",
		"42",
		"true,1,2",
		"42",
	}
	h := mustHarness(t, `-- nothing`)
	ours := evalShow(t, h.s.L, exprs)
	real := evalLua51(t, exprs)
	for i, e := range exprs {
		if ours[i] != want[i] {
			t.Errorf("%s = %q, want %q", e, ours[i], want[i])
		}
		if real != nil && real[i] != want[i] {
			t.Errorf("%s: the test expects %q but Lua 5.1 gives %q", e, want[i], real[i])
		}
	}
	// The position is the script's line, not the prelude's.
	for _, call := range []string{`coroutine.resume(42)`, `coroutine.wrap(42)`, `xpcall(print)`, `coroutine.create(42)`} {
		src := "local ok, e = pcall(function()\n local x = " + call + "\nend) return e"
		if err := h.s.L.DoString(src); err != nil {
			t.Fatal(err)
		}
		got := h.s.L.Get(-1).String()
		h.s.L.Pop(1)
		if !strings.HasPrefix(got, "<string>:2: bad argument #") {
			t.Errorf("%s raised %q, want the calling line", call, got)
		}
	}
}

// table.insert at a position far below 1 moves only the keys the table
// holds (5.1's loop would run 2^31 times).
func TestLua51_InsertFarBelowIsBounded(t *testing.T) {
	L := newSandbox()
	defer L.Close()
	start := time.Now()
	got := evalShow(t, L, []string{`(function() local t = {1, [-5] = "a", [-2^31 + 10] = "b"} table.insert(t, -2^31 + 5, "x") return t[-2^31 + 5], t[-2^31 + 11], t[-4], t[0], t[1], t[2] end)()`})
	if got[0] != "x,b,a,nil,nil,1" {
		t.Errorf("got %q", got[0])
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
}
