package bindings

import (
	"context"

	lua "github.com/yuin/gopher-lua"
)

// openSleep installs sleep(seconds): suspends the handler; other events for
// the script keep flowing. Returns true, or nil, err when the handler is
// stopped first.
func (b *binder) openSleep() {
	b.L.SetGlobal("sleep", b.async.wrap(b.L, func(L *lua.LState) int {
		d := checkDelay(L, 1, "sleep")
		clock := b.env.Clock
		return b.env.Async.Await(L, func(ctx context.Context) Finish {
			fired := make(chan struct{})
			stop := clock.AfterFunc(d, func() { close(fired) })
			select {
			case <-fired:
				return func(*lua.LState) []lua.LValue { return []lua.LValue{lua.LTrue} }
			case <-ctx.Done():
				stop()
				err := ctx.Err()
				return func(L *lua.LState) []lua.LValue { return b.failValues(L, err) }
			}
		})
	}))
}
