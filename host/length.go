package host

import (
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// Lua 5.1's # gives a table's raw length and looks for __len only on
// userdata; gopher-lua's OP_LEN calls a table's __len too, so
// setmetatable({1, 2}, {__len = function() return 99 end}) measured 99
// (5.1: 2), and a __len that measures its own table with # recursed until
// the stack overflowed. compile therefore rewrites every # of a script
// into a call of lenName, bound like concatName (concat.go) to lenFn.
const lenName = "\x00len"

// lenFn is the # every script's code calls, held as a constant of the
// compiled prototypes like concatFn.
var lenFn = &lua.LFunction{IsG: true, GFunction: objLen, Env: &lua.LTable{Metatable: lua.LNil}}

// objLen is Lua 5.1's # (luaV_objlen): a string's bytes, a table's border
// whatever its metatable says, and a userdata's __len.
func objLen(L *lua.LState) int {
	switch v := L.Get(1).(type) {
	case *lua.LTable:
		L.Push(lenValue(v.Len()))
		return 1
	case lua.LString:
		L.Push(lenValue(len(v)))
		return 1
	case *lua.LUserData:
		if mm := L.GetMetaField(v, "__len"); mm != lua.LNil {
			L.Push(mm)
			L.Push(v)
			L.Call(1, 1)
			return 1
		}
	}
	L.RaiseError("attempt to get length of a %s value", L.Get(1).Type())
	return 0
}

// smallLens holds the lengths under 1024 as boxed values: pushing an
// LNumber allocates (the VM's own OP_LEN uses a preallocated pool), and
// most lengths a script takes are small.
var smallLens = func() (s [1024]lua.LValue) {
	for i := range s {
		s[i] = lua.LNumber(i)
	}
	return s
}()

func lenValue(n int) lua.LValue {
	if n < len(smallLens) {
		return smallLens[n]
	}
	return lua.LNumber(n)
}

// lenCall turns #e into a call of lenName with e, adjusted to one value
// as the operator is.
func lenCall(e *ast.UnaryLenOpExpr) *ast.FuncCallExpr {
	return builtinCall(lenName, e, e.Expr)
}
