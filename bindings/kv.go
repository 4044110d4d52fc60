package bindings

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/kv"
)

// Limits on stored data.
const (
	maxValue   = 1 << 20 // one encoded value
	maxScan    = 10000   // keys one kv.scan returns
	sharedNS   = "shared/"
	maxNSName  = 64
	fmtPlain   = 0x01 // then JSON
	fmtExpires = 0x02 // then 8 bytes of unix nanoseconds, then JSON
)

// Scope gives the kv buffer of the handler running on L, or nil outside a
// handler (the top level), where writes commit at once.
type Scope interface {
	KV(L *lua.LState) *KVBuffer
}

// KVBuffer holds one handler's kv writes until it ends: the host commits
// them when the handler finishes and drops them when it fails or is
// killed. Reads inside the handler see its own pending writes.
type KVBuffer struct {
	ops  []kv.Op
	view map[nsKey]pendingValue
}

type nsKey struct{ ns, key string }

type pendingValue struct {
	raw []byte // encoded; nil: deleted
}

// NewKVBuffer returns an empty buffer.
func NewKVBuffer() *KVBuffer { return &KVBuffer{view: map[nsKey]pendingValue{}} }

// Commit writes the buffered operations in one transaction.
func (b *KVBuffer) Commit(store Store) error {
	if b == nil || len(b.ops) == 0 {
		return nil
	}
	return store.Commit(b.ops)
}

// openKV builds the kv module over the script's own namespace:
//
//	kv.get(key)                  returns (value, err); nil when absent or expired
//	kv.set(key, value, [ttl])    returns (true, err); nil deletes; ttl in seconds
//	kv.delete(key)               returns (true, err)
//	kv.incr(key, [n])            adds n (default 1) atomically; returns the new value
//	kv.update(key, fn)           sets fn(old) atomically; returns the new value
//	for key, value in kv.scan(prefix) do ... end   keys with prefix, in order
//	kv.open(name)                a namespace shared by every script that opens it
//
// Values are nil, booleans, numbers, strings and tables of those, stored as
// deterministic JSON (object keys sorted).
func (b *binder) openKV() {
	shared := map[string]*lua.LTable{}
	mod := b.kvNamespace(b.env.Script)
	b.L.SetField(mod, "open", b.L.NewFunction(func(L *lua.LState) int {
		name := checkString(L, 1, "namespace name")
		if name == "" || len(name) > maxNSName || strings.ContainsAny(name, "/\x00") {
			raise(L, "bad argument #1 to kv.open: a name of 1-%d characters without '/'", maxNSName)
		}
		t, ok := shared[name]
		if !ok {
			t = b.kvNamespace(sharedNS + name)
			shared[name] = t
		}
		L.Push(t)
		return 1
	}))
	b.L.SetGlobal("kv", mod)
}

func (b *binder) kvNamespace(ns string) *lua.LTable {
	t := b.L.NewTable()
	b.L.SetFuncs(t, map[string]lua.LGFunction{
		"get": func(L *lua.LState) int {
			raw, ok, err := b.kvRead(L, ns, checkString(L, 1, "key"))
			if err != nil {
				return b.fail(L, err)
			}
			if !ok {
				L.Push(lua.LNil)
				return 1
			}
			return b.pushDecoded(L, raw)
		},
		"set": func(L *lua.LState) int {
			key := checkString(L, 1, "key")
			v := L.Get(2)
			if v == lua.LNil {
				return b.kvWrite(L, ns, key, nil)
			}
			var expires time.Time
			if L.Get(3) != lua.LNil {
				expires = b.env.Clock.Now().Add(checkDelay(L, 3, "kv.set"))
			}
			return b.kvWrite(L, ns, key, b.mustEncode(L, "kv.set", key, v, expires))
		},
		"delete": func(L *lua.LState) int {
			return b.kvWrite(L, ns, checkString(L, 1, "key"), nil)
		},
		"incr": func(L *lua.LState) int {
			key := checkString(L, 1, "key")
			delta := 1.0
			if L.Get(2) != lua.LNil {
				delta = float64(L.CheckNumber(2))
			}
			return b.kvIncr(L, ns, key, delta)
		},
		"update": func(L *lua.LState) int {
			key := checkString(L, 1, "key")
			return b.kvUpdate(L, ns, key, checkFunction(L, 2, "kv.update"))
		},
		"scan": func(L *lua.LState) int {
			prefix := ""
			if L.Get(1) != lua.LNil {
				prefix = checkString(L, 1, "prefix")
			}
			return b.kvScan(L, ns, prefix)
		},
	})
	return t
}

// buffer returns the running handler's kv buffer, or nil at top level.
func (b *binder) buffer(L *lua.LState) *KVBuffer {
	if b.env.Scope == nil {
		return nil
	}
	return b.env.Scope.KV(L)
}

// kvRead returns the encoded value the caller sees: its own pending write,
// else the stored one; expired values count as absent.
func (b *binder) kvRead(L *lua.LState, ns, key string) ([]byte, bool, error) {
	if buf := b.buffer(L); buf != nil {
		if p, ok := buf.view[nsKey{ns, key}]; ok {
			return p.raw, p.raw != nil, nil
		}
	}
	raw, ok, err := b.env.Store.Get(ns, key)
	if err != nil || !ok {
		return nil, false, err
	}
	if b.expired(raw) {
		return nil, false, nil
	}
	return raw, true, nil
}

// kvWrite buffers (or, at top level, commits) a set or delete.
func (b *binder) kvWrite(L *lua.LState, ns, key string, raw []byte) int {
	if key == "" {
		raise(L, "kv: empty key")
	}
	if buf := b.buffer(L); buf != nil {
		buf.view[nsKey{ns, key}] = pendingValue{raw: raw}
		buf.ops = append(buf.ops, kv.Op{NS: ns, Key: key, Val: raw})
		L.Push(lua.LTrue)
		return 1
	}
	if err := b.env.Store.Commit([]kv.Op{{NS: ns, Key: key, Val: raw}}); err != nil {
		return b.fail(L, err)
	}
	L.Push(lua.LTrue)
	return 1
}

func (b *binder) kvIncr(L *lua.LState, ns, key string, delta float64) int {
	cur, ok, err := b.kvRead(L, ns, key)
	if err != nil {
		return b.fail(L, err)
	}
	n, err := b.numberValue(cur, ok)
	if err != nil {
		return b.fail(L, fmt.Errorf("kv.incr(%q): %w", key, err))
	}
	// The delta, not the result, is what commits: concurrent handlers
	// incrementing the same key all count.
	op := kv.Op{NS: ns, Key: key, Apply: func(cur []byte, ok bool) ([]byte, error) {
		if ok && b.expired(cur) {
			ok = false
		}
		n, err := b.numberValue(cur, ok)
		if err != nil {
			return nil, err
		}
		return b.encodeNumber(n + delta), nil
	}}
	result := n + delta
	if buf := b.buffer(L); buf != nil {
		buf.view[nsKey{ns, key}] = pendingValue{raw: b.encodeNumber(result)}
		buf.ops = append(buf.ops, op)
	} else if err := b.env.Store.Commit([]kv.Op{op}); err != nil {
		return b.fail(L, err)
	}
	L.Push(lua.LNumber(result))
	return 1
}

// kvUpdate runs fn(old) now, for the handler's own view, and again at
// commit time if the stored value changed meanwhile, so the write is
// atomic with respect to other handlers.
func (b *binder) kvUpdate(L *lua.LState, ns, key string, fn *lua.LFunction) int {
	cur, ok, err := b.kvRead(L, ns, key)
	if err != nil {
		return b.fail(L, err)
	}
	apply := func(L *lua.LState, cur []byte, ok bool) ([]byte, lua.LValue, error) {
		old := lua.LValue(lua.LNil)
		if ok {
			v, err := b.decodeValue(L, cur)
			if err != nil {
				return nil, nil, err
			}
			old = v
		}
		if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, old); err != nil {
			return nil, nil, fmt.Errorf("kv.update(%q) function: %s", key, firstLine(err.Error()))
		}
		nv := L.Get(-1)
		L.Pop(1)
		if nv == lua.LNil {
			return nil, nv, nil
		}
		raw, err := b.encodeValue(nv, time.Time{})
		return raw, nv, err
	}
	raw, nv, err := apply(L, cur, ok)
	if err != nil {
		raise(L, "%v", err)
	}
	buf := b.buffer(L)
	if buf == nil {
		if err := b.env.Store.Commit([]kv.Op{{NS: ns, Key: key, Val: raw}}); err != nil {
			return b.fail(L, err)
		}
		L.Push(nv)
		return 1
	}
	_, pendingBefore := buf.view[nsKey{ns, key}]
	base := cur
	main := b.L
	buf.view[nsKey{ns, key}] = pendingValue{raw: raw}
	buf.ops = append(buf.ops, kv.Op{NS: ns, Key: key, Apply: func(stored []byte, ok bool) ([]byte, error) {
		// Unchanged since the handler read it (or the handler's own earlier
		// write decided it): keep the handler's result.
		if pendingBefore || (ok && string(stored) == string(base)) || (!ok && base == nil) {
			return raw, nil
		}
		again, _, err := apply(main, stored, ok)
		return again, err
	}})
	L.Push(nv)
	return 1
}

func (b *binder) kvScan(L *lua.LState, ns, prefix string) int {
	merged := map[string][]byte{}
	var scanErr error
	err := b.env.Store.Scan(ns, prefix, func(key string, val []byte) bool {
		if !b.expired(val) {
			merged[key] = val
		}
		if len(merged) > maxScan {
			scanErr = fmt.Errorf("kv.scan(%q): more than %d keys; use a longer prefix", prefix, maxScan)
			return false
		}
		return true
	})
	if err == nil {
		err = scanErr
	}
	if err != nil {
		return b.fail(L, err)
	}
	if buf := b.buffer(L); buf != nil {
		for k, p := range buf.view {
			if k.ns != ns || !strings.HasPrefix(k.key, prefix) {
				continue
			}
			if p.raw == nil {
				delete(merged, k.key)
			} else {
				merged[k.key] = p.raw
			}
		}
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	i := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		for i < len(keys) {
			k := keys[i]
			i++
			v, err := b.decodeValue(L, merged[k])
			if err != nil {
				continue // unreadable values are skipped, not fatal to the loop
			}
			L.Push(lua.LString(k))
			L.Push(v)
			return 2
		}
		return 0
	}))
	return 1
}

// Value encoding: a format byte, an optional expiry, then JSON. Values
// written before the format byte existed are plain JSON.

func (b *binder) mustEncode(L *lua.LState, fn, key string, v lua.LValue, expires time.Time) []byte {
	raw, err := b.encodeValue(v, expires)
	if err != nil {
		raise(L, "%s(%q): %v", fn, key, err)
	}
	return raw
}

func (b *binder) encodeValue(v lua.LValue, expires time.Time) ([]byte, error) {
	// Encoding stops at the limit: a value too large for kv is never
	// built in full.
	body, err := b.codec.encodeLimit(v, maxValue)
	var tooBig *SizeError
	switch {
	case errors.As(err, &tooBig):
		return nil, fmt.Errorf("value is over the %d-byte limit", maxValue)
	case err != nil && strings.Contains(err.Error(), "cannot encode"):
		return nil, fmt.Errorf("%w (kv stores nil, booleans, numbers, strings and tables of those)", err)
	case err != nil:
		return nil, err
	}
	if expires.IsZero() {
		return append([]byte{fmtPlain}, body...), nil
	}
	out := make([]byte, 9, 9+len(body))
	out[0] = fmtExpires
	binary.BigEndian.PutUint64(out[1:], uint64(expires.UnixNano()))
	return append(out, body...), nil
}

func (b *binder) encodeNumber(n float64) []byte {
	raw, _ := b.encodeValue(lua.LNumber(n), time.Time{})
	return raw
}

func jsonPart(raw []byte) []byte {
	switch {
	case len(raw) > 0 && raw[0] == fmtPlain:
		return raw[1:]
	case len(raw) >= 9 && raw[0] == fmtExpires:
		return raw[9:]
	}
	return raw
}

func (b *binder) expired(raw []byte) bool {
	if len(raw) < 9 || raw[0] != fmtExpires {
		return false
	}
	at := int64(binary.BigEndian.Uint64(raw[1:9]))
	return !b.env.Clock.Now().Before(time.Unix(0, at))
}

func (b *binder) decodeValue(L *lua.LState, raw []byte) (lua.LValue, error) {
	return b.codec.decode(L, jsonPart(raw), false)
}

func (b *binder) pushDecoded(L *lua.LState, raw []byte) int {
	v, err := b.decodeValue(L, raw)
	if err != nil {
		return b.fail(L, fmt.Errorf("stored value is unreadable: %w", err))
	}
	L.Push(v)
	return 1
}

var errNotNumber = errors.New("the stored value is not a number")

func (b *binder) numberValue(raw []byte, ok bool) (float64, error) {
	if !ok {
		return 0, nil
	}
	v, err := b.codec.decode(b.L, jsonPart(raw), false)
	if err != nil {
		return 0, err
	}
	n, isNum := v.(lua.LNumber)
	if !isNum {
		return 0, errNotNumber
	}
	return float64(n), nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
