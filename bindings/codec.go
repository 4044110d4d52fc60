package bindings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// Limits that keep one script from tying up the VM goroutine inside a single
// uninterruptible Go call.
const (
	// maxDepth bounds how deep json.encode, kv values and message bodies
	// nest; maxDecodeDepth how deep a decoded document may nest.
	maxDepth       = 64
	maxDecodeDepth = 512
	// maxEncoded bounds the output of json.encode and of a message or
	// request body, checked while encoding (kv values have their own,
	// smaller limit).
	maxEncoded = 4 << 20
	// defaultDecodeBudget bounds the estimated memory one json.decode (or
	// stored kv value, or REST answer) may build when the host does not
	// say otherwise (Env.MemoryLimit).
	defaultDecodeBudget = 64 << 20
	maxSafeInt          = 1 << 53
)

// codec converts between JSON and Lua values without losing what matters for
// a bot: ids beyond 2^53 stay exact (as strings), JSON null has a sentinel,
// and an empty array stays an array on the way back out.
type codec struct {
	arrayMT *lua.LTable
	null    *lua.LUserData
	// decodeBudget bounds the estimated memory of one decoded value.
	decodeBudget int64
}

func newCodec(L *lua.LState) *codec {
	arrayMT := L.CreateTable(0, 1)
	arrayMT.RawSetString("__metatable", lua.LString("json.array"))
	null := L.NewUserData()
	nullMT := L.CreateTable(0, 2)
	nullMT.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("null"))
		return 1
	}))
	nullMT.RawSetString("__metatable", lua.LString("json.null"))
	null.Metatable = nullMT
	return &codec{arrayMT: arrayMT, null: null, decodeBudget: defaultDecodeBudget}
}

// decode parses data into a Lua value. With nullAsNil, JSON null becomes
// absent (nil), which is what handler code expects of platform payloads;
// json.decode keeps the json.null sentinel instead.
func (c *codec) decode(L *lua.LState, data []byte, nullAsNil bool) (lua.LValue, error) {
	return c.decodeBytes(L, data, nullAsNil)
}

// encode renders v as compact JSON of at most maxEncoded bytes.
func (c *codec) encode(v lua.LValue) ([]byte, error) {
	return c.encodeLimit(v, maxEncoded)
}

// toGo converts a Lua value into plain Go data (maps, slices, json.Number)
// for a request body. It goes through the bounded encoder, so a body is
// refused by the same depth, cycle and size rules as json.encode before any
// Go value is built from it.
func (c *codec) toGo(v lua.LValue) (any, error) {
	data, err := c.encode(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("json encode: %w", err)
	}
	return out, nil
}

// isSequence reports whether t is a non-empty table with keys exactly 1..n.
// An empty table encodes as an object; json.array marks an empty array.
func isSequence(t *lua.LTable) bool {
	n := t.Len()
	if n == 0 {
		return false
	}
	count := 0
	seq := true
	t.ForEach(func(k, _ lua.LValue) {
		count++
		if kn, ok := k.(lua.LNumber); !ok || float64(kn) != math.Trunc(float64(kn)) || kn < 1 || int(kn) > n {
			seq = false
		}
	})
	return seq && count == n
}
