package host

import (
	"context"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// BenchmarkVMContext runs a tight Lua loop under a plain cancelCtx and
// under forVM's, side by side: gopher-lua reads the context's Done before
// every instruction. (go test -run XXX -bench VMContext ./host/)
func BenchmarkVMContext(b *testing.B) {
	for _, c := range []struct {
		name string
		wrap func(context.Context) context.Context
	}{
		{"cancelCtx", func(ctx context.Context) context.Context { return ctx }},
		{"forVM", forVM},
	} {
		b.Run(c.name, func(b *testing.B) {
			L := lua.NewState()
			defer L.Close()
			fn, err := L.LoadString(`local s = 0 for i = 1, 10000 do s = s + i % 7 end return s`)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				ctx, cancel := context.WithCancel(context.Background())
				L.SetContext(c.wrap(ctx))
				L.Push(fn)
				L.Call(0, 1)
				L.Pop(1)
				L.RemoveContext()
				cancel()
			}
		})
	}
}

// A context derived from forVM's is cancelled with it, and values pass through.
func TestForVM_CancelsAndCarriesValues(t *testing.T) {
	parent, cancel := context.WithCancel(withCause(context.Background(), Cause{Script: "a.lua"}))
	vm := forVM(parent)
	if forVM(vm) != vm {
		t.Fatal("forVM wrapped its own context again")
	}
	child, stop := context.WithCancel(vm)
	defer stop()
	if got, _ := CauseOf(child); got.Script != "a.lua" {
		t.Fatalf("cause through forVM = %+v", got)
	}
	cancel()
	select {
	case <-vm.Done():
	default:
		t.Fatal("forVM's context not done after its parent was cancelled")
	}
	<-child.Done() // a derived context follows; the test's deadline catches a hang
	if vm.Err() != context.Canceled || child.Err() != context.Canceled {
		t.Fatalf("Err = %v, %v", vm.Err(), child.Err())
	}
}
