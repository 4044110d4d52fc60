package host

import (
	"context"
	"fmt"
)

// A Lua 5.1 pattern matcher with a step budget.
//
// gopher-lua's own matcher only bounds recursion depth: patterns such as
// ("a*"):rep(20) .. "c" take exponential time, and gsub copies its buffer
// on every match, all inside one Go call that no context can interrupt.
// This matcher counts its steps and gives up with an error once a budget
// proportional to the subject's length is spent, and gsub builds its
// result in linear time.

const (
	capUnfinished = -1
	capPosition   = -2
	maxCaptures   = 32
	maxMatchDepth = 200
)

// patternError is raised (as a panic inside the matcher, recovered by the
// string functions) for malformed patterns and exhausted budgets.
type patternError struct{ msg string }

type capture struct{ init, len int }

type matcher struct {
	src, pat string
	level    int
	captures [maxCaptures]capture
	steps    int
	depth    int
	// ctx, when set, is the calling handler's: a long match stops as soon
	// as the handler's CPU budget is spent, not only when the step budget
	// is (which on a 16 MiB text is over a billion steps).
	ctx context.Context
}

// patternBudget is how many steps one call may take on src: generous for
// any linear scan, far short of a pathological backtrack.
func patternBudget(src string) int { return 1_000_000 + 100*len(src) }

func newMatcher(src, pat string) *matcher {
	return &matcher{src: src, pat: pat, steps: patternBudget(src)}
}

func (m *matcher) fail(format string, args ...any) {
	panic(patternError{msg: fmt.Sprintf(format, args...)})
}

func (m *matcher) step() {
	m.steps--
	if m.steps < 0 {
		m.fail("pattern too complex for this text (it would take too long); simplify the pattern or shorten the text")
	}
	if m.steps&0x3fff == 0 && m.ctx != nil && m.ctx.Err() != nil {
		m.fail("pattern matching stopped: the handler ran out of its CPU budget")
	}
}

// classEnd returns the index just past the single-character class at p.
func (m *matcher) classEnd(p int) int {
	pat := m.pat
	n := len(pat)
	c := pat[p]
	p++
	switch c {
	case '%':
		if p >= n {
			m.fail("malformed pattern (ends with '%%')")
		}
		return p + 1
	case '[':
		if p < n && pat[p] == '^' {
			p++
		}
		for {
			// The first character after [ or [^ is part of the set, even ']'.
			if p >= n {
				m.fail("malformed pattern (missing ']')")
			}
			c := pat[p]
			p++
			if c == '%' && p < n {
				p++
			}
			if p >= n {
				m.fail("malformed pattern (missing ']')")
			}
			if pat[p] == ']' {
				return p + 1
			}
		}
	}
	return p
}

func isLower(c byte) bool  { return 'a' <= c && c <= 'z' }
func isUpper(c byte) bool  { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool  { return isLower(c) || isUpper(c) }
func isSpace(c byte) bool  { return c == ' ' || ('\t' <= c && c <= '\r') }
func isCntrl(c byte) bool  { return c < 32 || c == 127 }
func isPunct(c byte) bool  { return c > 32 && c < 127 && !isAlpha(c) && !isDigit(c) }
func isXDigit(c byte) bool { return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F') }

// matchClass reports whether c is in the class %cl (lowercase) or its
// complement (uppercase); any other cl stands for itself.
func matchClass(c, cl byte) bool {
	var res bool
	switch cl | 0x20 {
	case 'a':
		res = isAlpha(c)
	case 'c':
		res = isCntrl(c)
	case 'd':
		res = isDigit(c)
	case 'l':
		res = isLower(c)
	case 'p':
		res = isPunct(c)
	case 's':
		res = isSpace(c)
	case 'u':
		res = isUpper(c)
	case 'w':
		res = isAlpha(c) || isDigit(c)
	case 'x':
		res = isXDigit(c)
	case 'z':
		res = c == 0
	default:
		return cl == c
	}
	if isUpper(cl) {
		return !res
	}
	return res
}

// matchBracket reports whether c is in the set pat[p:ec+1] ("[...]").
func (m *matcher) matchBracket(c byte, p, ec int) bool {
	pat := m.pat
	in := true
	if pat[p+1] == '^' {
		in = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case pat[p] == '%':
			p++
			if matchClass(c, pat[p]) {
				return in
			}
		case p+2 < ec && pat[p+1] == '-':
			if pat[p] <= c && c <= pat[p+2] {
				return in
			}
			p += 2
		case pat[p] == c:
			return in
		}
	}
	return !in
}

func (m *matcher) single(s, p, ep int) bool {
	if s >= len(m.src) {
		return false
	}
	c := m.src[s]
	switch m.pat[p] {
	case '.':
		return true
	case '%':
		return matchClass(c, m.pat[p+1])
	case '[':
		return m.matchBracket(c, p, ep-1)
	}
	return m.pat[p] == c
}

// match tries pattern pat[p:] at src[s:] and returns the end of the
// match, or -1.
func (m *matcher) match(s, p int) int {
	m.depth++
	if m.depth > maxMatchDepth {
		m.fail("pattern too complex (nested too deeply)")
	}
	defer func() { m.depth-- }()
	pat := m.pat
	for {
		m.step()
		if p == len(pat) {
			return s
		}
		switch pat[p] {
		case '(':
			if p+1 < len(pat) && pat[p+1] == ')' {
				return m.startCapture(s, p+2, capPosition)
			}
			return m.startCapture(s, p+1, capUnfinished)
		case ')':
			return m.endCapture(s, p+1)
		case '$':
			if p+1 == len(pat) {
				if s == len(m.src) {
					return s
				}
				return -1
			}
		case '%':
			if p+1 < len(pat) {
				switch c := pat[p+1]; {
				case c == 'b':
					if s = m.matchBalance(s, p+2); s == -1 {
						return -1
					}
					p += 4
					continue
				case c == 'f':
					p += 2
					if p >= len(pat) || pat[p] != '[' {
						m.fail("missing '[' after '%%f' in pattern")
					}
					ep := m.classEnd(p)
					var prev, cur byte
					if s > 0 {
						prev = m.src[s-1]
					}
					if s < len(m.src) {
						cur = m.src[s]
					}
					if m.matchBracket(prev, p, ep-1) || !m.matchBracket(cur, p, ep-1) {
						return -1
					}
					p = ep
					continue
				case isDigit(c):
					if s = m.matchBackref(s, c); s == -1 {
						return -1
					}
					p += 2
					continue
				}
			}
		}
		ep := m.classEnd(p)
		matched := m.single(s, p, ep)
		if ep < len(pat) {
			switch pat[ep] {
			case '?':
				if matched {
					if r := m.match(s+1, ep+1); r != -1 {
						return r
					}
				}
				p = ep + 1
				continue
			case '*':
				return m.maxExpand(s, p, ep)
			case '+':
				if !matched {
					return -1
				}
				return m.maxExpand(s+1, p, ep)
			case '-':
				return m.minExpand(s, p, ep)
			}
		}
		if !matched {
			return -1
		}
		s++
		p = ep
	}
}

func (m *matcher) maxExpand(s, p, ep int) int {
	i := 0
	for m.single(s+i, p, ep) {
		m.step()
		i++
	}
	for ; i >= 0; i-- {
		if r := m.match(s+i, ep+1); r != -1 {
			return r
		}
	}
	return -1
}

func (m *matcher) minExpand(s, p, ep int) int {
	for {
		if r := m.match(s, ep+1); r != -1 {
			return r
		}
		if !m.single(s, p, ep) {
			return -1
		}
		s++
	}
}

func (m *matcher) startCapture(s, p, what int) int {
	if m.level >= maxCaptures {
		m.fail("too many captures")
	}
	m.captures[m.level] = capture{init: s, len: what}
	m.level++
	r := m.match(s, p)
	if r == -1 {
		m.level--
	}
	return r
}

func (m *matcher) endCapture(s, p int) int {
	l := -1
	for i := m.level - 1; i >= 0; i-- {
		if m.captures[i].len == capUnfinished {
			l = i
			break
		}
	}
	if l < 0 {
		m.fail("invalid pattern capture")
	}
	m.captures[l].len = s - m.captures[l].init
	r := m.match(s, p)
	if r == -1 {
		m.captures[l].len = capUnfinished
	}
	return r
}

func (m *matcher) matchBalance(s, p int) int {
	if p+1 >= len(m.pat) {
		m.fail("unbalanced pattern") // 5.1's words for a %b without its two characters
	}
	if s >= len(m.src) || m.src[s] != m.pat[p] {
		return -1
	}
	open, closing := m.pat[p], m.pat[p+1]
	depth := 1
	for i := s + 1; i < len(m.src); i++ {
		m.step()
		switch m.src[i] {
		case closing:
			depth--
			if depth == 0 {
				return i + 1
			}
		case open:
			depth++
		}
	}
	return -1
}

func (m *matcher) matchBackref(s int, digit byte) int {
	i := int(digit - '1')
	if i < 0 || i >= m.level || m.captures[i].len == capUnfinished {
		m.fail("invalid capture index")
	}
	c := m.captures[i]
	if c.len < 0 {
		// A position capture: 5.1 compares its length, -2 read as a
		// huge size, with the rest of the text, so it never matches.
		return -1
	}
	want := m.src[c.init : c.init+c.len]
	if len(m.src)-s >= len(want) && m.src[s:s+len(want)] == want {
		return s + len(want)
	}
	return -1
}

// captureValue returns capture i of a match src[s:e]: a string, or a
// 1-based position for (). With no captures, capture 0 is the match.
func (m *matcher) captureValue(i, s, e int) (str string, pos int, isPos bool) {
	if i >= m.level {
		if i != 0 {
			m.fail("invalid capture index")
		}
		return m.src[s:e], 0, false
	}
	c := m.captures[i]
	switch c.len {
	case capUnfinished:
		m.fail("unfinished capture")
	case capPosition:
		return "", c.init + 1, true
	}
	return m.src[c.init : c.init+c.len], 0, false
}
