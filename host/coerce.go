package host

import (
	lua "github.com/yuin/gopher-lua"
)

// installArgs51 makes the standard functions that gopher-lua leaves to
// itself read their arguments as Lua 5.1's do. 5.1's luaL_checkint and
// luaL_optint take a string that reads as a number ("2"): a setting from
// config.get or a capture of a pattern passed on as a position or a
// count. gopher-lua's CheckInt and OptInt refuse it ("number expected, got
// string"), so text:sub(1, config.get("width")) failed. Each function below
// gets those arguments converted before it runs.
func installArgs51(L *lua.LState) {
	str := L.GetGlobal("string").(*lua.LTable)
	tbl := L.GetGlobal("table").(*lua.LTable)
	for _, f := range []struct {
		lib  *lua.LTable
		name string
		args []int
	}{
		{str, "byte", []int{2, 3}},
		{str, "sub", []int{2, 3}},
		{str, "rep", []int{2}},
		{str, "find", []int{3}},
		{str, "match", []int{3}},
		{str, "gsub", []int{4}},
		{tbl, "concat", []int{3, 4}},
		{tbl, "insert", []int{2}},
	} {
		fn := f.lib.RawGetString(f.name).(*lua.LFunction).GFunction
		f.lib.RawSetString(f.name, L.NewFunction(numberArgs(fn, f.args...)))
	}
	str.RawSetString("char", L.NewFunction(strChar))
	tbl.RawSetString("remove", L.NewFunction(tableRemove))
	sel := L.GetGlobal("select").(*lua.LFunction).GFunction
	L.SetGlobal("select", L.NewFunction(numberArgs(sel, 1)))
}

// numberArgs runs fn with its arguments at the positions given converted
// to numbers where they are strings that read as one.
func numberArgs(fn lua.LGFunction, positions ...int) lua.LGFunction {
	return func(L *lua.LState) int {
		for _, n := range positions {
			if s, ok := L.Get(n).(lua.LString); ok && n <= L.GetTop() {
				if f, ok := str2number(string(s)); ok {
					L.Replace(n, lua.LNumber(f))
				}
			}
		}
		return fn(L)
	}
}

// strChar is Lua 5.1's string.char: each argument a number (or numeric
// string) from 0 to 255; gopher-lua's wrapped 256 to "\0" and -1 to "\255".
func strChar(L *lua.LState) int {
	n := L.GetTop()
	buf := make([]byte, n)
	for i := 1; i <= n; i++ {
		c := cInt(checkNumber(L, i, "char"))
		if c < 0 || c > 255 {
			argError(L, i, "char", "invalid value")
		}
		buf[i-1] = byte(c)
	}
	L.Push(lua.LString(buf))
	return 1
}

// tableRemove is Lua 5.1's table.remove(t [, pos]): pos defaults to #t,
// and a pos outside 1..#t removes nothing and returns nothing.
// gopher-lua's measured its array part instead of #t, so after t[#t] = nil
// table.remove(t) returned nil and left the last element, and it read 0 or
// a negative pos as "the last one".
func tableRemove(L *lua.LState) int {
	t := L.CheckTable(1)
	e := t.Len()
	pos := int64(e)
	if L.Get(2) != lua.LNil {
		pos = cInt(checkNumber(L, 2, "remove"))
	}
	if pos < 1 || pos > int64(e) {
		return 0
	}
	// 1 <= pos <= #t lies in the array part, where Remove shifts the
	// elements after pos down by one, as 5.1 does.
	L.Push(t.Remove(int(pos)))
	return 1
}
