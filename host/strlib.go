package host

import (
	"regexp"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxString bounds strings built by string.rep, string.format,
// table.concat and gsub. (The .. operator is a VM instruction with no hook;
// the memory watchdog bounds it.)
const maxString = 16 << 20

// installStringLimits replaces the string functions whose cost or result
// size a script could otherwise make unbounded inside one Go call.
func installStringLimits(L *lua.LState) {
	str := L.GetGlobal("string").(*lua.LTable)
	format := str.RawGetString("format").(*lua.LFunction)
	L.SetFuncs(str, map[string]lua.LGFunction{
		"find":   func(L *lua.LState) int { return strFind(L, true) },
		"match":  func(L *lua.LState) int { return strFind(L, false) },
		"gmatch": strGmatch,
		"gsub":   strGsub,
		"rep":    strRep,
		"format": cappedFormat(format),
	})
	str.RawSetString("dump", lua.LNil)
	tbl := L.GetGlobal("table").(*lua.LTable)
	tbl.RawSetString("concat", L.NewFunction(tableConcat))
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
// offset; ok is false when it lies past the end.
func startIndex(init, n int) (int, bool) {
	if init < 0 {
		init = n + init + 1
	}
	if init < 1 {
		init = 1
	}
	if init > n+1 {
		return 0, false
	}
	return init - 1, true
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
	init, ok := startIndex(L.OptInt(3, 1), len(src))
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
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
	pos := 0
	// As in gopher-lua (unlike Lua 5.1), a leading ^ anchors the first
	// match and ends the iteration after it.
	p := 0
	anchor := len(pat) > 0 && pat[0] == '^'
	if anchor {
		p = 1
	}
	L.Push(L.NewFunction(func(L *lua.LState) int {
		return runPattern(L, func() int {
			for s := pos; s <= len(src); s++ {
				m.level = 0
				if e := m.match(s, p); e != -1 {
					pos = e
					if e == s {
						pos++ // an empty match moves on by one
					}
					if anchor {
						pos = len(src) + 1
					}
					return pushCaptures(L, m, s, e, true)
				}
				if anchor {
					break
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
		p := 0
		anchor := len(pat) > 0 && pat[0] == '^'
		if anchor {
			p = 1
		}
		var out strings.Builder
		count := 0
		s := 0
		for count < limit {
			m.level = 0
			e := m.match(s, p)
			if e != -1 {
				count++
				addReplacement(L, m, &out, s, e, repl)
			}
			switch {
			case e != -1 && e > s:
				s = e
			case s < len(src):
				out.WriteByte(src[s])
				s++
			default:
				s = len(src) + 1
			}
			if out.Len() > maxString {
				L.RaiseError("string.gsub: result would exceed %d bytes", maxString)
			}
			if s > len(src) || anchor {
				break
			}
		}
		if s < len(src) {
			out.WriteString(src[s:])
		}
		L.Push(lua.LString(out.String()))
		L.Push(lua.LNumber(count))
		return 2
	})
}

func addReplacement(L *lua.LState, m *matcher, out *strings.Builder, s, e int, repl lua.LValue) {
	whole := m.src[s:e]
	var v lua.LValue
	switch r := repl.(type) {
	case lua.LString, lua.LNumber:
		text := lua.LVAsString(r)
		for i := 0; i < len(text); i++ {
			c := text[i]
			if c != '%' || i+1 >= len(text) {
				out.WriteByte(c)
				continue
			}
			i++
			switch d := text[i]; {
			case d == '0':
				out.WriteString(whole)
			case isDigit(d):
				str, pos, isPos := m.captureValue(int(d-'1'), s, e)
				if isPos {
					out.WriteString(lua.LNumber(pos).String())
				} else {
					out.WriteString(str)
				}
			default:
				out.WriteByte(d)
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
		out.WriteString(whole)
	case lua.LBool:
		if v {
			L.RaiseError("invalid replacement value (a boolean)")
		}
		out.WriteString(whole)
	case lua.LString, lua.LNumber:
		out.WriteString(lua.LVAsString(v))
	default:
		L.RaiseError("invalid replacement value (a %s)", v.Type())
	}
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

// formatSpec matches one conversion; Lua allows at most two digits of
// width and precision, which keeps the result bounded by the arguments.
var formatSpec = regexp.MustCompile(`%[-+ #0]*(\d*)(?:\.(\d*))?[a-zA-Z%]`)

func cappedFormat(format *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		f := L.CheckString(1)
		for _, m := range formatSpec.FindAllStringSubmatch(f, -1) {
			if len(m[1]) > 2 || len(m[2]) > 2 {
				L.RaiseError("invalid format %q (width or precision too long)", m[0])
			}
		}
		top := L.GetTop()
		L.Push(format)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, 1)
		if s, ok := L.Get(-1).(lua.LString); ok && len(s) > maxString {
			L.RaiseError("string.format: result exceeds %d bytes", maxString)
		}
		return 1
	}
}

func tableConcat(L *lua.LState) int {
	t := L.CheckTable(1)
	sep := L.OptString(2, "")
	i := L.OptInt(3, 1)
	j := L.OptInt(4, t.Len())
	if i > j {
		L.Push(lua.LString(""))
		return 1
	}
	if j-i > maxString {
		L.RaiseError("table.concat: too many elements")
	}
	total := 0
	parts := make([]string, 0, j-i+1)
	for k := i; k <= j; k++ {
		v := t.RawGetInt(k)
		switch v.(type) {
		case lua.LString, lua.LNumber:
		default:
			L.RaiseError("invalid value (at index %d) in table for 'concat'", k)
		}
		s := lua.LVAsString(v)
		total += len(s) + len(sep)
		if total > maxString {
			L.RaiseError("table.concat: result would exceed %d bytes", maxString)
		}
		parts = append(parts, s)
	}
	L.Push(lua.LString(strings.Join(parts, sep)))
	return 1
}
