package host

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/luabot/luabot/internal/luanum"

	lua "github.com/yuin/gopher-lua"
)

// strFormat is string.format as Lua 5.1 does it on a C library: each
// conversion is read with 5.1's rules (flags from "-+ #0", at most two
// digits of width and of precision) and written as C's printf would, not
// as Go's fmt does (%x of -1 is ffffffffffffffff, %g has precision 6,
// infinity is "inf", %q escapes only what the Lua reader needs). Every
// piece is counted before the result is built, so it never passes the
// string cap: one conversion writes at most a few hundred bytes beyond
// its string argument.
func strFormat(L *lua.LState) int {
	f := L.CheckString(1)
	top := L.GetTop()
	// The pieces are collected first (a %s piece is its argument, not a
	// copy) and their sizes added up, so nothing over the cap is built.
	var pieces []string
	total := 0
	add := func(p string) {
		if len(p) > maxString-total {
			L.RaiseError("string.format: result would exceed %d bytes", maxString)
		}
		total += len(p)
		pieces = append(pieces, p)
	}
	arg := 1
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			j := strings.IndexByte(f[i:], '%')
			if j < 0 {
				j = len(f) - i
			}
			add(f[i : i+j])
			i += j - 1
			continue
		}
		if i+1 < len(f) && f[i+1] == '%' {
			add("%")
			i++
			continue
		}
		spec, verb, next := scanFormat(L, f, i+1)
		i = next
		arg++
		if arg > top {
			argError(L, arg, "format", "no value")
		}
		if verb == 'q' {
			s := checkString(L, arg, "format")
			if quotedLen(s) > maxString-total {
				L.RaiseError("string.format: result would exceed %d bytes", maxString)
			}
		}
		add(formatOne(L, arg, spec, verb))
	}
	var b strings.Builder
	b.Grow(total)
	for _, p := range pieces {
		b.WriteString(p)
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// formatSpec is one conversion's flags, width and precision.
type formatSpec struct {
	flags       string
	width, prec int // prec -1 when absent
}

func (s formatSpec) has(flag byte) bool { return strings.IndexByte(s.flags, flag) >= 0 }

// scanFormat reads the conversion starting at f[i] (just after its '%')
// and returns it with its letter and the index of that letter.
func scanFormat(L *lua.LState, f string, i int) (formatSpec, byte, int) {
	at := func(k int) byte {
		if k < len(f) {
			return f[k]
		}
		return 0
	}
	start := i
	for at(i) != 0 && strings.IndexByte("-+ #0", at(i)) >= 0 {
		i++
	}
	if i-start > 5 {
		L.RaiseError("invalid format (repeated flags)")
	}
	spec := formatSpec{flags: f[start:i], prec: -1}
	for n := 0; n < 2 && isDigit(at(i)); n++ {
		spec.width = spec.width*10 + int(at(i)-'0')
		i++
	}
	if at(i) == '.' {
		i++
		spec.prec = 0
		for n := 0; n < 2 && isDigit(at(i)); n++ {
			spec.prec = spec.prec*10 + int(at(i)-'0')
			i++
		}
	}
	if isDigit(at(i)) {
		L.RaiseError("invalid format (width or precision too long)")
	}
	return spec, at(i), i
}

// formatOne writes argument n with one conversion.
func formatOne(L *lua.LState, n int, spec formatSpec, verb byte) string {
	switch verb {
	case 'c':
		return pad(string([]byte{byte(cInt(checkNumber(L, n, "format")))}), spec)
	case 'd', 'i':
		v := cInt(checkNumber(L, n, "format"))
		return fmt.Sprintf(goIntFormat(spec, 'd', v == 0), v)
	case 'o', 'u', 'x', 'X':
		v := cUint(checkNumber(L, n, "format"))
		spec.flags = strings.NewReplacer("+", "", " ", "").Replace(spec.flags)
		if verb == 'u' {
			verb = 'd'
		}
		return fmt.Sprintf(goIntFormat(spec, verb, v == 0), v)
	case 'e', 'E', 'f', 'g', 'G':
		return formatFloat(float64(checkNumber(L, n, "format")), spec, verb)
	case 'q':
		return quoteString(checkString(L, n, "format"))
	case 's':
		s := checkString(L, n, "format")
		if spec.prec >= 0 && spec.prec < len(s) {
			s = s[:spec.prec]
		}
		return pad(s, spec)
	}
	if verb == 0 {
		L.RaiseError("%s", "invalid option '%' to 'format'")
	}
	L.RaiseError("invalid option '%%%c' to 'format'", verb)
	return ""
}

// goIntFormat builds the Go verb for an integer conversion. C prints no
// "0x" for %#x of zero (Go does) and ignores '0' when a precision is given.
func goIntFormat(spec formatSpec, verb byte, zero bool) string {
	flags := spec.flags
	if zero && (verb == 'x' || verb == 'X') {
		flags = strings.ReplaceAll(flags, "#", "")
	}
	if spec.prec >= 0 {
		flags = strings.ReplaceAll(flags, "0", "")
	}
	var b strings.Builder
	b.WriteByte('%')
	b.WriteString(flags)
	if spec.width > 0 {
		b.WriteString(strconv.Itoa(spec.width))
	}
	if spec.prec >= 0 {
		b.WriteString("." + strconv.Itoa(spec.prec))
	}
	b.WriteByte(verb)
	return b.String()
}

// formatFloat writes v as C's printf does; Go's fmt agrees once the
// precision is explicit, except for infinities and NaN.
func formatFloat(v float64, spec formatSpec, verb byte) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		s := "inf"
		if math.IsNaN(v) {
			s = "nan"
		}
		if verb == 'E' || verb == 'G' {
			s = strings.ToUpper(s)
		}
		switch {
		case math.Signbit(v):
			s = "-" + s
		case spec.has('+'):
			s = "+" + s
		case spec.has(' '):
			s = " " + s
		}
		return pad(s, spec)
	}
	if spec.prec < 0 {
		spec.prec = 6
	}
	return fmt.Sprintf(floatVerb(spec, verb), v)
}

// floatVerb is the Go verb for a float conversion with its precision.
func floatVerb(spec formatSpec, verb byte) string {
	var b strings.Builder
	b.WriteByte('%')
	b.WriteString(spec.flags)
	if spec.width > 0 {
		b.WriteString(strconv.Itoa(spec.width))
	}
	b.WriteString("." + strconv.Itoa(spec.prec))
	b.WriteByte(verb)
	return b.String()
}

// pad pads s to the spec's width with spaces, on the right for '-'.
// Widths count bytes, as C's do.
func pad(s string, spec formatSpec) string {
	if len(s) >= spec.width {
		return s
	}
	fill := strings.Repeat(" ", spec.width-len(s))
	if spec.has('-') {
		return s + fill
	}
	return fill + s
}

// quotedLen is the length of quoteString(s).
func quotedLen(s string) int {
	n := len(s) + 2
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"', '\\', '\n', '\r':
			n++
		case 0:
			n += 3
		}
	}
	return n
}

// quoteString is %q: a string the Lua reader reads back as s. As in 5.1,
// only '"', '\\', newline (as a backslash before a real newline), '\r'
// and '\0' are escaped; every other byte is written as it is.
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			b.WriteString(`\r`)
		case 0:
			b.WriteString(`\000`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// cInt converts as C's (long) cast does on amd64: toward zero, and the
// lowest long for what does not fit (NaN included).
func cInt(v lua.LNumber) int64 {
	f := float64(v)
	if math.IsNaN(f) || f >= 1<<63 || f < -(1<<63) {
		return math.MinInt64
	}
	return int64(f)
}

// cUint converts as C's (unsigned long) cast does on amd64 with gcc:
// below 2^63 through a signed conversion (so -1 is all ones), above it
// by subtracting 2^63 first.
func cUint(v lua.LNumber) uint64 {
	f := float64(v)
	if !(f >= 1<<63) {
		return uint64(cInt(v))
	}
	return uint64(cInt(lua.LNumber(f-(1<<63)))) ^ (1 << 63)
}

// checkNumber is luaL_checknumber: a number, or a string that reads as one.
func checkNumber(L *lua.LState, n int, fname string) lua.LNumber {
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		return v
	case lua.LString:
		if f, ok := str2number(string(v)); ok {
			return lua.LNumber(f)
		}
	}
	argError(L, n, fname, "number expected, got "+typeName(L, n))
	return 0
}

// checkString is luaL_checkstring: a string, or a number as text.
func checkString(L *lua.LState, n int, fname string) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return luanum.Format(v)
	}
	argError(L, n, fname, "string expected, got "+typeName(L, n))
	return ""
}

func typeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// argError raises Lua 5.1's "bad argument" error for argument n of fname.
func argError(L *lua.LState, n int, fname, msg string) {
	L.RaiseError("bad argument #%d to '%s' (%s)", n, fname, msg)
}
