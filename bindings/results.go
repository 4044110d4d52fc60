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
// script discards its results and its handler ends right after the call,
// a Detacher lets the handler end without waiting for it: a handler parked
// on a reply kept a coroutine and the event's objects (some 20 KB) for the
// whole round trip. work reports nothing then; results builds what the
// call returns otherwise.
func (b *binder) awaitSend(L *lua.LState, work func(ctx context.Context) error, results func(error) Finish) int {
	unused := resultsUnused(L)
	if d, ok := b.env.Async.(Detacher); ok && unused && luaframe.EndsRun(L, shimChunk) {
		return d.AwaitLast(L, func(ctx context.Context) { _ = work(ctx) })
	}
	return b.env.Async.Await(L, func(ctx context.Context) Finish {
		err := work(ctx)
		if unused {
			return noResults
		}
		return results(err)
	})
}
