package bindings

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/kv"
)

// kv.incr and kv.update take effect at once, each in its own write
// transaction, and are not undone when the handler later fails.
//
// Why not buffer them with the handler's other writes: a handler holds its
// buffer across suspensions (ev:reply, sleep), so a value computed from the
// store at call time is stale by the time the handler commits, and two
// handlers hand out the same "ticket number". Holding a per-key lock until
// the handler ends would fix that but lets one slow handler stall every
// other caller, across scripts sharing a kv.open namespace. Committing at
// once makes the returned value the stored one, which is what a counter, an
// order id or "you are visitor #N" needs; the price is that a handler that
// fails after kv.incr leaves the increment in place (as Redis INCR would).
//
// A key the handler has kv.set or kv.deleted but not yet committed is
// written together with the incr/update, in the same transaction, so the
// change applies to the value the handler sees; that earlier write is then
// no longer pending (and no longer undone by a failure).

// maxUpdateAttempts bounds how often kv.update re-runs its function when
// another writer changed the key between the read and the commit. Only
// scripts sharing a namespace can race (one script's handlers never run in
// parallel), so reaching it means a key hammered by many writers.
const maxUpdateAttempts = 100

// errChanged aborts a kv.update commit whose key changed since it was read.
var errChanged = errors.New("changed since it was read")

// outsideUpdate wraps a kv function so that calling it inside a kv.update
// function is a clear error: the update function must compute a value, not
// start other reads or writes whose ordering with the update is undefined.
func (b *binder) outsideUpdate(name string, fn lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		if b.inUpdate > 0 {
			raise(L, "kv.%s cannot be called inside a kv.update function: it gets the old value and "+
				"returns the new one; make other kv calls before or after kv.update", name)
		}
		return fn(L)
	}
}

// kvIncr adds delta to the number at key (absent or expired counts as 0)
// and returns the stored result. A live expiry on the key is kept.
func (b *binder) kvIncr(L *lua.LState, ns, key string, delta float64) int {
	checkWriteKey(L, "kv.incr", key)
	buf := b.buffer(L)
	call, recorded, replayed := buf.nextCall()
	if replayed {
		return b.replayed(L, buf, ns, key, recorded)
	}
	var result float64
	var applyErr error
	var stored []byte
	ops := append(flushOps(buf, ns, key), kv.Op{NS: ns, Key: key, Apply: func(cur []byte, ok bool) ([]byte, error) {
		var expires time.Time
		if ok && b.expired(cur) {
			ok = false
		} else if ok {
			expires = expiresAt(cur)
		}
		n, err := b.numberValue(cur, ok)
		if err == nil {
			result = n + delta
			if math.IsInf(result, 0) {
				err = fmt.Errorf("%v + %v is out of range", n, delta)
			}
		}
		var raw []byte
		if err == nil {
			raw, err = b.encodeValue(lua.LNumber(result), expires)
		}
		applyErr = err
		stored = raw
		return raw, err
	}})
	ops = append(ops, buf.record(call, func() []byte { return stored })...)
	if err := b.env.Store.Commit(ops); err != nil {
		if applyErr != nil {
			err = applyErr
		}
		return b.fail(L, fmt.Errorf("kv.incr(%q): %w", key, err))
	}
	buf.forget(ns, key)
	L.Push(lua.LNumber(result))
	return 1
}

// kvUpdate stores fn(old) and returns the stored value. fn runs outside
// the store's write lock, in the calling handler (so its CPU budget
// applies); the commit checks that the key still holds what fn was given
// and otherwise runs fn again on the new value.
func (b *binder) kvUpdate(L *lua.LState, ns, key string, fn *lua.LFunction) int {
	checkWriteKey(L, "kv.update", key)
	buf := b.buffer(L)
	call, recorded, replayed := buf.nextCall()
	if replayed {
		return b.replayed(L, buf, ns, key, recorded)
	}
	for attempt := 1; ; attempt++ {
		var base []byte
		var err error
		if p, ok := buf.pending(ns, key); ok {
			base = p.raw
		} else if base, _, err = b.env.Store.Get(ns, key); err != nil {
			return b.fail(L, fmt.Errorf("kv.update(%q): %w", key, err))
		}
		old := lua.LValue(lua.LNil)
		var expires time.Time
		if base != nil && !b.expired(base) {
			if old, err = b.decodeValue(L, base); err != nil {
				return b.fail(L, fmt.Errorf("kv.update(%q): the stored value is unreadable: %w", key, err))
			}
			expires = expiresAt(base)
		}
		nv := b.callUpdateFn(L, key, fn, old)
		var raw []byte
		if nv != lua.LNil {
			raw = b.mustEncode(L, "kv.update", key, nv, expires)
		}
		ops := append(flushOps(buf, ns, key), kv.Op{NS: ns, Key: key, Apply: func(cur []byte, ok bool) ([]byte, error) {
			if !bytes.Equal(cur, base) || ok != (base != nil) {
				return nil, errChanged
			}
			return raw, nil
		}})
		ops = append(ops, buf.record(call, func() []byte { return raw })...)
		err = b.env.Store.Commit(ops)
		if errors.Is(err, errChanged) && attempt < maxUpdateAttempts {
			continue
		}
		if errors.Is(err, errChanged) {
			err = fmt.Errorf("other writers changed the key %d times in a row while the function ran; try again later", attempt)
		}
		if err != nil {
			return b.fail(L, fmt.Errorf("kv.update(%q): %w", key, err))
		}
		buf.forget(ns, key)
		if raw == nil {
			L.Push(lua.LNil)
			return 1
		}
		return b.pushDecoded(L, raw)
	}
}

// replayed answers a kv.incr or kv.update that this handler already made
// for this event before a restart: the value it stored then, with nothing
// written now. A pending write of the same key was committed with that call
// back then, so it is dropped rather than written over what happened since.
func (b *binder) replayed(L *lua.LState, buf *KVBuffer, ns, key string, recorded []byte) int {
	buf.forget(ns, key)
	if recorded == nil {
		L.Push(lua.LNil)
		return 1
	}
	return b.pushDecoded(L, recorded)
}

// callUpdateFn runs a kv.update function with every kv call refused.
// Waiting calls (sleep, qq.*) fail inside it on their own: it runs as a Go
// call, which cannot be suspended.
func (b *binder) callUpdateFn(L *lua.LState, key string, fn *lua.LFunction, old lua.LValue) lua.LValue {
	err := func() error {
		b.inUpdate++
		defer func() { b.inUpdate-- }()
		return L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, old)
	}()
	if err != nil {
		raise(L, "kv.update(%q) function: %s", key, firstLine(err.Error()))
	}
	nv := L.Get(-1)
	L.Pop(1)
	return nv
}

// flushOps returns the handler's pending write to key as an op to commit
// ahead of an incr or update of the same key.
func flushOps(buf *KVBuffer, ns, key string) []kv.Op {
	p, ok := buf.pending(ns, key)
	if !ok {
		return nil
	}
	return []kv.Op{{NS: ns, Key: key, Val: p.raw}}
}
