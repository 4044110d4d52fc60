package host

import (
	"reflect"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// Concatenations in every position a Lua expression can take are rewritten,
// and the rewritten chunk computes what gopher-lua computes.
const concatSource = `
local a, b = "a" .. 1, 2 .. "b"
local t = {x = a .. b, [a .. "k"] = 1, a .. a}
local function f(...) return select("#", ...) .. ":" .. table.concat({...}, ",") end
local s = f(a .. b, (a .. b)) .. f(a .. b)
if (a .. b) == "a12b" then s = s .. "|if" elseif a .. "x" then s = s .. "|elseif" end
while #s < tonumber(3 .. "0") do s = s .. "." end
repeat s = s .. "r" until #(s .. "") > 31
for i = 1, 2 do s = s .. i end
for k, v in pairs({[1 .. ""] = 2 .. ""}) do s = s .. k .. v end
local obj = {name = "o"}
function obj:greet(x) return self.name .. x end
s = s .. obj:greet("!" .. "?") .. t[a .. "k"] .. t.x .. t[1]
s = s .. (function() return "n" .. "e" .. "s" .. "t" end)()
local mt = setmetatable({}, {__concat = function(l, r) return "M(" .. tostring(type(l)) .. "," .. tostring(type(r)) .. ")" end})
s = s .. (mt .. "x") .. ("x" .. mt) .. ("a" .. "b" .. mt .. "c")
return s .. ((1.5 .. "") .. 2^53 .. -0.0)
`

func TestConcat_RewriteEverywhere(t *testing.T) {
	stmts, err := parse.Parse(strings.NewReader(concatSource), "c.lua")
	if err != nil {
		t.Fatal(err)
	}
	left := 0
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Interface, reflect.Pointer:
			if v.IsNil() {
				return
			}
			if _, ok := v.Interface().(*ast.StringConcatOpExpr); ok {
				left++
			}
			walk(v.Elem())
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(stmts))
	if left < 30 {
		t.Fatalf("the source has only %d concatenations", left)
	}
	if err := (&astRewriter{expr: concatRewrite}).run(stmts); err != nil {
		t.Fatal(err)
	}
	left = 0
	walk(reflect.ValueOf(stmts))
	if left != 0 {
		t.Fatalf("%d concatenations left", left)
	}

	theirs := lua.NewState()
	defer theirs.Close()
	if err := theirs.DoString(concatSource); err != nil {
		t.Fatal(err)
	}
	want := theirs.Get(-1).String()
	if !strings.Contains(want, "M(table,string)") || !strings.Contains(want, "|if") {
		t.Fatalf("gopher-lua computed %q", want)
	}
	// Numbers are written as Lua 5.1 writes them, not as gopher-lua does
	// (Lua 5.1 computes the whole string below).
	const goNumbers, numbers51 = "1.590071992547409920", "1.59.007199254741e+15-0"
	if !strings.HasSuffix(want, goNumbers) {
		t.Fatalf("gopher-lua computed %q", want)
	}
	want = strings.TrimSuffix(want, goNumbers) + numbers51

	ours := newSandbox()
	defer ours.Close()
	proto, err := compile(concatSource, "c.lua")
	if err != nil {
		t.Fatal(err)
	}
	ours.Push(ours.NewFunctionFromProto(proto))
	if err := ours.PCall(0, 1, nil); err != nil {
		t.Fatal(err)
	}
	if got := ours.Get(-1).String(); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

// A concatenation error names the line and the value's type.
func TestConcat_Errors(t *testing.T) {
	L := newSandbox()
	defer L.Close()
	for src, want := range map[string]string{
		"local x\nreturn 'a' .. x":   "c.lua:2: attempt to concatenate a nil value",
		"return {} .. 'a'":           "attempt to concatenate a table value",
		"return 'a' .. 'b' .. print": "attempt to concatenate a function value",
	} {
		proto, err := compile(src, "c.lua")
		if err != nil {
			t.Fatal(err)
		}
		L.Push(L.NewFunctionFromProto(proto))
		err = L.PCall(0, 1, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", src, err, want)
		}
		L.SetTop(0)
	}
}

// `..` works in a function whose environment is not the script's globals
// (load with an environment, setfenv), and nothing a script puts in its
// globals replaces it.
func TestConcat_OtherEnvironments(t *testing.T) {
	L := newSandbox()
	defer L.Close()
	src := `
local a = load("return 'a' .. 1", "x", "t", {})()
local b = loadstring("return 'b' .. 2", "y", "t", setmetatable({}, {__index = function(_, k) error("looked up " .. k) end}))()
local f = function(x) return x .. "c" end
setfenv(f, {})
local seen = 0
for k in pairs(_G) do if type(k) == "string" and k:find("concat") then seen = seen + 1 end end
rawset(_G, "\0concat", function() return "replaced" end)
return a .. b .. f(3) .. seen
`
	proto, err := compile(src, "c.lua")
	if err != nil {
		t.Fatal(err)
	}
	L.Push(L.NewFunctionFromProto(proto))
	if err := L.PCall(0, 1, nil); err != nil {
		t.Fatal(err)
	}
	if got := L.Get(-1).String(); got != "a1b23c0" {
		t.Fatalf("got %q, want a1b23c0", got)
	}
}
