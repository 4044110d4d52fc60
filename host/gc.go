package host

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
)

// collectgarbage is Lua 5.1's, for one script in a shared process. The
// collector is Go's and serves every script, so a script cannot drive
// it: "count" is the script's own memory estimate (what the memory limit
// is checked against, in KiB as 5.1 reports it), "collect" and "step"
// do nothing (the host collects), "setpause" and "setstepmul" change
// nothing and return 5.1's defaults, and "stop" and "restart", which would
// promise a script what it cannot have, are refused with a clear error.
func (s *script) collectgarbage(L *lua.LState) int {
	opt := "collect"
	if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
		opt = checkString(L, 1, "collectgarbage")
	}
	switch opt {
	case "count":
		n := s.estimate()
		if n < 0 { // over the walk's budget: far over any limit
			n = s.limits.Memory
		}
		L.Push(lua.LNumber(float64(n) / 1024))
	case "collect":
		L.Push(lua.LNumber(0))
	case "step":
		L.Push(lua.LTrue)
	case "setpause", "setstepmul":
		L.Push(lua.LNumber(200))
	case "stop", "restart":
		bindings.Raise(L, "collectgarbage(%q): the host runs one collector for every script; a script cannot stop or restart it", opt)
	default:
		argError(L, 1, "collectgarbage", "invalid option '"+opt+"'")
	}
	return 1
}
