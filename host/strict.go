package host

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
)

// globalsGuard is the typo guard: once the top level has run, a handler
// that assigns a global the top level never defined gets an error naming
// it. Globals the top level assigned, even to nil, stay writable.
type globalsGuard struct {
	globals  *lua.LTable
	declared map[string]bool
	strict   bool
	// exempt reports whether the code running on L may define globals
	// freely (REPL input).
	exempt func(L *lua.LState) bool
}

// guardGlobals starts recording the globals the top level assigns.
func guardGlobals(L *lua.LState, exempt func(*lua.LState) bool) *globalsGuard {
	g := &globalsGuard{globals: L.Get(lua.GlobalsIndex).(*lua.LTable), declared: map[string]bool{}, exempt: exempt}
	g.declareExisting()
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		k := L.Get(2)
		if name, ok := k.(lua.LString); ok {
			if g.strict && !g.declared[string(name)] && !g.exempt(L) {
				bindings.Raise(L, "assignment to undeclared global %q: declare it at the top level of the script "+
					"(e.g. %s = nil), or use local", string(name), string(name))
			}
			g.declared[string(name)] = true
		}
		t.RawSet(k, L.Get(3))
		return 0
	}))
	g.globals.Metatable = mt
	return g
}

func (g *globalsGuard) declareExisting() {
	g.globals.ForEach(func(k, _ lua.LValue) {
		if name, ok := k.(lua.LString); ok {
			g.declared[string(name)] = true
		}
	})
}

// enable turns the guard on; called after the top level ran.
func (g *globalsGuard) enable() {
	g.declareExisting()
	g.strict = true
}
