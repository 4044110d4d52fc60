package host

import (
	"fmt"
	"math/rand"
	"regexp"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// pcallGen builds random expressions of the pcall family (pcall, xpcall,
// error with levels and non-string values, nested calls, Go and Lua
// callees, handlers that return several values or raise, coroutine.wrap)
// whose results Lua 5.1 defines without addresses or timing.
type pcallGen struct{ r *rand.Rand }

func (g pcallGen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }

func (g pcallGen) msg() string { return g.pick(`"m"`, `nil`, `42`, `"x:1: y"`, `""`) }

func (g pcallGen) args() string {
	n := g.r.Intn(4)
	var a []string
	for i := 0; i < n; i++ {
		a = append(a, g.pick(`1`, `nil`, `"s"`, `false`))
	}
	return strings.Join(a, ", ")
}

func (g pcallGen) callee(depth int) string {
	choices := []func() string{
		func() string { return `function(...) return ... end` },
		func() string { return `function(...) return select("#", ...), ... end` },
		func() string { return fmt.Sprintf(`function() error(%s, %d) end`, g.msg(), g.r.Intn(3)) },
		func() string {
			return fmt.Sprintf(`function() local function inner() error(%s, %d) end inner() end`, g.msg(), 1+g.r.Intn(2))
		},
		func() string { return `error` },
		func() string { return `tostring` },
		func() string { return `nil` },
		func() string { return `{}` },
		func() string { return `coroutine.wrap(function(...) return ... end)` },
		func() string {
			return fmt.Sprintf(`function(...) local n = 0 local function inc() n = n + 1 end pcall(error, %s) inc() return n, ... end`, g.msg())
		},
	}
	if depth > 0 {
		choices = append(choices,
			func() string { return `function(...) return ` + g.expr(depth-1) + ` end` },
			func() string { return `function() error(select(2, ` + g.expr(depth-1) + `), 0) end` },
		)
	}
	return choices[g.r.Intn(len(choices))]()
}

func (g pcallGen) handler() string {
	return g.pick(`function(m) return m end`, `function(m) return m, "extra" end`, `function() error("h") end`,
		`tostring`, `nil`, `function(m) return type(m) end`, `function() end`)
}

func (g pcallGen) expr(depth int) string {
	switch g.r.Intn(4) {
	case 0:
		return fmt.Sprintf(`xpcall(%s, %s)`, g.callee(depth), g.handler())
	case 1:
		return fmt.Sprintf(`select("#", pcall(%s%s))`, g.callee(depth), prefixComma(g.args()))
	default:
		return fmt.Sprintf(`pcall(%s%s)`, g.callee(depth), prefixComma(g.args()))
	}
}

func prefixComma(s string) string {
	if s == "" {
		return ""
	}
	return ", " + s
}

// positions differ between the two runs (chunk names, line numbers).
var positionRE = regexp.MustCompile(`[^\s:,]+:\d+: `)

// The pcall family against Lua 5.1 on 400 random nested expressions, in a
// script's VM (where pcall is rebuilt on coroutines).
func TestPcall_DifferentialFuzz(t *testing.T) {
	t.Parallel()
	if evalLua51(t, []string{"1"}) == nil {
		t.Skip("no " + lua51Path + " to compare with")
	}
	g := pcallGen{rand.New(rand.NewSource(2026))}
	exprs := make([]string, 400)
	for i := range exprs {
		exprs[i] = g.expr(2)
	}
	h := mustHarness(t, `-- nothing`)
	ours := evalShow(t, h.s.L, exprs)
	real := evalLua51(t, exprs)
	bad := 0
	for i, e := range exprs {
		o, r := positionRE.ReplaceAllString(ours[i], "POS: "), positionRE.ReplaceAllString(real[i], "POS: ")
		if o != r {
			bad++
			if bad <= 10 {
				t.Errorf("%s\n  ours %q\n  5.1  %q", e, o, r)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d differ", bad, len(exprs))
	}
}

// The same expressions inside event handlers, 100 per event over four
// events, as bot code runs them: in the handler's coroutine, with pcall's
// pooled coroutines carried from one event to the next.
func TestPcall_DifferentialFuzzInHandlers(t *testing.T) {
	if evalLua51(t, []string{"1"}) == nil {
		t.Skip("no " + lua51Path + " to compare with")
	}
	g := pcallGen{rand.New(rand.NewSource(2027))}
	exprs := make([]string, 400)
	var src strings.Builder
	src.WriteString(showChunk + "results = {}\nlocal cases = {\n")
	for i := range exprs {
		exprs[i] = g.expr(2)
		fmt.Fprintf(&src, "function() return %s end,\n", exprs[i])
	}
	src.WriteString(`}
local next_case = 1
on("AT_MESSAGE_CREATE", function(ev)
  for i = next_case, next_case + 99 do results[i] = show(cases[i]) end
  next_case = next_case + 100
  qq.send("100", "done")
end)`)
	h, err := newHarnessWith(t, src.String(), Limits{CPU: 10 * time.Second, Memory: 256 << 20})
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	for range 4 {
		h.send("AT_MESSAGE_CREATE", atMessage)
		if c := h.nextCall(); c.Body["content"] != "done" {
			t.Fatalf("sent %v; log:\n%s", c.Body, h.logs.dump())
		}
	}
	real := evalLua51(t, exprs)
	bad := 0
	for i, e := range exprs {
		// The handler has ended and parked nothing: reading its results is safe.
		o := positionRE.ReplaceAllString(lua.LVAsString(h.s.L.GetGlobal("results").(*lua.LTable).RawGetInt(i+1)), "POS: ")
		r := positionRE.ReplaceAllString(real[i], "POS: ")
		if o != r {
			bad++
			if bad <= 10 {
				t.Errorf("%s\n  ours %q\n  5.1  %q", e, o, r)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d differ", bad, len(exprs))
	}
}
