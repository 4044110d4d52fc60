package host

import (
	"math"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// Lua 5.1 computes a % b as a - floor(a/b)*b; gopher-lua's OP_MOD uses
// fmod and corrects the sign, which differs where a or b is infinite: 5 %
// math.huge was 5 and -5 % math.huge inf, where 5.1 (and its users'
// code) gets NaN. compile rewrites every % into a call of modName, bound
// like concatName (concat.go) to modFn.
const modName = "\x00mod"

var modFn = &lua.LFunction{IsG: true, GFunction: luaMod, Env: &lua.LTable{Metatable: lua.LNil}}

// luaMod is Lua 5.1's %: numbers, or strings that read as numbers, else
// the operands' __mod metamethod.
func luaMod(L *lua.LState) int {
	a, b := L.Get(1), L.Get(2)
	x, okA := arithOperand(a)
	y, okB := arithOperand(b)
	if okA && okB {
		L.Push(lua.LNumber(x - math.Floor(x/y)*y))
		return 1
	}
	bad := a
	if okA {
		bad = b
	}
	L.Push(binaryMeta(L, "__mod", a, b, bad, "attempt to perform arithmetic on a %s value"))
	return 1
}

// arithOperand is v as an arithmetic operand: a number, or a string that
// Lua 5.1 reads as one.
func arithOperand(v lua.LValue) (float64, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v), true
	case lua.LString:
		return str2number(string(v))
	}
	return 0, false
}

// modCall turns a % b into a call of modName.
func modCall(e *ast.ArithmeticOpExpr) *ast.FuncCallExpr {
	return builtinCall(modName, e, e.Lhs, e.Rhs)
}
