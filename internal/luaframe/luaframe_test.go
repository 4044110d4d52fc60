package luaframe

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestLayout(t *testing.T) {
	if ok, problem := OK(); !ok {
		t.Fatalf("gopher-lua's layout is not the one luaframe reads: %s", problem)
	}
}

// Stack sees a coroutine's locals.
func TestStack(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	co, _ := L.NewThread()
	fn, err := L.LoadString(`local marker = "on the stack" coroutine.yield()`)
	if err != nil {
		t.Fatal(err)
	}
	if st, err, _ := L.Resume(co, fn); st != lua.ResumeYield {
		t.Fatalf("resume: %v %v", st, err)
	}
	for _, v := range Stack(co) {
		if v == lua.LString("on the stack") {
			return
		}
	}
	t.Fatal("the suspended coroutine's local is not on its stack")
}

// CallerWants reads the call site of the chunk's function that called the
// running Go function.
func TestCallerWants(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	var got []int
	L.SetGlobal("probe", L.NewFunction(func(L *lua.LState) int {
		got = append(got, CallerWants(L, "=wrapper"))
		return 0
	}))
	defineWrapper(t, L, `return function() probe() end`)
	for _, c := range []struct {
		code string
		want int
	}{
		{`w()`, 0},
		{`local a, b = w()`, 2},
		{`print(w())`, -1},
		{`probe()`, -1}, // called from another chunk
	} {
		got = got[:0]
		if err := L.DoString(c.code); err != nil {
			t.Fatalf("%s: %v", c.code, err)
		}
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: CallerWants = %v, want %d", c.code, got, c.want)
		}
	}
}

func TestEndsRun(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	var got []bool
	L.SetGlobal("probe", L.NewFunction(func(L *lua.LState) int {
		got = append(got, EndsRun(L, "=wrapper"))
		return 0
	}))
	defineWrapper(t, L, `local function pass(...) return ... end
return function(...) return pass(probe(...)) end`)
	for _, c := range []struct {
		code string
		want bool
	}{
		{`return function() w() end`, true},
		{`return function(ev) w(ev) return end`, true},
		{`return function(ev) if ev then w() end end`, true},
		{`return function() w() x = 1 end`, false},
		{`return function() local a = w() end`, false},
		{`return function(ev) if ev then return w() end end`, true}, // a tail call: w's results are the run's
		{`return function() return (w()) end`, false},
		{`return function() print(w()) end`, false},
		{`return function() for i = 1, 2 do w() end end`, false},
		{`return function() (function() w() end)() end`, false}, // not the bottom frame
		{`return function() probe() end`, false},                // not through the wrapper
	} {
		fn, err := L.LoadString(c.code)
		if err != nil {
			t.Fatal(err)
		}
		L.Push(fn)
		L.Call(0, 1)
		handler := L.Get(-1).(*lua.LFunction)
		L.Pop(1)
		co, _ := L.NewThread()
		got = got[:0]
		if st, err, _ := L.Resume(co, handler, lua.LTrue); st != lua.ResumeOK {
			t.Fatalf("%s: %v", c.code, err)
		}
		if len(got) == 0 || got[0] != c.want {
			t.Errorf("%s: EndsRun = %v, want %v", c.code, got, c.want)
		}
	}
}

// defineWrapper sets the global w to the function src returns, compiled as
// the chunk "=wrapper" (as bindings' async shim is "=luabot").
func defineWrapper(t *testing.T, L *lua.LState, src string) {
	t.Helper()
	wrapper, err := L.Load(strings.NewReader(src), "=wrapper")
	if err != nil {
		t.Fatal(err)
	}
	L.Push(wrapper)
	L.Call(0, 1)
	L.SetGlobal("w", L.Get(-1))
	L.Pop(1)
}
