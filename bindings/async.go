package bindings

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/internal/luaproto"
)

// shimChunk names the chunk of the async shim so that error positions can
// skip it and point at the script's own line.
const shimChunk = "=luabot"

// shimSource wraps a yielding Go function. gopher-lua does not pad the
// results of a resumed Go call up to what the call site wants (a site asking
// for three values after a resume with two gets a Go nil in the third
// register and crashes later); passing the results through a Lua vararg
// function returns them through Lua's normal path, which pads. (It once
// packed them into a table and unpacked it: a table per call.)
const shimSource = `local prim = ...
local function pass(...) return ... end
return function(...) return pass(prim(...)) end`

type asyncWrapper struct {
	proto *lua.LFunction
}

func newAsyncWrapper(L *lua.LState) *asyncWrapper {
	fn, err := luaproto.Load(L, shimSource, shimChunk)
	if err != nil {
		panic("bindings: async shim does not compile: " + err.Error())
	}
	return &asyncWrapper{proto: fn}
}

// wrap returns a Lua function that calls the yielding Go function prim.
func (a *asyncWrapper) wrap(L *lua.LState, prim lua.LGFunction) *lua.LFunction {
	// Each wrapper needs its own closure over prim, so the shim chunk runs
	// once per primitive.
	L.Push(a.proto)
	L.Push(L.NewFunction(prim))
	L.Call(1, 1)
	fn := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	return fn
}

// Raise raises a Lua error positioned at the script line that called into
// the bindings; for the host's own misuse checks inside bindings calls.
func Raise(L *lua.LState, format string, args ...any) { raise(L, format, args...) }

// raise raises a Lua error positioned at the script line that called into
// the bindings, skipping Go frames and the async shim, so misuse reports
// "script.lua:12: ..." instead of an internal location.
func raise(L *lua.LState, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	L.Error(lua.LString(callerPos(L)+msg), 0)
}

func callerPos(L *lua.LState) string {
	for level := 1; level < 8; level++ {
		w := L.Where(level)
		if w == "" {
			break
		}
		// Go frames and luabot's own chunks (named "=...") are not the
		// script's; report the first line that is.
		if w == "[G]:" || strings.HasPrefix(w, "=") {
			continue
		}
		return w + " "
	}
	return ""
}

// checkString returns argument n as a string, raising a positioned error
// when it is not one. Numbers are not accepted: ids are strings, and a
// number where an id belongs is a bug to report early.
func checkString(L *lua.LState, n int, what string) string {
	v := L.Get(n)
	s, ok := v.(lua.LString)
	if !ok {
		raise(L, "bad argument #%d (%s): string expected, got %s", n, what, v.Type())
	}
	return string(s)
}
