package bindings

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// maxValue bounds one stored value; larger state belongs in several keys.
const maxValue = 1 << 20

// openKV builds the kv module over the script's own namespace:
//
//	kv.get(key)          returns (value, err); value is nil when absent
//	kv.set(key, value)   returns (true, err); value nil deletes
//	kv.delete(key)       returns (true, err)
//
// Values are nil, booleans, numbers, strings and tables of those, stored as
// JSON so a later version (or another tool) can read them.
func (b *binder) openKV() {
	mod := b.L.NewTable()
	ns := b.env.Script
	b.L.SetFuncs(mod, map[string]lua.LGFunction{
		"get": func(L *lua.LState) int {
			key := checkString(L, 1, "key")
			raw, ok, err := b.env.Store.Get(ns, key)
			if err != nil {
				return b.fail(L, err)
			}
			if !ok {
				L.Push(lua.LNil)
				return 1
			}
			v, err := b.codec.decode(L, raw, false)
			if err != nil {
				return b.fail(L, fmt.Errorf("kv value %q is unreadable: %w", key, err))
			}
			L.Push(v)
			return 1
		},
		"set": func(L *lua.LState) int {
			key := checkString(L, 1, "key")
			v := L.Get(2)
			if v == lua.LNil {
				return b.kvDelete(L, ns, key)
			}
			raw, err := b.codec.encode(v)
			if err != nil {
				raise(L, "kv.set(%q): %v", key, err)
			}
			if len(raw) > maxValue {
				raise(L, "kv.set(%q): value is %d bytes, over the %d-byte limit", key, len(raw), maxValue)
			}
			if err := b.env.Store.Set(ns, key, raw); err != nil {
				return b.fail(L, err)
			}
			L.Push(lua.LTrue)
			return 1
		},
		"delete": func(L *lua.LState) int {
			return b.kvDelete(L, ns, checkString(L, 1, "key"))
		},
	})
	b.L.SetGlobal("kv", mod)
}

func (b *binder) kvDelete(L *lua.LState, ns, key string) int {
	if err := b.env.Store.Delete(ns, key); err != nil {
		return b.fail(L, err)
	}
	L.Push(lua.LTrue)
	return 1
}
