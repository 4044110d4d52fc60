package host

import (
	lua "github.com/yuin/gopher-lua"
)

// installFenv keeps Lua 5.1's getfenv and setfenv for what stays inside
// the script: the environment of a Lua function, given as the function or
// as a stack level (1 is the caller), which is no more than load(src,
// name, mode, env) already gives. Old code uses them for plugin tables,
// templates and Penlight's compat.load. What the sandbox refuses is
// setfenv(0, t), which in gopher-lua replaces the running thread's
// environment for every chunk it loads later: a table held there would be
// outside what the memory estimate walks, and nothing a script writes
// needs it (load takes an environment). getfenv(0) still answers.
//
// It wraps the base library's own functions, so it must run before
// newSandbox removes the standard globals it keeps out.
func installFenv(L *lua.LState) {
	stockSet := L.GetGlobal("setfenv").(*lua.LFunction).GFunction
	L.SetGlobal("setfenv", L.NewFunction(func(L *lua.LState) int {
		if n, ok := L.Get(1).(lua.LNumber); ok && n <= 0 {
			L.RaiseError("setfenv(0, t) is not available in the sandbox: give load an environment (load(src, name, \"t\", env)) or setfenv a function")
		}
		if _, ok := L.Get(1).(*lua.LState); ok {
			L.RaiseError("setfenv of a coroutine is not available in the sandbox: setfenv the function it runs instead")
		}
		return stockSet(L)
	}))
}
