package bindings

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/internal/jsonscan"
)

// A JSON reader that builds Lua values straight from the bytes, without
// encoding/json's intermediate interface{} tree, and that can index an
// object's top-level keys without decoding their values. Events are read
// through it lazily: a handler pays only for the fields it touches. The
// text itself is read by internal/jsonscan, as the gateway reads frames.

type span struct{ start, end int }

type jsonReader struct {
	s         jsonscan.Scanner
	depth     int
	c         *codec
	L         *lua.LState
	nullAsNil bool

	// budget is what the Lua values built so far may still cost, in
	// estimated bytes (the sizes the host's memory estimate uses); ctx,
	// when set, is the calling handler's, so its CPU budget and the memory
	// watchdog stop a long decode.
	budget int64
	ctx    context.Context
	steps  int
}

var errDecodeBudget = errors.New("json decode: the document would take more memory than the script may use in one call")

// charge counts cost against the budget, and looks at the handler's
// context every few thousand values.
func (r *jsonReader) charge(cost int64) error {
	if r.c == nil {
		return nil
	}
	r.budget -= cost
	if r.budget < 0 {
		return errDecodeBudget
	}
	if r.steps++; r.steps%4096 == 0 && r.ctx != nil {
		if err := r.ctx.Err(); err != nil {
			return fmt.Errorf("json decode: stopped: %w", err)
		}
	}
	return nil
}

func (r *jsonReader) ws() { r.s.WS() }

func (r *jsonReader) errorf(what string) error {
	return fmt.Errorf("json decode: %w", r.s.Errorf(what))
}

// scanErr prefixes an error of the scanner.
func scanErr(err error) error {
	if err == nil || !errors.Is(err, jsonscan.ErrSyntax) {
		return err
	}
	return fmt.Errorf("json decode: %w", err)
}

// value decodes the value at pos.
func (r *jsonReader) value() (lua.LValue, error) {
	// Each value costs at least a table slot; strings and tables add more
	// where they are built.
	if err := r.charge(50); err != nil {
		return nil, err
	}
	r.ws()
	if r.s.Pos >= len(r.s.Data) {
		return nil, r.errorf("unexpected end")
	}
	switch c := r.s.Peek(); {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		s, err := r.str()
		return lua.LString(s), err
	case c == 't':
		return lua.LTrue, r.literal("true")
	case c == 'f':
		return lua.LFalse, r.literal("false")
	case c == 'n':
		if err := r.literal("null"); err != nil {
			return nil, err
		}
		if r.nullAsNil {
			return lua.LNil, nil
		}
		return r.c.null, nil
	case c == '-' || ('0' <= c && c <= '9'):
		return r.number()
	}
	return nil, r.errorf("unexpected character")
}

func (r *jsonReader) literal(word string) error {
	if !r.s.Literal(word) {
		return r.errorf("invalid literal")
	}
	return nil
}

func (r *jsonReader) enter() error {
	r.depth++
	if r.depth > maxDecodeDepth {
		return r.errorf("nesting too deep")
	}
	return nil
}

func (r *jsonReader) object() (lua.LValue, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	r.s.Pos++ // {
	if err := r.charge(200); err != nil {
		return nil, err
	}
	t := r.L.CreateTable(0, 8)
	r.ws()
	if r.s.Pos < len(r.s.Data) && r.s.Data[r.s.Pos] == '}' {
		r.s.Pos++
		return t, nil
	}
	for {
		r.ws()
		if r.s.Pos >= len(r.s.Data) || r.s.Data[r.s.Pos] != '"' {
			return nil, r.errorf("object key expected")
		}
		k, err := r.str()
		if err != nil {
			return nil, err
		}
		r.ws()
		if r.s.Pos >= len(r.s.Data) || r.s.Data[r.s.Pos] != ':' {
			return nil, r.errorf("':' expected")
		}
		r.s.Pos++
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		t.RawSetString(k, v)
		r.ws()
		if r.s.Pos >= len(r.s.Data) {
			return nil, r.errorf("unexpected end")
		}
		switch r.s.Data[r.s.Pos] {
		case ',':
			r.s.Pos++
		case '}':
			r.s.Pos++
			return t, nil
		default:
			return nil, r.errorf("',' or '}' expected")
		}
	}
}

func (r *jsonReader) array() (lua.LValue, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	r.s.Pos++ // [
	if err := r.charge(200); err != nil {
		return nil, err
	}
	t := r.L.CreateTable(4, 0)
	t.Metatable = r.c.arrayMT
	r.ws()
	if r.s.Pos < len(r.s.Data) && r.s.Data[r.s.Pos] == ']' {
		r.s.Pos++
		return t, nil
	}
	for i := 1; ; i++ {
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		t.RawSetInt(i, v)
		r.ws()
		if r.s.Pos >= len(r.s.Data) {
			return nil, r.errorf("unexpected end")
		}
		switch r.s.Data[r.s.Pos] {
		case ',':
			r.s.Pos++
		case ']':
			r.s.Pos++
			return t, nil
		default:
			return nil, r.errorf("',' or ']' expected")
		}
	}
}

// str reads the string at pos (which is a quote), within the budget.
func (r *jsonReader) str() (string, error) {
	if err := r.charge(32); err != nil {
		return "", err
	}
	v, err := r.s.String()
	if err != nil {
		return "", scanErr(err)
	}
	return v, r.charge(int64(len(v)))
}

func (r *jsonReader) number() (lua.LValue, error) {
	b, isInt, err := r.s.Number()
	if err != nil {
		return nil, scanErr(err)
	}
	text := string(b)
	if isInt {
		i, err := strconv.ParseInt(text, 10, 64)
		if err != nil || i > maxSafeInt || i < -maxSafeInt {
			// Too large to be exact as a Lua number: kept as its digits.
			return lua.LString(text), nil
		}
		return lua.LNumber(i), nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, r.errorf("bad number")
	}
	return lua.LNumber(f), nil
}

// fieldIndex is where each top-level field of an event's payload is, in
// the payload's order. A payload has a dozen or two fields and a handler
// reads a few, so a slice searched from the end (a repeated key reads as
// its last value, as with encoding/json) is cheaper than a map: one
// allocation, and keys that are slices of the payload instead of strings.
type fieldIndex []indexedField

type indexedField struct {
	key   []byte
	val   span
	taken bool
}

// indexObject indexes each top-level key of a JSON object with its value's
// bytes, checking the values without decoding them.
func indexObject(data []byte) (fieldIndex, error) {
	idx := make(fieldIndex, 0, 16)
	err := jsonscan.Fields(data, func(key []byte, v jsonscan.Span) bool {
		idx = append(idx, indexedField{key: key, val: span{v.Start, v.End}})
		return true
	})
	if err != nil {
		return nil, scanErr(err)
	}
	return idx, nil
}

// find returns where field k is.
func (idx fieldIndex) find(k string) (span, bool) {
	for i := len(idx) - 1; i >= 0; i-- {
		if f := &idx[i]; !f.taken && string(f.key) == k {
			return f.val, true
		}
	}
	return span{}, false
}

// take is find, and forgets field k: its value is cached in the event
// table from then on, so a field the script sets to nil stays nil.
func (idx fieldIndex) take(k string) (span, bool) {
	sp, ok := idx.find(k)
	for i := range idx {
		if string(idx[i].key) == k {
			idx[i].taken = true
		}
	}
	return sp, ok
}

// decodeBytes decodes a whole JSON text into a Lua value, within the
// codec's memory budget and the calling handler's context.
func (c *codec) decodeBytes(L *lua.LState, data []byte, nullAsNil bool) (lua.LValue, error) {
	r := &jsonReader{s: jsonscan.Scanner{Data: data}, c: c, L: L, nullAsNil: nullAsNil, budget: c.decodeBudget, ctx: L.Context()}
	v, err := r.value()
	if err != nil {
		return lua.LNil, err
	}
	r.ws()
	if r.s.Pos != len(data) {
		return lua.LNil, errors.New("json decode: trailing data after the value")
	}
	return v, nil
}

// TopLevelString returns the string value of key in the JSON object data, reading only
// as far as that key, or "" if data is not an object, lacks the key or the value is not a
// string. The host reads a message's id with it before deciding whether to build the
// event at all.
func TopLevelString(data []byte, key string) string {
	raw := TopLevelRaw(data, key)
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	s := jsonscan.Scanner{Data: raw}
	v, err := s.String()
	if err != nil {
		return ""
	}
	return v
}

// TopLevelRaw returns the raw JSON value of key in the object data, reading only as far
// as that key, or nil.
func TopLevelRaw(data []byte, key string) []byte { return jsonscan.Field(data, key) }
