package host

import (
	"fmt"
	"strings"

	"github.com/luabot/luabot/internal/luanum"

	lua "github.com/yuin/gopher-lua"
)

// luaError is Lua 5.1's error(message [, level]). gopher-lua's counts
// levels one short (error("x", 2) is positioned where error was called,
// not in the caller) and, where the level is a Go function, takes the
// next Lua frame instead of adding no position. Here level 1 is the
// function that called error, level 2 its caller, and so on; a Go
// function there, or the prelude (which stands in for 5.1's pcall, a C
// function), gets no position, as in 5.1.
func luaError(L *lua.LState) int {
	obj := L.Get(1)
	level := L.OptInt(2, 1)
	switch v := obj.(type) {
	case lua.LString, lua.LNumber:
		if level > 0 {
			text, _ := luanum.String(v)
			obj = lua.LString(errorPosition(L, level) + text)
		}
	}
	L.Error(obj, 0)
	return 0
}

// errorPosition is "chunk:line: " of the function level frames up from
// the caller of error, or "" for a Go function or the prelude.
func errorPosition(L *lua.LState, level int) string {
	dbg, ok := L.GetStack(level)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil || dbg.What == "G" || dbg.CurrentLine < 0 {
		return ""
	}
	if strings.HasPrefix(dbg.Source, "=prelude") {
		return ""
	}
	return fmt.Sprintf("%s:%d: ", dbg.Source, dbg.CurrentLine)
}
