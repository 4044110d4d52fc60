package bindings

import (
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/internal/luaframe"
)

// resultsUnused is true only where the script's call site keeps no result
// of a wrapped primitive, and the layout it reads is this gopher-lua's.
func TestResultsUnused(t *testing.T) {
	if ok, problem := luaframe.OK(); !ok {
		t.Fatalf("every answer would be decoded: %s", problem)
	}
	L := lua.NewState()
	defer L.Close()
	var got []bool
	prim := func(L *lua.LState) int {
		got = append(got, resultsUnused(L))
		L.Push(lua.LString("sent"))
		return 1
	}
	L.SetGlobal("f", newAsyncWrapper(L).wrap(L, prim))
	L.SetGlobal("direct", L.NewFunction(prim))
	cases := []struct {
		code   string
		unused bool
	}{
		{`f("x")`, true},
		{`local function h() f("x") end h()`, true},
		{`local s = f("x") assert(s == "sent")`, false},
		{`local ok, err = f("x")`, false},
		{`assert(f("x") == "sent")`, false},
		{`local t = {f("x")}`, false},
		{`local function h() return f("x") end assert(h() == "sent")`, false},
		{`assert(select(2, pcall(f, "x")) == "sent")`, false},
		{`direct("x")`, false}, // not through the shim: nothing is known
	}
	for _, c := range cases {
		got = got[:0]
		if err := L.DoString(c.code); err != nil {
			t.Fatalf("%s: %v", c.code, err)
		}
		if len(got) != 1 || got[0] != c.unused {
			t.Errorf("%s: resultsUnused = %v, want [%v]", c.code, got, c.unused)
		}
	}
}
