package bindings

import (
	"unicode/utf8"

	"github.com/luabot/luabot/internal/luanum"

	lua "github.com/yuin/gopher-lua"
)

// openUTF8 installs a utf8 module after Lua 5.3's, which Lua 5.1 lacks and
// chat text (Chinese above all) needs: string.len and string.sub count
// bytes, these count characters.
//
//	utf8.len(s, [i], [j])        characters in s[i..j], or nil, pos of the first invalid byte
//	utf8.char(...)               the characters with these code points
//	utf8.codepoint(s, [i], [j])  code points of the characters starting in s[i..j]
//	utf8.offset(s, n, [i])       byte position where the n-th character (from i) starts
//	for pos, cp in utf8.codes(s) do ... end
//	utf8.charpattern             a pattern matching one character
func (b *binder) openUTF8() {
	mod := b.L.CreateTable(0, 6)
	b.L.SetFuncs(mod, map[string]lua.LGFunction{
		"len": func(L *lua.LState) int {
			s := utf8Text(L, 1)
			i, j := byteRange(L, len(s), 2, 1, -1)
			n := 0
			for p := i; p < j; {
				r, size := utf8.DecodeRuneInString(s[p:])
				if r == utf8.RuneError && size <= 1 {
					L.Push(lua.LNil)
					L.Push(lua.LNumber(p + 1))
					return 2
				}
				p += size
				n++
			}
			L.Push(lua.LNumber(n))
			return 1
		},
		"char": func(L *lua.LState) int {
			// At most 4 bytes a character; the VM's stack already bounds
			// how many arguments there can be, this says so.
			if 4*L.GetTop() > maxEncoded {
				raise(L, "utf8.char: too many characters")
			}
			buf := make([]byte, 0, 4*L.GetTop())
			for k := 1; k <= L.GetTop(); k++ {
				cp := L.CheckInt(k)
				if cp < 0 || cp > utf8.MaxRune {
					L.ArgError(k, "value out of range")
				}
				buf = utf8.AppendRune(buf, rune(cp))
			}
			L.Push(lua.LString(buf))
			return 1
		},
		"codepoint": func(L *lua.LState) int {
			s := utf8Text(L, 1)
			start := L.OptInt(2, 1)
			i, j := byteRange(L, len(s), 2, start, start)
			n := 0
			for p := i; p < j && p < len(s); {
				r, size := utf8.DecodeRuneInString(s[p:])
				if r == utf8.RuneError && size <= 1 {
					L.RaiseError("invalid UTF-8 code at byte %d", p+1)
				}
				L.Push(lua.LNumber(r))
				n++
				p += size
			}
			return n
		},
		"offset": func(L *lua.LState) int {
			s := utf8Text(L, 1)
			n := L.CheckInt(2)
			def := 1
			if n < 0 {
				def = len(s) + 1
			}
			p := L.OptInt(3, def) - 1
			if p < 0 || p > len(s) {
				L.ArgError(3, "position out of range")
			}
			if n == 0 {
				for p > 0 && !utf8.RuneStart(s[p]) {
					p--
				}
				L.Push(lua.LNumber(p + 1))
				return 1
			}
			if p < len(s) && !utf8.RuneStart(s[p]) {
				L.RaiseError("initial position is a continuation byte")
			}
			if n > 0 {
				for n--; n > 0 && p < len(s); n-- {
					_, size := utf8.DecodeRuneInString(s[p:])
					p += size
				}
			} else {
				for ; n < 0 && p > 0; n++ {
					_, size := utf8.DecodeLastRuneInString(s[:p])
					p -= size
				}
			}
			if n != 0 {
				L.Push(lua.LNil)
				return 1
			}
			L.Push(lua.LNumber(p + 1))
			return 1
		},
		"codes": func(L *lua.LState) int {
			s := utf8Text(L, 1)
			p := 0
			L.Push(L.NewFunction(func(L *lua.LState) int {
				if p >= len(s) {
					return 0
				}
				r, size := utf8.DecodeRuneInString(s[p:])
				if r == utf8.RuneError && size <= 1 {
					L.RaiseError("invalid UTF-8 code at byte %d", p+1)
				}
				L.Push(lua.LNumber(p + 1))
				L.Push(lua.LNumber(r))
				p += size
				return 2
			}))
			return 1
		},
	})
	mod.RawSetString("charpattern", lua.LString("[\x00-\x7F\xC2-\xFD][\x80-\xBF]*"))
	b.L.SetGlobal("utf8", mod)
}

// byteRange reads optional 1-based, possibly negative, inclusive byte
// positions at arguments n and n+1 and returns them as a half-open
// 0-based range clamped to the string.
func byteRange(L *lua.LState, length, n, defI, defJ int) (int, int) {
	i, j := L.OptInt(n, defI), L.OptInt(n+1, defJ)
	if i < 0 {
		i = length + i + 1
	}
	if j < 0 {
		j = length + j + 1
	}
	i = max(i, 1)
	j = min(j, length)
	if i > j {
		return 0, 0
	}
	return i - 1, j
}

// utf8Text is argument n as a string; a number is written as Lua's
// tostring writes it.
func utf8Text(L *lua.LState, n int) string {
	if s, ok := luanum.String(L.Get(n)); ok {
		return s
	}
	return L.CheckString(n)
}
