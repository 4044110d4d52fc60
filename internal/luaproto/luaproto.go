package luaproto

import (
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Trim gives p and the functions inside it slices of their own length, so
// the compiler's buffers can be collected.
func Trim(p *lua.FunctionProto) {
	p.Code = clip(p.Code)
	p.DbgSourcePositions = clip(p.DbgSourcePositions)
	p.Constants = clip(p.Constants)
	p.DbgLocals = clip(p.DbgLocals)
	p.DbgCalls = clip(p.DbgCalls)
	p.DbgUpvalues = clip(p.DbgUpvalues)
	p.FunctionPrototypes = clip(p.FunctionPrototypes)
	for _, child := range p.FunctionPrototypes {
		Trim(child)
	}
}

// clip copies s when its backing array is larger than it.
func clip[T any](s []T) []T {
	if cap(s) == len(s) {
		return s
	}
	if len(s) == 0 {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

type chunk struct{ src, name string }

var shared sync.Map // chunk → *lua.FunctionProto

// Load is L.Load for a chunk whose source is fixed in the program (a shim,
// a prelude): the first call compiles and trims it, later calls in any VM
// reuse the prototype. A chunk that does not compile is a programming error
// the caller reports.
func Load(L *lua.LState, src, name string) (*lua.LFunction, error) {
	key := chunk{src, name}
	if p, ok := shared.Load(key); ok {
		return L.NewFunctionFromProto(p.(*lua.FunctionProto)), nil
	}
	stmts, err := parse.Parse(strings.NewReader(src), name)
	if err != nil {
		return nil, err
	}
	p, err := lua.Compile(stmts, name)
	if err != nil {
		return nil, err
	}
	Trim(p)
	actual, _ := shared.LoadOrStore(key, p)
	return L.NewFunctionFromProto(actual.(*lua.FunctionProto)), nil
}
