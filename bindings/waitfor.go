package bindings

import (
	"time"

	lua "github.com/yuin/gopher-lua"
)

// openWaitFor installs wait_for(event, [pred], [timeout]):
//
//	local ev = wait_for("message", function(e) return e.author.id == uid end, 30)
//
// suspends the handler until a matching event arrives (returns it) or the
// timeout in seconds passes (returns nil, "timeout"). The event still
// reaches the script's other handlers. Without a timeout it waits up to
// an hour.
func (b *binder) openWaitFor() {
	b.L.SetGlobal("wait_for", b.async.wrap(b.L, func(L *lua.LState) int {
		name := checkString(L, 1, "event name")
		if !knownEvent(name) || name == EventUnload {
			raise(L, "bad argument #1 to wait_for: unknown event %q", name)
		}
		var pred *lua.LFunction
		switch v := L.Get(2).(type) {
		case *lua.LNilType:
		case *lua.LFunction:
			pred = v
		default:
			raise(L, "bad argument #2 to wait_for: function or nil expected, got %s", v.Type())
		}
		timeout := defaultWait
		if L.Get(3) != lua.LNil {
			timeout = checkDelay(L, 3, "wait_for")
		}
		if b.env.Events == nil {
			raise(L, "wait_for is not available here")
		}
		return b.env.Events.WaitFor(L, name, pred, timeout)
	}))
}

const defaultWait = time.Hour
