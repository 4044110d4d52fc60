package host

import (
	lua "github.com/yuin/gopher-lua"
)

// maxCStack is Lua 5.1's LUAI_MAXCSTACK: how many values a function called
// from Lua may have on its stack at once. 5.1's unpack checks for room
// first and refuses with "too many results to unpack".
const maxCStack = 8000

// luaUnpack is Lua 5.1's unpack. gopher-lua's pushed every value it was
// asked for, growing the coroutine's registry a step at a time up to its
// 64K-slot cap before failing: unpack(t, 1, 1e8) copied the growing
// registry hundreds of times (a few hundred MiB) for an error 5.1 gives at
// once, and unpack of 10 000 values worked where 5.1's fails.
func luaUnpack(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		argError(L, 1, "unpack", "table expected, got "+typeName(L, 1))
	}
	i := int64(1)
	if L.Get(2) != lua.LNil {
		i = cInt(checkNumber(L, 2, "unpack"))
	}
	j := int64(t.Len())
	if L.Get(3) != lua.LNil {
		j = cInt(checkNumber(L, 3, "unpack"))
	}
	if i > j {
		return 0
	}
	n := j - i + 1
	if n <= 0 || int64(L.GetTop())+n > maxCStack {
		L.RaiseError("too many results to unpack")
	}
	for k := i; k <= j; k++ {
		L.Push(t.RawGetInt(int(k)))
	}
	return int(n)
}
