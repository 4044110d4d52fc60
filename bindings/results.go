package bindings

import (
	"context"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/internal/luaframe"
)

// resultsUnused reports whether the script throws away every result of the
// call running now: a primitive called through the async shim (wrap) from
// a statement such as ev:reply("hi"). Decoding a send's answer into a table
// nobody reads was a tenth of what luabot run allocated per reply. It must
// be called from the primitive itself, on the coroutine that called it;
// where gopher-lua's frames cannot be read it reports false.
func resultsUnused(L *lua.LState) bool { return luaframe.CallerWants(L, shimChunk) == 0 }

// awaitSend runs a send's work as Async.Await does, except that when the
// handler's run ends right after the call, a Detacher may let the handler
// end without waiting for it: a handler parked on a reply kept a coroutine
// and the event's objects (about 12 KB) for the whole round trip. results
// builds what the call returns, unless the script discards it.
func (b *binder) awaitSend(L *lua.LState, work func(ctx context.Context) error, results func(error) Finish) int {
	unused := resultsUnused(L)
	w := func(ctx context.Context) Finish {
		err := work(ctx)
		if unused {
			return noResults
		}
		return results(err)
	}
	if d, ok := b.env.Async.(Detacher); ok && luaframe.EndsRun(L, shimChunk) {
		return d.AwaitLast(L, w)
	}
	return b.env.Async.Await(L, w)
}
