package host

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// BenchmarkYieldable is the check every platform call makes before it
// parks its handler, from a Go function Lua calls in a coroutine.
func BenchmarkYieldable(b *testing.B) {
	L := lua.NewState()
	defer L.Close()
	ok := true
	L.SetGlobal("check", L.NewFunction(func(L *lua.LState) int {
		ok = ok && yieldable()
		return 0
	}))
	fn, err := L.LoadString(`local n = ... for i = 1, n do check() end`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	th, _ := L.NewThread()
	if st, err, _ := L.Resume(th, fn, lua.LNumber(b.N)); st != lua.ResumeOK {
		b.Fatal(err)
	}
	if !ok {
		b.Fatal("a plain call in a coroutine is not yieldable")
	}
}
