package host

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// patternGen builds random patterns from every piece Lua 5.1 patterns
// have (classes, sets, quantifiers, anchors, captures, position captures,
// %b, %f, back references), malformed ones included.
type patternGen struct{ r *rand.Rand }

func (g patternGen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }

func (g patternGen) item() string {
	switch g.r.Intn(12) {
	case 0, 1:
		return g.pick("a", "b", "c", ".", "x")
	case 2:
		return g.pick("%a", "%d", "%s", "%w", "%p", "%l", "%u", "%A", "%D", "%.")
	case 3:
		return g.pick("[ab]", "[^a]", "[a-c]", "[%d%s]", "[^%w]", "[]]", "[^]]", "[a-]")
	case 4:
		return g.item() + g.pick("*", "+", "-", "?")
	case 5:
		return "(" + g.seq(2) + ")"
	case 6:
		return "()"
	case 7:
		return g.pick("%b()", "%bab", "%f[%w]", "%f[%W]", "%f[a]")
	case 8:
		return g.pick("%1", "%2")
	case 9:
		return g.pick("%", "[a", "(", ")", "%b", "%f", "%g") // malformed or odd
	default:
		return g.pick("a*", "b+", ".-", "c?")
	}
}

func (g patternGen) seq(n int) string {
	var b strings.Builder
	for i := 0; i < 1+g.r.Intn(n+1); i++ {
		b.WriteString(g.item())
	}
	return b.String()
}

func (g patternGen) pattern() string {
	p := g.seq(3)
	if g.r.Intn(5) == 0 {
		p = "^" + p
	}
	if g.r.Intn(5) == 0 {
		p += "$"
	}
	return p
}

func (g patternGen) subject() string {
	var b strings.Builder
	for i := 0; i < g.r.Intn(12); i++ {
		b.WriteString(g.pick("a", "b", "c", " ", "1", "(", ")", "x", "A", ".", "%"))
	}
	return b.String()
}

// find, match, gmatch and gsub against Lua 5.1 on 600 random calls.
// Error messages are compared as such (both say "error: ..."), their
// wording only where it names the pattern's mistake.
func TestPattern_DifferentialFuzz(t *testing.T) {
	t.Parallel()
	if evalLua51(t, []string{"1"}) == nil {
		t.Skip("no " + lua51Path + " to compare with")
	}
	g := patternGen{rand.New(rand.NewSource(51))}
	exprs := make([]string, 600)
	for i := range exprs {
		s, p := fmt.Sprintf("%q", g.subject()), fmt.Sprintf("%q", g.pattern())
		switch i % 4 {
		case 0:
			exprs[i] = fmt.Sprintf("string.find(%s, %s, %d)", s, p, g.r.Intn(6)-2)
		case 1:
			exprs[i] = fmt.Sprintf("string.match(%s, %s)", s, p)
		case 2:
			exprs[i] = fmt.Sprintf(`(function() local t = {} for a, b in string.gmatch(%s, %s) do t[#t+1] = tostring(a) .. "/" .. tostring(b) end return table.concat(t, "|") end)()`, s, p)
		default:
			exprs[i] = fmt.Sprintf(`string.gsub(%s, %s, %s)`, s, p, g.pick(`"<%0>"`, `"%1"`, `function(x) return "<" .. tostring(x) .. ">" end`, `{a = "A"}`, `"-"`))
		}
	}
	L := newSandbox()
	defer L.Close()
	ours := evalShow(t, L, exprs)
	real := evalLua51(t, exprs)
	bad := 0
	for i, e := range exprs {
		o, r := positionRE.ReplaceAllString(ours[i], ""), positionRE.ReplaceAllString(real[i], "")
		if o != r {
			bad++
			if bad <= 12 {
				t.Errorf("%s\n  ours %q\n  5.1  %q", e, o, r)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d differ", bad, len(exprs))
	}
}
