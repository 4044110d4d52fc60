package host

import (
	"slices"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// lua51Globals are the globals of a stock Lua 5.1 state (chapter 5 of the Lua 5.1
// reference manual).
var lua51Globals = []string{
	"_G", "_VERSION", "assert", "collectgarbage", "dofile", "error", "getfenv", "getmetatable",
	"ipairs", "load", "loadfile", "loadstring", "module", "next", "pairs", "pcall", "print",
	"rawequal", "rawget", "rawset", "require", "select", "setfenv", "setmetatable", "tonumber",
	"tostring", "type", "unpack", "xpcall", "newproxy",
	"coroutine", "debug", "io", "math", "os", "package", "string", "table",
}

// The list `luabot check` explains is the list the sandbox applies: every name in
// MissingGlobals and MissingFields is absent from a fresh sandbox, and every standard
// global absent from it is in MissingGlobals (or is made per script).
func TestMissingGlobals_MatchTheSandbox(t *testing.T) {
	L := newSandbox()
	defer L.Close()
	for name := range MissingGlobals {
		if v := L.GetGlobal(name); v != lua.LNil {
			t.Errorf("%s is listed as missing but the sandbox has it (%s)", name, v.Type())
		}
	}
	for lib, fields := range MissingFields {
		tbl, ok := L.GetGlobal(lib).(*lua.LTable)
		if !ok {
			t.Errorf("library %s is not in the sandbox", lib)
			continue
		}
		for name := range fields {
			if v := tbl.RawGetString(name); v != lua.LNil {
				t.Errorf("%s.%s is listed as missing but the sandbox has it", lib, name)
			}
		}
	}
	for _, name := range lua51Globals {
		_, listed := MissingGlobals[name]
		if L.GetGlobal(name) == lua.LNil && !listed && !slices.Contains(perScriptGlobals, name) {
			t.Errorf("the sandbox lacks %s, but `luabot check` would not say why", name)
		}
	}
}
