package host

import (
	"strings"

	"github.com/luabot/luabot/internal/luanum"

	lua "github.com/yuin/gopher-lua"
)

// maxString bounds every string a script builds: string.rep, format,
// gsub, table.concat and .. (concat.go). Each computes or
// bounds its result's size before allocating it.
const maxString = 16 << 20

// installStringLimits replaces the string functions whose cost or result
// size a script could otherwise make unbounded inside one Go call.
func installStringLimits(L *lua.LState) {
	str := L.GetGlobal("string").(*lua.LTable)
	L.SetFuncs(str, map[string]lua.LGFunction{
		"find":   func(L *lua.LState) int { return strFind(L, true) },
		"match":  func(L *lua.LState) int { return strFind(L, false) },
		"gmatch": strGmatch,
		"gsub":   strGsub,
		"rep":    strRep,
		"format": strFormat, // format.go
		"upper":  func(L *lua.LState) int { return mapCase(L, asciiUpper) },
		"lower":  func(L *lua.LState) int { return mapCase(L, asciiLower) },
	})
	str.RawSetString("dump", lua.LNil)
	// Lua 5.1 defines gfind as gmatch; gopher-lua's gfind is its old
	// matcher, outside the step budget and the CPU limit.
	str.RawSetString("gfind", str.RawGetString("gmatch"))
	tbl := L.GetGlobal("table").(*lua.LTable)
	tbl.RawSetString("concat", L.NewFunction(tableConcat))
	tbl.RawSetString("sort", L.NewFunction(sortedTable)) // tablesort.go
}

// runPattern runs f, turning a matcher failure into a Lua error.
func runPattern(L *lua.LState, f func() int) (n int) {
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(patternError)
			if !ok {
				panic(r)
			}
			L.RaiseError("%s", pe.msg)
		}
	}()
	return f()
}

// startIndex turns Lua's 1-based, possibly negative init into a 0-based
// offset, clamped to the string as Lua 5.1 does: an init past the end
// starts at the end, so the pattern is still read (and can still match
// the empty string there, or be found malformed).
func startIndex(init, n int) int {
	if init < 0 {
		init = n + init + 1
	}
	if init < 1 {
		init = 1
	}
	if init > n+1 {
		init = n + 1
	}
	return init - 1
}

func pushCaptures(L *lua.LState, m *matcher, s, e int, wholeIfNone bool) int {
	n := m.level
	if n == 0 && wholeIfNone {
		n = 1
	}
	for i := 0; i < n; i++ {
		str, pos, isPos := m.captureValue(i, s, e)
		if isPos {
			L.Push(lua.LNumber(pos))
		} else {
			L.Push(lua.LString(str))
		}
	}
	return n
}

func strFind(L *lua.LState, find bool) int {
	src := L.CheckString(1)
	pat := L.CheckString(2)
	init := startIndex(L.OptInt(3, 1), len(src))
	if find && (L.ToBool(4) || !strings.ContainsAny(pat, "^$*+?.([%-")) {
		i := strings.Index(src[init:], pat)
		if i < 0 {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LNumber(init + i + 1))
		L.Push(lua.LNumber(init + i + len(pat)))
		return 2
	}
	return runPattern(L, func() int {
		m := newMatcher(src, pat)
		m.ctx = L.Context()
		p := 0
		anchor := len(pat) > 0 && pat[0] == '^'
		if anchor {
			p = 1
		}
		for s := init; ; s++ {
			m.level = 0
			if e := m.match(s, p); e != -1 {
				if find {
					L.Push(lua.LNumber(s + 1))
					L.Push(lua.LNumber(e))
					return 2 + pushCaptures(L, m, s, e, false)
				}
				return pushCaptures(L, m, s, e, true)
			}
			if anchor || s >= len(src) {
				break
			}
		}
		L.Push(lua.LNil)
		return 1
	})
}

func strGmatch(L *lua.LState) int {
	src := L.CheckString(1)
	pat := L.CheckString(2)
	m := newMatcher(src, pat)
	m.ctx = L.Context()
	pos := 0
	// As in Lua 5.1 (unlike gopher-lua), a leading ^ means nothing special
	// to gmatch: an anchored iteration would make no sense, so 5.1's
	// matcher reads it as the character ^.
	const p = 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		m.ctx = L.Context()
		return runPattern(L, func() int {
			for s := pos; s <= len(src); s++ {
				m.level = 0
				if e := m.match(s, p); e != -1 {
					pos = e
					if e == s {
						pos++ // an empty match moves on by one
					}
					return pushCaptures(L, m, s, e, true)
				}
			}
			pos = len(src) + 1
			return 0
		})
	}))
	return 1
}

func strGsub(L *lua.LState) int {
	src := L.CheckString(1)
	pat := L.CheckString(2)
	repl := L.Get(3)
	switch repl.(type) {
	case lua.LString, lua.LNumber, *lua.LTable, *lua.LFunction:
	default:
		L.ArgError(3, "string/function/table expected, got "+repl.Type().String())
	}
	limit := L.OptInt(4, len(src)+1)
	return runPattern(L, func() int {
		m := newMatcher(src, pat)
		m.ctx = L.Context()
		p := 0
		anchor := len(pat) > 0 && pat[0] == '^'
		if anchor {
			p = 1
		}
		out := &cappedBuilder{L: L, what: "string.gsub"}
		count := 0
		s := 0
		for count < limit {
			m.level = 0
			e := m.match(s, p)
			if e != -1 {
				count++
				addReplacement(L, m, out, s, e, repl)
			}
			switch {
			case e != -1 && e > s:
				s = e
			case s < len(src):
				out.add(src[s : s+1])
				s++
			default:
				s = len(src) + 1
			}
			if s > len(src) || anchor {
				break
			}
		}
		if s < len(src) {
			out.add(src[s:])
		}
		L.Push(lua.LString(out.String()))
		L.Push(lua.LNumber(count))
		return 2
	})
}

// cappedBuilder builds a string result, raising a Lua error before a
// write would take it past the string cap, so that no replacement (a
// thousand copies of a 1 MiB match) is built before the limit looks.
type cappedBuilder struct {
	strings.Builder
	L    *lua.LState
	what string
}

func (b *cappedBuilder) add(s string) {
	if len(s) > maxString-b.Len() {
		b.L.RaiseError("%s: result would exceed %d bytes", b.what, maxString)
	}
	b.WriteString(s)
}

func addReplacement(L *lua.LState, m *matcher, out *cappedBuilder, s, e int, repl lua.LValue) {
	whole := m.src[s:e]
	var v lua.LValue
	switch r := repl.(type) {
	case lua.LString, lua.LNumber:
		text, _ := luanum.String(r)
		for i := 0; i < len(text); i++ {
			c := text[i]
			if c != '%' || i+1 >= len(text) {
				out.add(text[i : i+1])
				continue
			}
			i++
			switch d := text[i]; {
			case d == '0':
				out.add(whole)
			case isDigit(d):
				str, pos, isPos := m.captureValue(int(d-'1'), s, e)
				if isPos {
					out.add(lua.LNumber(pos).String())
				} else {
					out.add(str)
				}
			default:
				out.add(text[i : i+1])
			}
		}
		return
	case *lua.LTable:
		str, pos, isPos := m.captureValue(0, s, e)
		key := lua.LValue(lua.LString(str))
		if isPos {
			key = lua.LNumber(pos)
		}
		v = L.GetTable(r, key)
	case *lua.LFunction:
		top := L.GetTop()
		L.Push(r)
		n := pushCaptures(L, m, s, e, true)
		L.Call(n, 1)
		v = L.Get(-1)
		L.SetTop(top)
	}
	switch v := v.(type) {
	case *lua.LNilType:
		out.add(whole)
	case lua.LBool:
		if v {
			L.RaiseError("invalid replacement value (a boolean)")
		}
		out.add(whole)
	case lua.LString, lua.LNumber:
		text, _ := luanum.String(v)
		out.add(text)
	default:
		L.RaiseError("invalid replacement value (a %s)", v.Type())
	}
}

// mapCase is string.upper/lower as Lua 5.1 does them in the C locale:
// byte by byte, changing only ASCII letters. Text in any encoding (UTF-8,
// GBK) keeps every other byte, and the result is as long as the input.
func mapCase(L *lua.LState, to func(byte) byte) int {
	s := L.CheckString(1)
	buf := []byte(s)
	for i, c := range buf {
		buf[i] = to(c)
	}
	L.Push(lua.LString(buf))
	return 1
}

func asciiUpper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c - 'A' + 'a'
	}
	return c
}

func strRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := L.CheckInt(2)
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	if n > maxString || len(s)*n > maxString {
		L.RaiseError("string.rep: result would exceed %d bytes", maxString)
	}
	L.Push(lua.LString(strings.Repeat(s, n)))
	return 1
}

// tableConcat is table.concat with the result's size added up before
// anything is built.
func tableConcat(L *lua.LState) int {
	t := L.CheckTable(1)
	sep := ""
	if L.Get(2) != lua.LNil {
		sep = checkString(L, 2, "concat") // a number too, as in 5.1
	}
	i := L.OptInt(3, 1)
	j := L.OptInt(4, t.Len())
	if i > j {
		L.Push(lua.LString(""))
		return 1
	}
	total := 0
	for k := i; k <= j; k++ {
		v := t.RawGetInt(k)
		switch v.(type) {
		case lua.LString, lua.LNumber:
		default:
			L.RaiseError("invalid value (at index %d) in table for 'concat'", k)
		}
		if k > i {
			total += len(sep)
		}
		if v, ok := v.(lua.LString); ok {
			total += len(v)
		} else {
			total += 24 // a number's text is shorter than this
		}
		if total > maxString {
			L.RaiseError("table.concat: result would exceed %d bytes", maxString)
		}
	}
	out := &cappedBuilder{L: L, what: "table.concat"}
	out.Grow(min(total, maxString))
	for k := i; k <= j; k++ {
		if k > i {
			out.add(sep)
		}
		text, _ := luanum.String(t.RawGetInt(k))
		out.add(text)
	}
	L.Push(lua.LString(out.String()))
	return 1
}
