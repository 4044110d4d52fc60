package bindings

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/kv"
)

// Limits on stored data.
const (
	maxValue = 1 << 20 // one encoded value
	maxKey   = 1 << 10 // bytes in a key written by a script (bbolt's own limit is 32 KiB)
	// scanPageBytes is how many bytes of keys and values kv.scan reads
	// from the store at a time (a page holds at least one key).
	scanPageBytes = 1 << 20
	sharedNS      = "shared/"
	maxNSName     = 64
	fmtPlain      = 0x01 // then JSON
	fmtExpires    = 0x02 // then 8 bytes of unix nanoseconds, then JSON
)

// Scope gives the kv buffer of the handler running on L, or nil outside a
// handler (the top level), where writes commit at once.
type Scope interface {
	KV(L *lua.LState) *KVBuffer
}

// KVBuffer holds one handler's kv.set and kv.delete until it ends: the host
// commits them when the handler finishes and drops them when it fails or is
// killed. Reads inside the handler see its own pending writes. kv.incr and
// kv.update do not go through the buffer: they commit at once (kv_atomic.go).
type KVBuffer struct {
	ops  []kv.Op
	view map[nsKey]pendingValue
	// once, for a handler of an event, records kv.incr/kv.update results
	// so that a replay after a crash does not apply them again
	// (kv_once.go); calls numbers them.
	once  Once
	calls int
	// grow is what the buffered writes add to each namespace's usage, so
	// that a write over the quota is refused at the call (kvWrite).
	grow map[string]kv.Usage
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

// HeldBytes is about what the buffered writes keep in memory until the
// handler ends: each buffered value with its key and namespace (a key
// written twice is held twice until the commit), and the bookkeeping of
// each. The host's memory estimate counts it: a handler parked in sleep
// keeps its buffer between events, where no run's growth is measured.
func (b *KVBuffer) HeldBytes() int64 {
	if b == nil {
		return 0
	}
	const perOp = 128 // the Op, its view entry and their map and slice slots
	var n int64
	for _, op := range b.ops {
		n += int64(len(op.NS)+len(op.Key)+len(op.Val)) + perOp
	}
	return n
}

// pending reports the handler's own uncommitted write to key, if any. A nil
// buffer (top level) has none.
func (b *KVBuffer) pending(ns, key string) (pendingValue, bool) {
	if b == nil {
		return pendingValue{}, false
	}
	p, ok := b.view[nsKey{ns, key}]
	return p, ok
}

// forget drops the pending writes to key, once a kv.incr or kv.update has
// written them to the store together with its own change.
func (b *KVBuffer) forget(ns, key string) {
	if b == nil {
		return
	}
	if _, ok := b.view[nsKey{ns, key}]; !ok {
		return
	}
	delete(b.view, nsKey{ns, key})
	kept := b.ops[:0]
	for _, op := range b.ops {
		if op.NS != ns || op.Key != key {
			kept = append(kept, op)
		}
	}
	clear(b.ops[len(kept):])
	b.ops = kept
}

// openKV builds the kv module over the script's own namespace:
//
//	kv.get(key)                  returns (value, err); nil when absent or expired
//	kv.set(key, value, [ttl])    returns (true, err); nil deletes; ttl in seconds
//	kv.delete(key)               returns (true, err)
//	kv.incr(key, [n])            adds n (default 1) at once; returns the stored value
//	kv.update(key, fn)           stores fn(old) at once; returns the stored value
//	for key, value in kv.scan(prefix) do ... end   keys with prefix, in order
//	kv.open(name)                a namespace shared by every script that opens it
//
// Values are nil, booleans, numbers, strings and tables of those, stored as
// deterministic JSON (object keys sorted). kv.set and kv.delete are
// handler-scoped (KVBuffer); kv.incr and kv.update commit at once, see
// kv_atomic.go for why.
func (b *binder) openKV() {
	shared := map[string]*lua.LTable{}
	mod := b.kvNamespace(b.env.Script)
	b.L.SetField(mod, "open", b.L.NewFunction(func(L *lua.LState) int {
		name := checkString(L, 1, "namespace name")
		if name == "" || len(name) > maxNSName || strings.ContainsAny(name, "/\x00") {
			raise(L, "bad argument #1 to kv.open: a name of 1-%d characters without '/'", maxNSName)
		}
		if b.env.Caps.NoSharedKV {
			return b.fail(L, b.deny(CapSharedKV, fmt.Sprintf("kv.open(%q)", name)))
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
	funcs := map[string]lua.LGFunction{
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
			checkWriteKey(L, "kv.set", key)
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
			key := checkString(L, 1, "key")
			if key == "" {
				raise(L, "kv.delete: empty key")
			}
			return b.kvWrite(L, ns, key, nil)
		},
		"incr": func(L *lua.LState) int {
			key := checkString(L, 1, "key")
			delta := 1.0
			if L.Get(2) != lua.LNil {
				delta = float64(L.CheckNumber(2))
				if math.IsNaN(delta) || math.IsInf(delta, 0) {
					raise(L, "bad argument #2 to kv.incr: a finite number expected, got %v", delta)
				}
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
	}
	t := b.L.CreateTable(0, len(funcs))
	for name, fn := range funcs {
		b.L.SetField(t, name, b.L.NewFunction(b.outsideUpdate(name, fn)))
	}
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

// checkWriteKey refuses, at the call, a key the commit would refuse later
// (and with it every other write of the handler).
func checkWriteKey(L *lua.LState, fn, key string) {
	switch {
	case key == "":
		raise(L, "%s: empty key", fn)
	case len(key) > maxKey:
		raise(L, "%s: the key is %d bytes, over the %d-byte limit", fn, len(key), maxKey)
	}
}

// chargeQuota refuses a buffered write that would take its namespace past
// its quota, counting the handler's earlier buffered writes; the commit
// checks again (another handler may have written meanwhile).
func (b *binder) chargeQuota(buf *KVBuffer, ns, key string, raw []byte) error {
	qs, ok := b.env.Store.(quotaStore)
	if !ok {
		return nil
	}
	var oldLen int
	var had bool
	if p, ok := buf.view[nsKey{ns, key}]; ok {
		oldLen, had = len(p.raw), p.raw != nil
	} else {
		var err error
		if oldLen, had, err = qs.Size(ns, key); err != nil {
			return err
		}
	}
	d := kv.Change(key, oldLen, had, raw)
	g := buf.grow[ns]
	g = kv.Usage{Bytes: g.Bytes + d.Bytes, Keys: g.Keys + d.Keys}
	if err := qs.Fits(ns, g); err != nil {
		return err
	}
	if buf.grow == nil {
		buf.grow = map[string]kv.Usage{}
	}
	buf.grow[ns] = g
	return nil
}

// kvWrite buffers (or, at top level, commits) a set or delete.
func (b *binder) kvWrite(L *lua.LState, ns, key string, raw []byte) int {
	if buf := b.buffer(L); buf != nil {
		if err := b.chargeQuota(buf, ns, key, raw); err != nil {
			return b.fail(L, err)
		}
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

// kvScan returns the iterator of kv.scan(prefix). It reads the store a page
// at a time (scanPageBytes of keys and values, in one read transaction
// each) instead of holding every value at once, so a scan over a thousand
// 1 MiB values keeps about 1 MiB in memory, and an iterator kept in a
// global keeps one page. The first page is read at the call, so that a
// store error is nil, err there; a later one is raised by the iterator
// (skipping it would pass a partial result off as complete).
func (b *binder) kvScan(L *lua.LState, ns, prefix string) int {
	it := &scanIter{b: b, ns: ns, prefix: prefix}
	if err := it.load(L); err != nil {
		return b.fail(L, err)
	}
	// The iterator carries it as a userdata upvalue so that the host's
	// memory estimate, which walks upvalues, sees the page it holds
	// (HeldBytes).
	ud := L.NewUserData()
	ud.Value = it
	L.Push(L.NewClosure(it.next, ud))
	return 1
}

// HeldBytes is how much of the current page the iterator still holds.
func (it *scanIter) HeldBytes() int64 {
	var n int64
	for _, e := range it.page[min(it.i, len(it.page)):] {
		n += int64(len(e.key) + len(e.raw))
	}
	return n
}

// scanIter walks one kv.scan. Keys come in byte order, each once; the
// handler's own pending writes are laid over each page. Between pages other
// handlers may write, so a key written meanwhile after the scan's position
// may show up: a scan is not a snapshot.
type scanIter struct {
	b          *binder
	ns, prefix string
	after      string // last key of the pages read so far ("" before the first)
	done       bool   // the store has no keys after `after`
	page       []scanEntry
	i          int
}

type scanEntry struct {
	key string
	raw []byte
}

// load reads the next non-empty page, or leaves page empty when the scan is
// over.
func (it *scanIter) load(L *lua.LState) error {
	it.page, it.i = nil, 0
	for len(it.page) == 0 && !it.done {
		merged := map[string][]byte{}
		size, last, more := 0, "", false
		err := it.scanAfter(func(key string, val []byte) bool {
			if size >= scanPageBytes {
				more = true
				return false
			}
			size += len(key) + len(val)
			last = key
			if !it.b.expired(val) {
				merged[key] = val
			}
			return true
		})
		if err != nil {
			return err
		}
		if buf := it.b.buffer(L); buf != nil {
			for k, p := range buf.view {
				if k.ns != it.ns || !strings.HasPrefix(k.key, it.prefix) || k.key <= it.after || (more && k.key > last) {
					continue
				}
				if p.raw == nil {
					delete(merged, k.key)
				} else {
					merged[k.key] = p.raw
				}
			}
		}
		it.page = make([]scanEntry, 0, len(merged))
		for k, v := range merged {
			it.page = append(it.page, scanEntry{k, v})
		}
		sort.Slice(it.page, func(i, j int) bool { return it.page[i].key < it.page[j].key })
		if more {
			it.after = last
		} else {
			it.done = true
		}
	}
	return nil
}

// scanAfter calls fn for the keys after it.after.
func (it *scanIter) scanAfter(fn func(key string, val []byte) bool) error {
	if ps, ok := it.b.env.Store.(pagedStore); ok {
		return ps.ScanAfter(it.ns, it.prefix, it.after, fn)
	}
	return it.b.env.Store.Scan(it.ns, it.prefix, func(key string, val []byte) bool {
		return key <= it.after || fn(key, val)
	})
}

func (it *scanIter) next(L *lua.LState) int {
	if it.i >= len(it.page) {
		if it.done {
			it.page = nil
			return 0
		}
		if err := it.load(L); err != nil {
			raise(L, "kv.scan(%q): %v", it.prefix, err)
		}
		if len(it.page) == 0 {
			return 0
		}
	}
	e := it.page[it.i]
	it.page[it.i] = scanEntry{} // let the value go once it is handed out
	it.i++
	v, err := it.b.decodeValue(L, e.raw)
	if err != nil {
		// Skipping it would pass a partial result off as complete.
		raise(L, "kv.scan(%q): the value at %q is unreadable: %v", it.prefix, e.key, err)
	}
	L.Push(lua.LString(e.key))
	L.Push(v)
	return 2
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

func jsonPart(raw []byte) []byte {
	switch {
	case len(raw) > 0 && raw[0] == fmtPlain:
		return raw[1:]
	case len(raw) >= 9 && raw[0] == fmtExpires:
		return raw[9:]
	}
	return raw
}

// expiresAt is the expiry stored in raw, or the zero time.
func expiresAt(raw []byte) time.Time {
	if len(raw) < 9 || raw[0] != fmtExpires {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(raw[1:9])))
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

// StoredValue splits a value as kv keeps it into its JSON and its expiry
// (zero for none), for readers outside a script such as the console. A
// value in no known format comes back whole.
func StoredValue(raw []byte) (body []byte, expires time.Time) {
	return jsonPart(raw), expiresAt(raw)
}
