package luaproto

import (
	"strings"
	"sync"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

func compileRaw(t *testing.T, src string) *lua.FunctionProto {
	t.Helper()
	stmts, err := parse.Parse(strings.NewReader(src), "t")
	if err != nil {
		t.Fatal(err)
	}
	p, err := lua.Compile(stmts, "t")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// gopher-lua hands a short function a 1024-instruction buffer; after Trim
// every function's slices are their own length and it still runs.
func TestTrim_ShrinksEveryFunction(t *testing.T) {
	p := compileRaw(t, `local function f(x) return function() return x + 1 end end return f(41)()`)
	if cap(p.Code) < 1024 || cap(p.FunctionPrototypes[0].Code) < 1024 {
		t.Fatalf("the compiler no longer over-allocates (cap %d): Trim may be unneeded", cap(p.Code))
	}
	Trim(p)
	var check func(p *lua.FunctionProto)
	check = func(p *lua.FunctionProto) {
		if cap(p.Code) != len(p.Code) || cap(p.DbgSourcePositions) != len(p.DbgSourcePositions) {
			t.Errorf("code %d/%d, positions %d/%d", len(p.Code), cap(p.Code), len(p.DbgSourcePositions), cap(p.DbgSourcePositions))
		}
		for _, c := range p.FunctionPrototypes {
			check(c)
		}
	}
	check(p)
	L := lua.NewState()
	defer L.Close()
	L.Push(L.NewFunctionFromProto(p))
	if err := L.PCall(0, 1, nil); err != nil {
		t.Fatal(err)
	}
	if got := L.Get(-1); got != lua.LNumber(42) {
		t.Errorf("got %v, want 42", got)
	}
}

// Every VM that loads the same fixed chunk gets the one prototype, from
// any goroutine, and each runs it on its own state.
func TestLoad_SharesOnePrototype(t *testing.T) {
	const src = `local n = ... return n * 2`
	var wg sync.WaitGroup
	protos := make([]*lua.FunctionProto, 8)
	for i := range protos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			L := lua.NewState()
			defer L.Close()
			fn, err := Load(L, src, "=shim")
			if err != nil {
				t.Error(err)
				return
			}
			protos[i] = fn.Proto
			L.Push(fn)
			L.Push(lua.LNumber(i))
			if err := L.PCall(1, 1, nil); err != nil || L.Get(-1) != lua.LNumber(2*i) {
				t.Errorf("run %d: %v %v", i, L.Get(-1), err)
			}
		}()
	}
	wg.Wait()
	for _, p := range protos[1:] {
		if p != protos[0] {
			t.Fatal("two VMs got different prototypes for the same chunk")
		}
	}
	if _, err := Load(lua.NewState(), `return +`, "=bad"); err == nil {
		t.Error("a chunk that does not compile loaded")
	}
}
