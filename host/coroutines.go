package host

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
)

// newCoroutine wraps gopher-lua's coroutine.create so a script holds at most
// Limits.Coroutines coroutines of its own. Each is a whole Lua state that
// keeps its stack alive while suspended, so a handler storing one per event
// would grow without bound. What the script holds is counted by the memory
// walk (estimate); coroutines made since the last walk are counted here, and
// a walk is redone when the sum reaches the cap, so dropped coroutines stop
// counting and a script that makes short-lived generators is not refused.
func (s *script) newCoroutine(create *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		if _, ok := L.Get(1).(*lua.LFunction); !ok {
			argError(L, 1, "create", "Lua function expected") // 5.1's words
		}
		if s.coroutines+s.created >= s.limits.Coroutines {
			s.estimate()
			if s.coroutines >= s.limits.Coroutines {
				bindings.Raise(L, "coroutine.create: the script already holds %d coroutines, the most it may hold at once",
					s.limits.Coroutines)
			}
		}
		s.created++
		top := L.GetTop()
		L.Push(create)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, 1)
		return 1
	}
}

// ownPool is the prelude's ownpool(t): t is pcall's pool of idle
// coroutines (at most a few), which the memory walk does not count
// against Limits.Coroutines.
func (s *script) ownPool(L *lua.LState) int {
	s.pcallPool = L.CheckTable(1)
	return 0
}
