package luanum

import (
	"math"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// maxPlain bounds the integers %.14g writes with all their digits: from
// 10^14 on it switches to an exponent (1e+14).
const maxPlain = 1e14

// Format is n as Lua 5.1's tostring writes it: C's "%.14g". Integers
// below 10^14 take a fast path; -0 is "-0", infinities "inf" and "-inf",
// and NaN "nan" or "-nan" after its sign bit, as glibc's printf writes them.
func Format(n lua.LNumber) string {
	f := float64(n)
	if f > -maxPlain && f < maxPlain && f == math.Trunc(f) {
		if f == 0 && math.Signbit(f) {
			return "-0"
		}
		return strconv.FormatInt(int64(f), 10)
	}
	return string(AppendSlow(nil, f))
}

// Append appends Format(n) to b.
func Append(b []byte, n lua.LNumber) []byte {
	f := float64(n)
	if f > -maxPlain && f < maxPlain && f == math.Trunc(f) && !(f == 0 && math.Signbit(f)) {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return AppendSlow(b, f)
}

// AppendSlow appends f in "%.14g" without the integer fast path.
func AppendSlow(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(b, "-nan"...)
		}
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	// Go's 'g' with a precision is C's %g: at most 14 significant digits,
	// trailing zeros dropped, an exponent of at least two digits from
	// 1e-5 down and from 1e14 up.
	return strconv.AppendFloat(b, f, 'g', 14, 64)
}

// String is v as text where Lua 5.1 converts it implicitly (lua_tolstring):
// a string as it is, a number as Format writes it; ok is false for any
// other value.
func String(v lua.LValue) (s string, ok bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return Format(v), true
	}
	return "", false
}

// ToString is Lua 5.1's tostring(v): the result of v's __tostring
// metamethod when it has one, else v as text, numbers as Format writes them.
func ToString(L *lua.LState, v lua.LValue) lua.LValue {
	switch v := v.(type) {
	case lua.LString:
		return v
	case lua.LNumber:
		return lua.LString(Format(v))
	}
	if fn, ok := L.GetMetaField(v, "__tostring").(*lua.LFunction); ok {
		L.Push(fn)
		L.Push(v)
		L.Call(1, 1)
		r := L.Get(-1)
		L.Pop(1)
		return r
	}
	return lua.LString(v.String())
}

// Text is ToString(L, v) as a Go string: a number that __tostring
// returns is written as Format writes it too.
func Text(L *lua.LState, v lua.LValue) string {
	r := ToString(L, v)
	if s, ok := String(r); ok {
		return s
	}
	return r.String()
}
