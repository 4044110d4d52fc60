package bindings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Limits that keep one script from tying up the VM goroutine inside a single
// uninterruptible Go call.
const (
	maxDepth   = 64
	maxEncoded = 4 << 20
	maxSafeInt = 1 << 53
)

// codec converts between JSON and Lua values without losing what matters for
// a bot: ids beyond 2^53 stay exact (as strings), JSON null has a sentinel,
// and an empty array stays an array on the way back out.
type codec struct {
	arrayMT *lua.LTable
	null    *lua.LUserData
}

func newCodec(L *lua.LState) *codec {
	arrayMT := L.NewTable()
	arrayMT.RawSetString("__metatable", lua.LString("json.array"))
	null := L.NewUserData()
	nullMT := L.NewTable()
	nullMT.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("null"))
		return 1
	}))
	nullMT.RawSetString("__metatable", lua.LString("json.null"))
	null.Metatable = nullMT
	return &codec{arrayMT: arrayMT, null: null}
}

// decode parses data into a Lua value. With nullAsNil, JSON null becomes
// absent (nil), which is what handler code expects of platform payloads;
// json.decode keeps the json.null sentinel instead.
func (c *codec) decode(L *lua.LState, data []byte, nullAsNil bool) (lua.LValue, error) {
	return c.decodeBytes(L, data, nullAsNil)
}

// encode renders v as compact JSON.
func (c *codec) encode(v lua.LValue) ([]byte, error) {
	g, err := c.toGo(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Message content carries "<@!id>" mentions; escaping them as \u003c is
	// legal but makes every logged body unreadable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(g); err != nil {
		return nil, fmt.Errorf("json encode: %w", err)
	}
	if buf.Len() > maxEncoded {
		return nil, fmt.Errorf("json encode: result exceeds %d bytes", maxEncoded)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// toGo converts a Lua value into plain Go data (maps, slices, json.Number)
// for encoding/json.
func (c *codec) toGo(v lua.LValue) (any, error) {
	return c.toGoDepth(v, make(map[*lua.LTable]bool), 0)
}

func (c *codec) toGoDepth(v lua.LValue, onPath map[*lua.LTable]bool, depth int) (any, error) {
	switch v := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(v), nil
	case lua.LString:
		return string(v), nil
	case lua.LNumber:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errors.New("json encode: NaN or infinite number")
		}
		if f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return json.Number(strconv.FormatInt(int64(f), 10)), nil
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	case *lua.LUserData:
		if v == c.null {
			return nil, nil
		}
	case *lua.LTable:
		if depth >= maxDepth {
			return nil, fmt.Errorf("json encode: nesting deeper than %d", maxDepth)
		}
		// Only the current path counts as a cycle: the same table twice in
		// siblings is fine.
		if onPath[v] {
			return nil, errors.New("json encode: table contains itself")
		}
		onPath[v] = true
		defer delete(onPath, v)
		if v.Metatable == c.arrayMT || isSequence(v) {
			n := v.Len()
			out := make([]any, 0, n)
			for i := 1; i <= n; i++ {
				e, err := c.toGoDepth(v.RawGetInt(i), onPath, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, e)
			}
			return out, nil
		}
		out := make(map[string]any)
		var err error
		v.ForEach(func(k, e lua.LValue) {
			if err != nil {
				return
			}
			var key string
			switch k := k.(type) {
			case lua.LString:
				if strings.HasPrefix(string(k), "\x00") {
					return // the host's hidden fields (an event's payload)
				}
				key = string(k)
			case lua.LNumber:
				key = k.String()
			default:
				err = fmt.Errorf("json encode: %s key in table", k.Type())
				return
			}
			out[key], err = c.toGoDepth(e, onPath, depth+1)
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, fmt.Errorf("json encode: cannot encode a %s", v.Type())
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
