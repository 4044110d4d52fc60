package host

import (
	"fmt"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Differential test: our matcher against gopher-lua's own on ordinary
// patterns, through the same Lua calls.
var patternCases = []struct{ src, pat string }{
	{"hello world", "o"}, {"hello world", "(o)(r)"}, {"hello world", "^hello"}, {"hello world", "world$"},
	{"hello world", "^world"}, {"hello", ""}, {"", ""}, {"", "a*"}, {"aaa", "a-"}, {"aaa", "a-$"},
	{"key = value", "(%w+)%s*=%s*(%w+)"}, {"  trim  ", "^%s*(.-)%s*$"}, {"THE (quick) fox", "%((%a+)%)"},
	{"f(a(b)c)d", "%b()"}, {"THE (quick) fox", "%f[%a]%a+"}, {"abcabc", "(abc)%1"}, {"x=1, y=22", "()%d+()"},
	{"[brackets]", "[%[%]]"}, {"a]b", "[]]"}, {"a-b", "[a-]"}, {"a^b", "[%^]"}, {"Hello123", "%u%l+%d?"},
	{"tab\there", "%c"}, {"punct!?", "%p+"}, {"0x1F", "0x(%x+)"}, {"αβγ", "."}, {"a.b", "%."},
	{"<@!123> roll 20", "^<@!?(%d+)>%s*(.*)$"}, {"a,b,,c", "([^,]*)"}, {"aaa", "a?a?a?a"}, {"abc", "[^a]+"},
	{"hello", "l+"}, {"hello", "x*"}, {"2024-01-02", "(%d+)-(%d+)-(%d+)"}, {"one two  three", "%S+"},
}

func luaEval(t *testing.T, L *lua.LState, src string) string {
	t.Helper()
	if err := L.DoString("return " + src); err != nil {
		return "error"
	}
	var parts []string
	for i := 1; i <= L.GetTop(); i++ {
		parts = append(parts, L.Get(i).String())
	}
	L.SetTop(0)
	return strings.Join(parts, ",")
}

// Where gopher-lua's matcher is wrong, ours follows Lua 5.1.
var lua51Answers = map[string]string{
	// Our upper keeps a byte that is not UTF-8 as it is, as Lua 5.1 does;
	// gopher-lua turns it into U+FFFD.
	`string.gsub("αβγ", ".", function(x) return x:upper() end)`: "αβγ,6",
	`string.match("hello world", "^world")`:                     "nil",
	`string.find("hello", "", 3)`:                               "3,2",
	`string.find("hello", "", -3)`:                              "3,2",
	// Lua 5.1 clamps init to the end of the string; gopher-lua returns nil.
	`string.find("", "a*", 3)`: "1,0",
	// gmatch reads a leading ^ as a character, as Lua 5.1 does; gopher-lua
	// anchors the first match.
	`(function() local t = {} for a in string.gmatch("hello world", "^hello") do t[#t+1] = tostring(a) end return table.concat(t, '|') end)()`:                  "",
	`(function() local t = {} for a in string.gmatch("  trim  ", "^%s*(.-)%s*$") do t[#t+1] = tostring(a) end return table.concat(t, '|') end)()`:               "",
	`(function() local t = {} for a in string.gmatch("<@!123> roll 20", "^<@!?(%d+)>%s*(.*)$") do t[#t+1] = tostring(a) end return table.concat(t, '|') end)()`: "",
	`string.find("", "", 3)`:                                                        "1,0",
	`string.find("THE (quick) fox", "%f[%a]%a+")`:                                   "1,3",
	`string.find("THE (quick) fox", "%f[%a]%a+", 3)`:                                "6,10",
	`string.match("THE (quick) fox", "%f[%a]%a+")`:                                  "THE",
	`string.gsub("THE (quick) fox", "%f[%a]%a+", '<%0>')`:                           "<THE> (<quick>) <fox>,3",
	`string.gsub("THE (quick) fox", "%f[%a]%a+", function(x) return x:upper() end)`: "THE (QUICK) FOX,3",
	`(function() local t = {} for a in string.gmatch("THE (quick) fox", "%f[%a]%a+") do t[#t+1] = tostring(a) end return table.concat(t, '|') end)()`: "THE|quick|fox",
}

func TestPattern_MatchesGopherLua(t *testing.T) {
	ours := newSandbox()
	defer ours.Close()
	theirs := lua.NewState()
	defer theirs.Close()
	for _, c := range patternCases {
		for _, expr := range []string{
			fmt.Sprintf("string.find(%q, %q)", c.src, c.pat),
			fmt.Sprintf("string.find(%q, %q, 3)", c.src, c.pat),
			fmt.Sprintf("string.find(%q, %q, -3)", c.src, c.pat),
			fmt.Sprintf("string.match(%q, %q)", c.src, c.pat),
			fmt.Sprintf("string.gsub(%q, %q, '<%%0>')", c.src, c.pat),
			fmt.Sprintf("string.gsub(%q, %q, '%%1', 1)", c.src, c.pat),
			fmt.Sprintf("string.gsub(%q, %q, function(x) return x:upper() end)", c.src, c.pat),
			fmt.Sprintf("(function() local t = {} for a in string.gmatch(%q, %q) do t[#t+1] = tostring(a) end return table.concat(t, '|') end)()", c.src, c.pat),
		} {
			want, fixed := lua51Answers[expr]
			if !fixed {
				want = luaEval(t, theirs, expr)
			}
			if got := luaEval(t, ours, expr); got != want {
				t.Errorf("%s = %q, gopher-lua gives %q", expr, got, want)
			}
		}
	}
}

func TestPattern_Errors(t *testing.T) {
	L := newSandbox()
	defer L.Close()
	for _, pat := range []string{"%", "[a", "(a", "a.)", "%b", "%f", "%1", "(()"} {
		err := L.DoString(fmt.Sprintf("string.find('abc', %q)", pat))
		if err == nil {
			t.Errorf("pattern %q accepted", pat)
		}
	}
}

// Patterns that take exponential or polynomial time in a backtracking
// matcher stop with an error, quickly.
func TestPattern_PathologicalPatternsStop(t *testing.T) {
	t.Parallel()
	L := newSandbox()
	defer L.Close()
	for _, src := range []string{
		`string.find(("a"):rep(30) .. "b", ("a*"):rep(30) .. "c")`,
		`string.find(("a"):rep(3000), ".-.-.-.-b")`,
		`string.gsub(("a"):rep(100000), "a", "xyz")`, // linear: must succeed
	} {
		start := time.Now()
		err := L.DoString("return " + src)
		elapsed := time.Since(start)
		if strings.Contains(src, "gsub") {
			if err != nil {
				t.Errorf("%s: %v", src, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), "too complex") {
			t.Errorf("%s: err = %v, want too complex", src, err)
		}
		if elapsed > 5*time.Second {
			t.Errorf("%s took %s", src, elapsed)
		}
		L.SetTop(0)
	}
}

func TestStringLimits(t *testing.T) {
	L := newSandbox()
	defer L.Close()
	for _, src := range []string{
		`string.rep("x", 17 * 1024 * 1024)`,
		`("x"):rep(2^30)`,
		`string.format("%999d", 1)`,
		`table.concat({string.rep("x", 9 * 1024 * 1024), string.rep("y", 9 * 1024 * 1024)})`,
	} {
		if err := L.DoString("return " + src); err == nil {
			t.Errorf("%s succeeded", src)
		}
	}
	if err := L.DoString(`assert(string.format("%5.2f|%s|%d", 1.5, "x", 3) == " 1.50|x|3")`); err != nil {
		t.Error(err)
	}
}

func FuzzPattern(f *testing.F) {
	for _, c := range patternCases {
		f.Add(c.src, c.pat)
	}
	f.Fuzz(func(t *testing.T, src, pat string) {
		if len(src) > 200 || len(pat) > 50 {
			return
		}
		L := newSandbox()
		defer L.Close()
		L.SetGlobal("s", lua.LString(src))
		L.SetGlobal("p", lua.LString(pat))
		// Must never panic into Go or hang; errors are fine.
		_ = L.DoString(`pcall(string.find, s, p) pcall(string.gsub, s, p, "%0") pcall(function() for x in s:gmatch(p) do end end)`)
	})
}
