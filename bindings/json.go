package bindings

import (
	lua "github.com/yuin/gopher-lua"
)

// openJSON builds the json module:
//
//	json.encode(v)   returns (string, err)
//	json.decode(s)   returns (value, err)
//	json.null        stands for JSON null
//	json.array(t)    marks t to encode as an array even when empty; returns t
func (b *binder) openJSON() *lua.LTable {
	b.codec = newCodec(b.L)
	// Half the script's limit: a document too large fails with an error
	// the script can catch well before the memory watchdog stops it.
	if b.env.MemoryLimit > 0 {
		b.codec.decodeBudget = b.env.MemoryLimit / 2
	}
	mod := b.L.CreateTable(0, 5)
	b.L.SetFuncs(mod, map[string]lua.LGFunction{
		"encode": func(L *lua.LState) int {
			out, err := b.codec.encode(L.CheckAny(1))
			if err != nil {
				return b.fail(L, err)
			}
			L.Push(lua.LString(out))
			return 1
		},
		"decode": func(L *lua.LState) int {
			s := checkString(L, 1, "json text")
			v, err := b.codec.decode(L, []byte(s), false)
			if err != nil {
				return b.fail(L, err)
			}
			L.Push(v)
			return 1
		},
		"array": func(L *lua.LState) int {
			t := L.CheckTable(1)
			t.Metatable = b.codec.arrayMT
			L.Push(t)
			return 1
		},
	})
	mod.RawSetString("null", b.codec.null)
	return mod
}
