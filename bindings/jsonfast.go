package bindings

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// A JSON reader that builds Lua values straight from the bytes, without
// encoding/json's intermediate interface{} tree, and that can index an
// object's top-level keys without decoding their values. Events are read
// through it lazily: a handler pays only for the fields it touches.

var errJSONSyntax = errors.New("json decode: invalid JSON")

type span struct{ start, end int }

type jsonReader struct {
	data      []byte
	pos       int
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

func (r *jsonReader) ws() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *jsonReader) errorf(what string) error {
	return fmt.Errorf("json decode: %s at offset %d", what, r.pos)
}

// value decodes the value at pos.
func (r *jsonReader) value() (lua.LValue, error) {
	// Each value costs at least a table slot; strings and tables add more
	// where they are built.
	if err := r.charge(50); err != nil {
		return nil, err
	}
	r.ws()
	if r.pos >= len(r.data) {
		return nil, r.errorf("unexpected end")
	}
	switch c := r.data[r.pos]; {
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
	if len(r.data)-r.pos < len(word) || string(r.data[r.pos:r.pos+len(word)]) != word {
		return r.errorf("invalid literal")
	}
	r.pos += len(word)
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
	r.pos++ // {
	if err := r.charge(200); err != nil {
		return nil, err
	}
	t := r.L.CreateTable(0, 8)
	r.ws()
	if r.pos < len(r.data) && r.data[r.pos] == '}' {
		r.pos++
		return t, nil
	}
	for {
		r.ws()
		if r.pos >= len(r.data) || r.data[r.pos] != '"' {
			return nil, r.errorf("object key expected")
		}
		k, err := r.str()
		if err != nil {
			return nil, err
		}
		r.ws()
		if r.pos >= len(r.data) || r.data[r.pos] != ':' {
			return nil, r.errorf("':' expected")
		}
		r.pos++
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		t.RawSetString(k, v)
		r.ws()
		if r.pos >= len(r.data) {
			return nil, r.errorf("unexpected end")
		}
		switch r.data[r.pos] {
		case ',':
			r.pos++
		case '}':
			r.pos++
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
	r.pos++ // [
	if err := r.charge(200); err != nil {
		return nil, err
	}
	t := r.L.CreateTable(4, 0)
	t.Metatable = r.c.arrayMT
	r.ws()
	if r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
		return t, nil
	}
	for i := 1; ; i++ {
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		t.RawSetInt(i, v)
		r.ws()
		if r.pos >= len(r.data) {
			return nil, r.errorf("unexpected end")
		}
		switch r.data[r.pos] {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return t, nil
		default:
			return nil, r.errorf("',' or ']' expected")
		}
	}
}

// str reads a string at pos (which is a quote).
func (r *jsonReader) str() (string, error) {
	if err := r.charge(32); err != nil {
		return "", err
	}
	r.pos++
	start := r.pos
	// Fast path: no escapes.
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		if c == '"' {
			if err := r.charge(int64(r.pos - start)); err != nil {
				return "", err
			}
			s := string(r.data[start:r.pos])
			r.pos++
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", r.errorf("control character in string")
		}
		r.pos++
	}
	buf := append([]byte(nil), r.data[start:r.pos]...)
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			r.pos++
			if err := r.charge(int64(len(buf))); err != nil {
				return "", err
			}
			return string(buf), nil
		case c < 0x20:
			return "", r.errorf("control character in string")
		case c != '\\':
			buf = append(buf, c)
			r.pos++
			continue
		}
		r.pos++
		if r.pos >= len(r.data) {
			break
		}
		e := r.data[r.pos]
		r.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			ru, ok := r.hex4()
			if !ok {
				return "", r.errorf("bad \\u escape")
			}
			if utf16.IsSurrogate(ru) {
				if r.pos+1 < len(r.data) && r.data[r.pos] == '\\' && r.data[r.pos+1] == 'u' {
					r.pos += 2
					lo, ok := r.hex4()
					if !ok {
						return "", r.errorf("bad \\u escape")
					}
					ru = utf16.DecodeRune(ru, lo)
				} else {
					ru = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, ru)
		default:
			return "", r.errorf("bad escape")
		}
	}
	return "", r.errorf("unterminated string")
}

func (r *jsonReader) hex4() (rune, bool) {
	if len(r.data)-r.pos < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(r.data[r.pos:r.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	r.pos += 4
	return rune(n), true
}

func (r *jsonReader) number() (lua.LValue, error) {
	start := r.pos
	isInt := true
	if r.data[r.pos] == '-' {
		r.pos++
	}
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		if '0' <= c && c <= '9' {
			r.pos++
			continue
		}
		if c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
			isInt = false
			r.pos++
			continue
		}
		break
	}
	text := string(r.data[start:r.pos])
	if isInt {
		i, err := strconv.ParseInt(text, 10, 64)
		if err != nil || i > maxSafeInt || i < -maxSafeInt {
			if _, ok := new(bigDigits).check(text); !ok {
				return nil, r.errorf("bad number")
			}
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

// bigDigits validates an integer literal too large for int64.
type bigDigits struct{}

func (bigDigits) check(s string) (string, bool) {
	if s == "" || s == "-" {
		return "", false
	}
	if s[0] == '-' {
		s = s[1:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return s, true
}

// skip moves past the value at pos without building it.
func (r *jsonReader) skip() error {
	r.ws()
	if r.pos >= len(r.data) {
		return r.errorf("unexpected end")
	}
	switch c := r.data[r.pos]; c {
	case '"':
		r.pos++
		for r.pos < len(r.data) {
			switch r.data[r.pos] {
			case '\\':
				r.pos += 2
				continue
			case '"':
				r.pos++
				return nil
			}
			r.pos++
		}
		return r.errorf("unterminated string")
	case '{', '[':
		depth := 0
		for r.pos < len(r.data) {
			switch r.data[r.pos] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					r.pos++
					return nil
				}
			case '"':
				if err := r.skip(); err != nil {
					return err
				}
				continue
			}
			r.pos++
		}
		return r.errorf("unexpected end")
	default:
		for r.pos < len(r.data) {
			switch r.data[r.pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return nil
			}
			r.pos++
		}
		return nil
	}
}

// indexObject maps each top-level key of a JSON object to its value's
// bytes, without decoding the values.
func indexObject(data []byte) (map[string]span, error) {
	r := &jsonReader{data: data}
	r.ws()
	if r.pos >= len(data) || data[r.pos] != '{' {
		return nil, errJSONSyntax
	}
	r.pos++
	idx := make(map[string]span, 16)
	r.ws()
	if r.pos < len(data) && data[r.pos] == '}' {
		return idx, nil
	}
	for {
		r.ws()
		if r.pos >= len(data) || data[r.pos] != '"' {
			return nil, errJSONSyntax
		}
		k, err := r.str()
		if err != nil {
			return nil, err
		}
		r.ws()
		if r.pos >= len(data) || data[r.pos] != ':' {
			return nil, errJSONSyntax
		}
		r.pos++
		r.ws()
		start := r.pos
		if err := r.skip(); err != nil {
			return nil, err
		}
		idx[k] = span{start, r.pos}
		r.ws()
		if r.pos >= len(data) {
			return nil, errJSONSyntax
		}
		switch data[r.pos] {
		case ',':
			r.pos++
		case '}':
			return idx, nil
		default:
			return nil, errJSONSyntax
		}
	}
}

// decodeBytes decodes a whole JSON text into a Lua value, within the
// codec's memory budget and the calling handler's context.
func (c *codec) decodeBytes(L *lua.LState, data []byte, nullAsNil bool) (lua.LValue, error) {
	r := &jsonReader{data: data, c: c, L: L, nullAsNil: nullAsNil, budget: c.decodeBudget, ctx: L.Context()}
	v, err := r.value()
	if err != nil {
		return lua.LNil, err
	}
	r.ws()
	if r.pos != len(data) {
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
	r := &jsonReader{data: raw}
	v, err := r.str()
	if err != nil {
		return ""
	}
	return v
}

// TopLevelRaw returns the raw JSON value of key in the object data, reading only as far
// as that key, or nil.
func TopLevelRaw(data []byte, key string) []byte {
	r := &jsonReader{data: data}
	r.ws()
	if r.pos >= len(data) || data[r.pos] != '{' {
		return nil
	}
	r.pos++
	for {
		r.ws()
		if r.pos >= len(data) || data[r.pos] != '"' {
			return nil
		}
		k, err := r.str()
		if err != nil {
			return nil
		}
		r.ws()
		if r.pos >= len(data) || data[r.pos] != ':' {
			return nil
		}
		r.pos++
		r.ws()
		start := r.pos
		if err := r.skip(); err != nil {
			return nil
		}
		if k == key {
			return data[start:r.pos]
		}
		r.ws()
		if r.pos >= len(data) || data[r.pos] != ',' {
			return nil
		}
		r.pos++
	}
}
