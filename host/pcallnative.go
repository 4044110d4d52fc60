package host

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua's pcall detaches closures from their variables. When an error
// is raised with no error function set (error(), L.RaiseError, as pcall
// leaves it), gopher-lua closes every open upvalue of every frame of the
// thread, not only of the frames the error unwinds. So after
//
//	local n = 0
//	local function inc() n = n + 1 end
//	pcall(json.decode, "not json")
//	inc()
//
// inc counts in a copy and n stays 0 (stock gopher-lua does the same; Lua
// 5.1 does not). safePcall runs the call with an error function set, which
// keeps gopher-lua from closing anything, and then closes the upvalues of
// the unwound frames only (those at or above the called function's slot),
// as Lua 5.1 does. It reaches the state's upvalue list, its error-function
// flag and its registry top through the layout of the pinned gopher-lua
// version, read by reflection at start-up; if the layout differs,
// safePcallOK is false and the prelude runs every pcall in a coroutine,
// where closing all of the coroutine's upvalues is right.

var (
	offUvcache, offHasErrFunc, offReg, offRegTop, offUvNext, offUvIndex uintptr
	safePcallOK                                                         bool
)

func init() {
	ls := reflect.TypeOf(lua.LState{})
	uvc, ok1 := ls.FieldByName("uvcache")
	hef, ok2 := ls.FieldByName("hasErrorFunc")
	reg, ok3 := ls.FieldByName("reg")
	uv := reflect.TypeOf(lua.Upvalue{})
	next, ok4 := uv.FieldByName("next")
	index, ok5 := uv.FieldByName("index")
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || uvc.Type != reflect.TypeOf((*lua.Upvalue)(nil)) ||
		hef.Type.Kind() != reflect.Bool || next.Type != reflect.TypeOf((*lua.Upvalue)(nil)) || index.Type.Kind() != reflect.Int ||
		reg.Type.Kind() != reflect.Pointer || reg.Type.Elem().Kind() != reflect.Struct {
		return
	}
	top, ok := reg.Type.Elem().FieldByName("top")
	if !ok || top.Type.Kind() != reflect.Int {
		return
	}
	offUvcache, offHasErrFunc, offReg, offRegTop = uvc.Offset, hef.Offset, reg.Offset, top.Offset
	offUvNext, offUvIndex = next.Offset, index.Offset
	safePcallOK = true
}

func field[T any](base unsafe.Pointer, off uintptr) *T { return (*T)(unsafe.Add(base, off)) }

// regTop is the absolute index of L's registry top.
func regTop(L *lua.LState) int {
	reg := *field[unsafe.Pointer](unsafe.Pointer(L), offReg)
	return *field[int](reg, offRegTop)
}

// closeUpvaluesFrom closes L's open upvalues of registry slots idx and
// above (the list is sorted by slot) and drops them from the list.
func closeUpvaluesFrom(L *lua.LState, idx int) {
	head := field[*lua.Upvalue](unsafe.Pointer(L), offUvcache)
	var prev *lua.Upvalue
	for uv := *head; uv != nil; uv = *field[*lua.Upvalue](unsafe.Pointer(uv), offUvNext) {
		if *field[int](unsafe.Pointer(uv), offUvIndex) < idx {
			prev = uv
			continue
		}
		if prev == nil {
			*head = nil
		} else {
			*field[*lua.Upvalue](unsafe.Pointer(prev), offUvNext) = nil
		}
		for u := uv; u != nil; u = *field[*lua.Upvalue](unsafe.Pointer(u), offUvNext) {
			u.Close()
		}
		return
	}
}

// safePcall is pcall(f, ...) for the prelude's calls of Go functions.
func safePcall(L *lua.LState) int {
	if L.GetTop() == 0 {
		argError(L, 1, "pcall", "value expected")
	}
	if f := L.Get(1); f.Type() != lua.LTFunction && L.GetMetaField(f, "__call").Type() != lua.LTFunction {
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a " + f.Type().String() + " value"))
		return 2
	}
	nargs := L.GetTop() - 1
	base := regTop(L) - nargs - 1
	hef := field[bool](unsafe.Pointer(L), offHasErrFunc)
	saved := *hef
	// The error function runs before PCall clears the unwound frames'
	// slots, so it closes their upvalues while they still hold the values,
	// and passes the error value on as it is.
	err := L.PCall(nargs, lua.MultRet, L.NewFunction(func(L *lua.LState) int {
		closeUpvaluesFrom(L, base)
		L.Push(L.Get(1))
		return 1
	}))
	*hef = saved // PCall clears it; an enclosing safePcall still needs it
	if err != nil {
		L.Push(lua.LFalse)
		if ae, ok := err.(*lua.ApiError); ok {
			L.Push(ae.Object)
		} else {
			L.Push(lua.LString(err.Error()))
		}
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}
