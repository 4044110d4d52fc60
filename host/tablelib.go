package host

import (
	lua "github.com/yuin/gopher-lua"
)

// installTable51 adds what Lua 5.1's table library kept from 5.0 and
// gopher-lua lacks: table.foreach, table.foreachi (deprecated in 5.1 but
// present, and used by older libraries) and table.setn, which 5.1 itself
// only refuses; and table.maxn as 5.1's, over every positive numeric key
// (gopher-lua's looked at integer keys only).
func installTable51(L *lua.LState) {
	tbl := L.GetGlobal("table").(*lua.LTable)
	tbl.RawSetString("foreach", L.NewFunction(tableForeach))
	tbl.RawSetString("foreachi", L.NewFunction(tableForeachi))
	tbl.RawSetString("maxn", L.NewFunction(tableMaxn))
	tbl.RawSetString("setn", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("'setn' is obsolete")
		return 0
	}))
}

// tableForeach calls f(k, v) for each pair of t, stopping at the first
// call that returns a value other than nil, which it returns.
func tableForeach(L *lua.LState) int {
	t := L.CheckTable(1)
	f := L.CheckFunction(2)
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		L.Push(f)
		L.Push(k)
		L.Push(v)
		L.Call(2, 1)
		if r := L.Get(-1); r != lua.LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

// tableForeachi is foreach over t[1..#t], in order.
func tableForeachi(L *lua.LState) int {
	t := L.CheckTable(1)
	f := L.CheckFunction(2)
	n := t.Len()
	for i := 1; i <= n; i++ {
		L.Push(f)
		L.Push(lua.LNumber(i))
		L.Push(t.RawGetInt(i))
		L.Call(2, 1)
		if r := L.Get(-1); r != lua.LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

// tableMaxn is the largest positive numeric key of t, or 0.
func tableMaxn(L *lua.LState) int {
	t := L.CheckTable(1)
	max := lua.LNumber(0)
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		if n, ok := k.(lua.LNumber); ok && n > max {
			max = n
		}
	}
	L.Push(max)
	return 1
}
