package host

import "context"

// vmContext is the context a Lua VM runs under. gopher-lua calls Done
// before every instruction, and a cancelCtx's Done is an atomic load: 3 %
// of a tight loop's time, a sixth of it under -race (BenchmarkVMContext).
// vmContext returns the channel fetched once; everything else is the
// wrapped context's, and contexts derived from it still find the cancelCtx
// underneath (context's own parentCancelCtx check compares that very
// channel), so they need no goroutine to follow its cancellation.
type vmContext struct {
	context.Context
	done <-chan struct{}
}

func (c *vmContext) Done() <-chan struct{} { return c.done }

// forVM returns ctx as a vmContext.
func forVM(ctx context.Context) context.Context {
	if v, ok := ctx.(*vmContext); ok {
		return v
	}
	return &vmContext{Context: ctx, done: ctx.Done()}
}
