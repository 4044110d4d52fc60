package host

import (
	"github.com/luabot/luabot/internal/luanum"

	lua "github.com/yuin/gopher-lua"
)

// installNumberText makes tostring and the string library write numbers
// as Lua 5.1 does ("%.14g": 3*1.1 is "3.3", not gopher-lua's
// "3.3000000000000003"). `..` (concat.go), string.format (format.go),
// table.concat and error (errorfn.go) and print and log.* (bindings) do
// it themselves; the string functions that gopher-lua reads its string
// arguments for get numbers converted first. Run it after every other
// replacement of a string function.
func installNumberText(L *lua.LState) {
	L.SetGlobal("tostring", L.NewFunction(luaTostring))
	str := L.GetGlobal("string").(*lua.LTable)
	for name, args := range map[string][]int{
		"byte": {1}, "find": {1, 2}, "format": {1}, "gmatch": {1, 2}, "gsub": {1, 2},
		"len": {1}, "lower": {1}, "match": {1, 2}, "rep": {1}, "reverse": {1},
		"sub": {1}, "upper": {1},
	} {
		fn := str.RawGetString(name).(*lua.LFunction).GFunction
		str.RawSetString(name, L.NewFunction(textArgs(fn, args...)))
	}
	str.RawSetString("gfind", str.RawGetString("gmatch"))
}

// luaTostring is Lua 5.1's tostring.
func luaTostring(L *lua.LState) int {
	L.Push(luanum.ToString(L, L.CheckAny(1)))
	return 1
}

// textArgs runs fn with the numbers at the positions given written as
// text first, as Lua 5.1's luaL_checkstring does.
func textArgs(fn lua.LGFunction, positions ...int) lua.LGFunction {
	return func(L *lua.LState) int {
		for _, n := range positions {
			if v, ok := L.Get(n).(lua.LNumber); ok {
				L.Replace(n, lua.LString(luanum.Format(v)))
			}
		}
		return fn(L)
	}
}
