// Package scripts holds the Lua files that ship inside the luabot binary:
// luabot.d.lua, the LuaLS type annotations for the whole script API, which
// `luabot types` prints so editors complete qq., kv. and the rest; and
// prelude.lua, which every script's VM runs before the script itself.
package scripts

import _ "embed"

// Types is the LuaLS annotation file for the Lua API (docs/lua-api.md).
//
//go:embed luabot.d.lua
var Types string

// TestTypes annotates the test API (test, expect, sim), the globals of
// *_test.lua files; `luabot types` prints it after Types.
//
//go:embed luabot_test.d.lua
var TestTypes string

// Prelude rebuilds pcall, xpcall and the coroutine library so that host
// waits work inside them; see the file's header.
//
//go:embed prelude.lua
var Prelude string
