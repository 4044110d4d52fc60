// Package scripts holds the Lua files that ship inside the luabot binary:
// luabot.d.lua, the LuaLS type annotations for the whole script API, which
// `luabot types` prints so editors complete qq., kv. and the rest.
package scripts

import _ "embed"

// Types is the LuaLS annotation file for the Lua API (shared/lua-api.md).
//
//go:embed luabot.d.lua
var Types string
