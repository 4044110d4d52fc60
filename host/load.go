package host

import (
	"strings"

	"github.com/luabot/luabot/internal/luanum"

	lua "github.com/yuin/gopher-lua"
)

// maxLoadSource bounds the text load and loadstring compile, like a
// module's: parsing is one call no limit can interrupt.
const maxLoadSource = maxModule

// installLoad gives the sandbox Lua 5.1's loadstring and load for source
// text. Compiling text gives a script nothing it lacks: the chunk runs
// with the script's own globals (or a table the script passes), under
// the same CPU and memory limits and with .. checked (compile rewrites
// it), and its size is capped before parsing. Binary chunks are refused:
// gopher-lua does not load 5.1 bytecode, and byte code is where a VM is
// easiest to break.
func installLoad(L *lua.LState) {
	L.SetGlobal("loadstring", L.NewFunction(luaLoadstring))
	L.SetGlobal("load", L.NewFunction(luaLoad))
}

// luaLoadstring is loadstring(s [, chunkname]): the compiled chunk, or
// nil and the message. Like load it also takes a mode and an environment
// table (arguments 5.1 ignores): libraries written for 5.1 and 5.2 call
// (loadstring or load)(s, name, mode, env) and, in 5.1, setfenv the
// result, which the sandbox does not offer; serpent's safe load is one.
func luaLoadstring(L *lua.LState) int {
	s := checkString(L, 1, "loadstring")
	name := s
	if v, ok := L.Get(2).(lua.LString); ok {
		name = string(v)
	}
	var env *lua.LTable
	if e, ok := L.Get(4).(*lua.LTable); ok {
		env = e
	}
	return loadChunk(L, s, name, env)
}

// luaLoad is 5.1's load(func [, chunkname]), which calls func for the
// pieces of the text until it returns nil or "", and also, as Lua 5.2
// and LuaJIT, load(s [, chunkname [, mode [, env]]]) for libraries
// written for those.
func luaLoad(L *lua.LState) int {
	var src string
	name := "=(load)"
	switch v := L.Get(1).(type) {
	case lua.LString:
		src, name = string(v), string(v)
	case *lua.LFunction:
		var b strings.Builder
		for {
			L.Push(v)
			L.Call(0, 1)
			piece := L.Get(-1)
			L.Pop(1)
			if piece == lua.LNil {
				break
			}
			var p string
			switch v := piece.(type) {
			case lua.LString:
				p = string(v)
			case lua.LNumber: // a string to 5.1's reader, too
				p = luanum.Format(v)
			default:
				L.Push(lua.LNil)
				L.Push(lua.LString("reader function must return a string"))
				return 2
			}
			if p == "" {
				break
			}
			if len(p) > maxLoadSource-b.Len() {
				return loadFailed(L, tooLong(b.Len()+len(p)))
			}
			b.WriteString(p)
		}
		src = b.String()
	default:
		argError(L, 1, "load", "function expected, got "+typeName(L, 1))
	}
	if v, ok := L.Get(2).(lua.LString); ok {
		name = string(v)
	}
	if mode, ok := L.Get(3).(lua.LString); ok && !strings.Contains(string(mode), "t") {
		return loadFailed(L, "attempt to load a text chunk (mode is '"+string(mode)+"')")
	}
	var env *lua.LTable
	switch e := L.Get(4).(type) {
	case *lua.LNilType:
	case *lua.LTable:
		env = e
	default:
		argError(L, 4, "load", "table expected, got "+typeName(L, 4))
	}
	return loadChunk(L, src, name, env)
}

// loadChunk compiles src as a chunk called name and pushes the function
// (with env as its globals, or the caller's), or nil and the message.
func loadChunk(L *lua.LState, src, name string, env *lua.LTable) int {
	if strings.HasPrefix(src, "\x1b") {
		return loadFailed(L, "binary chunks are not accepted: load and loadstring compile Lua source text only")
	}
	if len(src) > maxLoadSource {
		return loadFailed(L, tooLong(len(src)))
	}
	proto, err := compile(src, chunkID(name))
	if err != nil {
		return loadFailed(L, compileMessage(err))
	}
	fn := L.NewFunctionFromProto(proto)
	if env != nil {
		fn.Env = env
	}
	L.Push(fn)
	return 1
}

func tooLong(n int) string {
	return "chunk of " + lua.LNumber(n).String() + " bytes; load compiles at most " + lua.LNumber(maxLoadSource).String()
}

func loadFailed(L *lua.LState, msg string) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	return 2
}

// chunkID is how 5.1 names a chunk in messages: "=name" as name, "@file"
// as file, any other text as [string "its first line..."].
func chunkID(name string) string {
	const idSize = 60
	switch {
	case strings.HasPrefix(name, "="):
		return truncate(name[1:], idSize-1)
	case strings.HasPrefix(name, "@"):
		if rest := name[1:]; len(rest) > idSize-1 {
			return "..." + rest[len(rest)-(idSize-4):]
		}
		return name[1:]
	}
	line, _, more := strings.Cut(name, "\n")
	limit := idSize - len(`[string "..."]`) - 1
	if more || len(line) > limit {
		return `[string "` + truncate(line, limit) + `..."]`
	}
	return `[string "` + line + `"]`
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
