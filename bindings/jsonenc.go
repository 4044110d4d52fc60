package bindings

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// The encoder writes JSON straight from Lua values into one buffer and
// checks the output size before every write. Walking the value can
// therefore never build more than the limit, however the script shaped its
// data: a table that holds the same sub-table twice at every level (2^26
// leaves from 26 tables) fails after the limit's worth of output, not after
// minutes and gigabytes. Depth is bounded, and a table that contains itself
// on the current path is refused.
//
// A table met again renders the same bytes (nothing runs while the encoder
// writes), so once a large one is written its bytes are copied instead of
// walked again: the shared-sub-tables bomb then costs a few copies up to
// the limit rather than a walk of every leaf, about fifty times less CPU.
//
// The output is what encoding/json produced for the same data before (with
// HTML escaping off): object keys sorted, numbers as the codec writes them,
// invalid UTF-8 as U+FFFD. kv values stay byte-for-byte deterministic.

// SizeError is returned when an encoding would pass its size limit.
type SizeError struct{ Limit int }

func (e *SizeError) Error() string {
	return fmt.Sprintf("json encode: result exceeds %d bytes", e.Limit)
}

type jsonWriter struct {
	buf    []byte
	limit  int
	c      *codec
	onPath []*lua.LTable // the tables being written, outermost first
	// written holds where each large table already written lies in buf;
	// deepest is the deepest table depth the walk has entered.
	written map[*lua.LTable]rendered
	deepest int
}

// rendered is a table's rendering in buf and how many levels it nests below
// itself: a copy must still respect maxDepth where it lands.
type rendered struct{ start, end, height int }

// reuseAt is the size from which a written table's bytes are remembered:
// smaller ones cost less to walk again than to look up.
const reuseAt = 256

// encodeLimit renders v as compact JSON of at most limit bytes.
func (c *codec) encodeLimit(v lua.LValue, limit int) ([]byte, error) {
	w := &jsonWriter{limit: limit, c: c}
	if err := w.value(v, 0); err != nil {
		return nil, err
	}
	return w.buf, nil
}

// room fails unless n more bytes fit.
func (w *jsonWriter) room(n int) error {
	if n > w.limit-len(w.buf) {
		return &SizeError{Limit: w.limit}
	}
	return nil
}

func (w *jsonWriter) raw(s string) error {
	if err := w.room(len(s)); err != nil {
		return err
	}
	w.buf = append(w.buf, s...)
	return nil
}

func (w *jsonWriter) value(v lua.LValue, depth int) error {
	switch v := v.(type) {
	case *lua.LNilType:
		return w.raw("null")
	case lua.LBool:
		if v {
			return w.raw("true")
		}
		return w.raw("false")
	case lua.LString:
		return w.str(string(v))
	case lua.LNumber:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return errors.New("json encode: NaN or infinite number")
		}
		if f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return w.raw(strconv.FormatInt(int64(f), 10))
		}
		return w.raw(strconv.FormatFloat(f, 'g', -1, 64))
	case *lua.LUserData:
		if v == w.c.null {
			return w.raw("null")
		}
	case *lua.LTable:
		return w.table(v, depth)
	}
	return fmt.Errorf("json encode: cannot encode a %s", v.Type())
}

func (w *jsonWriter) table(t *lua.LTable, depth int) error {
	if sp, ok := w.written[t]; ok && depth+sp.height < maxDepth {
		if err := w.room(sp.end - sp.start); err != nil {
			return err
		}
		w.buf = append(w.buf, w.buf[sp.start:sp.end]...)
		w.deepest = max(w.deepest, depth+sp.height)
		return nil
	}
	outer, start := w.deepest, len(w.buf)
	w.deepest = depth
	err := w.walkTable(t, depth)
	height := w.deepest - depth
	w.deepest = max(outer, w.deepest)
	if err == nil && len(w.buf)-start >= reuseAt {
		if w.written == nil {
			w.written = map[*lua.LTable]rendered{}
		}
		w.written[t] = rendered{start, len(w.buf), height}
	}
	return err
}

func (w *jsonWriter) walkTable(t *lua.LTable, depth int) error {
	if depth >= maxDepth {
		return fmt.Errorf("json encode: nesting deeper than %d", maxDepth)
	}
	// Only the current path counts as a cycle: the same table twice in
	// siblings is fine (the size limit bounds how often).
	if slices.Contains(w.onPath, t) {
		return errors.New("json encode: table contains itself")
	}
	w.onPath = append(w.onPath, t)
	defer func() { w.onPath = w.onPath[:len(w.onPath)-1] }()
	if t.Metatable == w.c.arrayMT || isSequence(t) {
		n := t.Len()
		// Every element takes at least one byte and a comma.
		if err := w.room(max(2*n+1, 2)); err != nil {
			return err
		}
		w.buf = append(w.buf, '[')
		for i := 1; i <= n; i++ {
			if i > 1 {
				w.buf = append(w.buf, ',')
			}
			if err := w.value(t.RawGetInt(i), depth+1); err != nil {
				return err
			}
		}
		return w.raw("]")
	}
	type entry struct {
		key string
		val lua.LValue
	}
	var entries []entry
	var err error
	t.ForEach(func(k, e lua.LValue) {
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
		// Every member takes at least `"":0,`; a table too wide for the
		// limit fails before its keys are sorted.
		if err = w.room(5 * (len(entries) + 1)); err != nil {
			return
		}
		entries = append(entries, entry{key, e})
	})
	if err != nil {
		return err
	}
	// Stable, so that of two keys that render the same (1 and "1") the
	// later one wins, as it did when members went through a Go map.
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
	if err := w.raw("{"); err != nil {
		return err
	}
	first := true
	for i, e := range entries {
		if i+1 < len(entries) && entries[i+1].key == e.key {
			continue
		}
		if !first {
			if err := w.raw(","); err != nil {
				return err
			}
		}
		first = false
		if err := w.str(e.key); err != nil {
			return err
		}
		if err := w.raw(":"); err != nil {
			return err
		}
		if err := w.value(e.val, depth+1); err != nil {
			return err
		}
	}
	return w.raw("}")
}

const hexDigits = "0123456789abcdef"

// quotedLen is the length of s written as a JSON string, quotes included,
// computed without building it.
func quotedLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
				n += 2
			case c < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1, r == '\u2028', r == '\u2029':
			n += 6
		default:
			n += size
		}
		i += size
	}
	return n
}

// str writes s as a JSON string, after checking that all of it fits.
func (w *jsonWriter) str(s string) error {
	if err := w.room(quotedLen(s)); err != nil {
		return err
	}
	w.buf = append(w.buf, '"')
	plain := 0 // start of the run not yet copied
	escape := func(i, size int, esc string) {
		w.buf = append(w.buf, s[plain:i]...)
		w.buf = append(w.buf, esc...)
		plain = i + size
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"':
				escape(i, 1, `\"`)
			case c == '\\':
				escape(i, 1, `\\`)
			case c == '\n':
				escape(i, 1, `\n`)
			case c == '\r':
				escape(i, 1, `\r`)
			case c == '\t':
				escape(i, 1, `\t`)
			case c == '\b':
				escape(i, 1, `\b`)
			case c == '\f':
				escape(i, 1, `\f`)
			case c < 0x20:
				escape(i, 1, `\u00`+string(hexDigits[c>>4])+string(hexDigits[c&0xF]))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			escape(i, size, `\ufffd`)
		case r == '\u2028':
			escape(i, size, `\u2028`)
		case r == '\u2029':
			escape(i, size, `\u2029`)
		}
		i += size
	}
	w.buf = append(w.buf, s[plain:]...)
	w.buf = append(w.buf, '"')
	return nil
}
