package bindings

import (
	lua "github.com/yuin/gopher-lua"
)

// openSleep installs sleep(seconds): suspends the handler; other events for
// the script keep flowing. Returns true. A handler stopped while it sleeps
// (reload, shutdown) does not resume.
func (b *binder) openSleep() {
	b.L.SetGlobal("sleep", b.async.wrap(b.L, func(L *lua.LState) int {
		d := checkDelay(L, 1, "sleep")
		if b.env.Events == nil {
			raise(L, "sleep is not available here")
		}
		return b.env.Events.Sleep(L, d)
	}))
}
