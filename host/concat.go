package host

import (
	"errors"
	"strings"

	"github.com/luabot/luabot/internal/luanum"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// The .. operator is a VM instruction: gopher-lua joins all the operands of
// one expression (a .. b .. c ...) in a single Go allocation, with no hook
// and no size check, so `big .. big .. big ...` could make Go allocate
// gigabytes in one step, and repeated doubling could grow a string until
// the memory watchdog killed the handler (which pcall cannot catch).
//
// compile therefore rewrites every concatenation in a script's syntax tree
// into a call of concatName, then (bindBuiltins) turns each read of that
// name into a load of concatFn, the function that adds up the size first
// and raises a catchable Lua error past the string cap. The call does not
// go through the globals: a function whose environment is a table of the
// script's (load(src, name, "t", env), setfenv) concatenates as any
// other, and nothing a script can name or replace stands in for `..`.
const concatName = "\x00concat"

// concatFn is the checked concatenation every VM's `..` calls, held as a
// constant of the compiled prototypes (which every VM shares). No script
// can reach the value: it is only ever loaded into a register and called.
// Its environment is an empty table of its own, so that nothing of any VM
// hangs off it.
var concatFn = &lua.LFunction{IsG: true, GFunction: checkedConcat, Env: &lua.LTable{Metatable: lua.LNil}}

// builtins are the functions that compile's rewrites call, by the
// names that only the rewrites produce (source text cannot spell them).
var builtins = map[lua.LString]*lua.LFunction{concatName: concatFn, lenName: lenFn, modName: modFn}

// bindBuiltins replaces, in p and the functions inside it, every read of
// a global named in builtins (concatName, lenName, modName) with a load of its
// function.
func bindBuiltins(p *lua.FunctionProto) error {
	var ks map[lua.LString]int
	for i, inst := range p.Code {
		if int(inst>>26) != lua.OP_GETGLOBAL {
			continue
		}
		bx := int(inst & 0x3ffff)
		name, ok := p.Constants[bx].(lua.LString)
		if !ok {
			continue
		}
		fn, ok := builtins[name]
		if !ok {
			continue
		}
		k, ok := ks[name]
		if !ok {
			k = len(p.Constants)
			if k > 0x3ffff {
				return errors.New("function too large: too many constants")
			}
			p.Constants = append(p.Constants, fn)
			if ks == nil {
				ks = map[lua.LString]int{}
			}
			ks[name] = k
		}
		p.Code[i] = uint32(lua.OP_LOADK)<<26 | inst&(0xff<<18) | uint32(k)
	}
	for _, child := range p.FunctionPrototypes {
		if err := bindBuiltins(child); err != nil {
			return err
		}
	}
	return nil
}

// concatRewrite is the astRewriter hook that replaces a concatenation
// with a call of concatName.
func concatRewrite(e ast.Expr) ast.Expr {
	if c, ok := e.(*ast.StringConcatOpExpr); ok {
		return concatCall(c)
	}
	return e
}

// builtinRewrite is concatRewrite that also replaces # (length.go) and %
// (modulo.go) with calls of lenName and modName.
func builtinRewrite(e ast.Expr) ast.Expr {
	switch n := e.(type) {
	case *ast.StringConcatOpExpr:
		return concatCall(n)
	case *ast.UnaryLenOpExpr:
		return lenCall(n)
	case *ast.ArithmeticOpExpr:
		if n.Operator == "%" {
			return modCall(n)
		}
	}
	return e
}

// concatCall turns a .. b .. c (parsed as a .. (b .. c)) into one call
// with the operands in order, as the VM would have joined them in one
// instruction.
func concatCall(e *ast.StringConcatOpExpr) *ast.FuncCallExpr {
	var args []ast.Expr
	var cur ast.Expr = e
	for {
		c, ok := cur.(*ast.StringConcatOpExpr)
		if !ok {
			args = append(args, cur)
			break
		}
		args = append(args, c.Lhs)
		cur = c.Rhs
	}
	return builtinCall(concatName, e, args...)
}

// builtinCall is a call of the builtin name with args in place of the
// operator expression e: on e's lines, adjusted to one value as an
// operator's result is.
func builtinCall(name string, e ast.Expr, args ...ast.Expr) *ast.FuncCallExpr {
	fn := &ast.IdentExpr{Value: name}
	fn.SetLine(e.Line())
	fn.SetLastLine(e.LastLine())
	call := &ast.FuncCallExpr{Func: fn, Args: args, AdjustRet: true}
	call.SetLine(e.Line())
	call.SetLastLine(e.LastLine())
	return call
}

// checkedConcat joins its operands like .., right to left, using
// __concat metamethods where an operand is not a string or number, and
// raises an error before building a string over the cap. Numbers are
// written as Lua 5.1 writes them (luanum: 3*1.1 .. "" is "3.3").
func checkedConcat(L *lua.LState) int {
	n := L.GetTop()
	plain, total := true, 0
	var num [24]byte // a number's text: "-1.2345678901234e-308" is 21 bytes
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			total += len(v)
		case lua.LNumber:
			total += len(luanum.Append(num[:0], v))
		default:
			plain = false
		}
	}
	if plain {
		if total > maxString {
			L.RaiseError("string concatenation: result would exceed %d bytes", maxString)
		}
		var b strings.Builder
		b.Grow(total)
		for i := 1; i <= n; i++ {
			switch v := L.Get(i).(type) {
			case lua.LString:
				b.WriteString(string(v))
			case lua.LNumber:
				b.Write(luanum.Append(num[:0], v))
			}
		}
		L.Push(lua.LString(b.String()))
		return 1
	}
	rhs := L.Get(n)
	for i := n - 1; i >= 1; i-- {
		rhs = concat2(L, L.Get(i), rhs)
	}
	L.Push(rhs)
	return 1
}

func concat2(L *lua.LState, lhs, rhs lua.LValue) lua.LValue {
	if a, ok := luanum.String(lhs); ok {
		if b, ok := luanum.String(rhs); ok {
			if len(a) > maxString-len(b) {
				L.RaiseError("string concatenation: result would exceed %d bytes", maxString)
			}
			return lua.LString(a + b)
		}
	}
	bad := lhs
	if isStringLike(lhs) {
		bad = rhs
	}
	return binaryMeta(L, "__concat", lhs, rhs, bad, "attempt to concatenate a %s value")
}

// binaryMeta is an operator's fallback, as Lua 5.1's VM does it: the
// event's metamethod of a, else of b, called with both; with neither, an
// error naming the type of bad, the operand at fault (msg has one %s).
func binaryMeta(L *lua.LState, event string, a, b, bad lua.LValue, msg string) lua.LValue {
	mm := L.GetMetaField(a, event)
	if mm == lua.LNil {
		mm = L.GetMetaField(b, event)
	}
	if mm == lua.LNil {
		L.RaiseError(msg, bad.Type())
	}
	L.Push(mm)
	L.Push(a)
	L.Push(b)
	L.Call(2, 1)
	v := L.Get(-1)
	L.Pop(1)
	return v
}

func isStringLike(v lua.LValue) bool {
	switch v.(type) {
	case lua.LString, lua.LNumber:
		return true
	}
	return false
}
