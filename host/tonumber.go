package host

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// luaTonumber is Lua 5.1's tonumber. In base 10 a string is read as C's
// strtod reads it (exponents, hexadecimal, "inf" and "nan"), with spaces
// around it; gopher-lua's read no exponent. In another base it is read as
// strtoul reads it, a minus sign wrapping around 2^64 as in C.
func luaTonumber(L *lua.LState) int {
	base := 10
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		base = int(cInt(checkNumber(L, 2, "tonumber")))
	}
	if base == 10 {
		if L.GetTop() < 1 {
			argError(L, 1, "tonumber", "value expected")
		}
		switch v := L.Get(1).(type) {
		case lua.LNumber:
			L.Push(v)
			return 1
		case lua.LString:
			if f, ok := str2number(string(v)); ok {
				L.Push(lua.LNumber(f))
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}
	s := checkString(L, 1, "tonumber")
	if base < 2 || base > 36 {
		argError(L, 2, "tonumber", "base out of range")
	}
	if n, rest, ok := strtoul(cString(s), base); ok && strings.TrimLeft(rest, cSpace) == "" {
		L.Push(lua.LNumber(n))
		return 1
	}
	L.Push(lua.LNil)
	return 1
}

// cSpace is what C's isspace accepts.
const cSpace = " \t\n\v\f\r"

// cString is s as a C function sees it: up to its first NUL byte.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// str2number is 5.1's luaO_str2d: strtod, then strtoul in base 16 when
// strtod stopped at an 'x', then nothing but spaces.
func str2number(s string) (float64, bool) {
	s = cString(s)
	f, rest, ok := strtod(s)
	if !ok {
		return 0, false
	}
	if rest != "" && (rest[0] == 'x' || rest[0] == 'X') {
		n, r, _ := strtoul(s, 16)
		f, rest = float64(n), r
	}
	return f, strings.TrimLeft(rest, cSpace) == ""
}

// strtod reads a number at the start of s as glibc's strtod does and
// returns it with what follows; ok is false when nothing was read.
func strtod(s string) (float64, string, bool) {
	t := strings.TrimLeft(s, cSpace)
	i := 0
	neg := false
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		neg = t[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	body := t[i:]
	lower := strings.ToLower(body)
	switch {
	case strings.HasPrefix(lower, "infinity"):
		return sign(math.Inf(1)), body[8:], true
	case strings.HasPrefix(lower, "inf"):
		return sign(math.Inf(1)), body[3:], true
	case strings.HasPrefix(lower, "nan"):
		rest := body[3:]
		if strings.HasPrefix(rest, "(") {
			j := 1
			for j < len(rest) && (isAlnum(rest[j]) || rest[j] == '_') {
				j++
			}
			if j < len(rest) && rest[j] == ')' {
				rest = rest[j+1:]
			}
		}
		return sign(math.NaN()), rest, true
	}
	hex := len(body) >= 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')
	digit := isDigit
	j := 0
	if hex {
		digit = isHexDigit
		j = 2
	}
	nd := 0
	for j < len(body) && digit(body[j]) {
		j, nd = j+1, nd+1
	}
	if j < len(body) && body[j] == '.' {
		j++
		for j < len(body) && digit(body[j]) {
			j, nd = j+1, nd+1
		}
	}
	if nd == 0 {
		if hex { // "0x" with no digit: strtod reads the 0
			return sign(0), body[1:], true
		}
		return 0, s, false
	}
	end := j
	exp := byte('e')
	if hex {
		exp = 'p'
	}
	if j < len(body) && (body[j]|0x20) == exp {
		k := j + 1
		if k < len(body) && (body[k] == '+' || body[k] == '-') {
			k++
		}
		if k < len(body) && isDigit(body[k]) {
			for k < len(body) && isDigit(body[k]) {
				k++
			}
			end = k
		}
	}
	text := body[:end]
	if hex && !strings.ContainsAny(text, "pP") {
		text += "p0"
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !isRangeError(err) {
		return 0, s, false
	}
	return sign(f), body[end:], true
}

func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// strtoul reads an unsigned number in base at the start of s as C's
// strtoul does: spaces, a sign (a minus negates modulo 2^64), "0x" in
// base 16, digits; past 2^64-1 it gives 2^64-1. ok is false when no
// digit was read.
func strtoul(s string, base int) (uint64, string, bool) {
	t := strings.TrimLeft(s, cSpace)
	i := 0
	neg := false
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		neg = t[i] == '-'
		i++
	}
	if base == 16 && strings.HasPrefix(strings.ToLower(t[i:]), "0x") && i+2 < len(t) && digitValue(t[i+2]) < 16 {
		i += 2
	}
	var n uint64
	over := false
	start := i
	for ; i < len(t); i++ {
		d := digitValue(t[i])
		if d >= base {
			break
		}
		if n > (math.MaxUint64-uint64(d))/uint64(base) {
			over = true
		}
		n = n*uint64(base) + uint64(d)
	}
	if i == start {
		return 0, s, false
	}
	if over {
		return math.MaxUint64, t[i:], true
	}
	if neg {
		n = -n
	}
	return n, t[i:], true
}

func digitValue(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

func isHexDigit(c byte) bool { return digitValue(c) < 16 }

func isAlnum(c byte) bool { return digitValue(c) < 36 }
