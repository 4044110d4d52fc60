package bindings

import (
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
