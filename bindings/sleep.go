package bindings

import (
	"context"
	"math"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// openSleep installs sleep(seconds): suspends the handler; other events for
// the script keep flowing. Returns true, or nil, err when the handler is
// stopped first.
func (b *binder) openSleep() {
	b.L.SetGlobal("sleep", b.async.wrap(b.L, func(L *lua.LState) int {
		secs := float64(L.CheckNumber(1))
		if secs < 0 || math.IsNaN(secs) || secs > 365*24*3600 {
			raise(L, "bad argument #1 to sleep: %v seconds is out of range", secs)
		}
		d := time.Duration(secs * float64(time.Second))
		return b.env.Async.Await(L, func(ctx context.Context) Finish {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return func(*lua.LState) []lua.LValue { return []lua.LValue{lua.LTrue} }
			case <-ctx.Done():
				err := ctx.Err()
				return func(L *lua.LState) []lua.LValue { return b.failValues(L, err) }
			}
		})
	}))
}
