package host

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua keeps a coroutine's locals, temporaries and the functions of
// its call frames in an unexported value stack (its "registry"), which no
// exported call lists. The memory estimate must see what a suspended
// coroutine or a parked handler holds there, so stackOf reads it through
// reflection. The layout is that of the pinned gopher-lua version (the
// yield check in scheduler.go depends on it the same way); if it changes,
// stackOf returns nil and a test that counts a coroutine's locals fails.

var (
	regField   reflect.StructField
	arrayField reflect.StructField
	stackOK    bool
)

func init() {
	st, ok := reflect.TypeOf(lua.LState{}).FieldByName("reg")
	if !ok || st.Type.Kind() != reflect.Pointer || st.Type.Elem().Kind() != reflect.Struct {
		return
	}
	arr, ok := st.Type.Elem().FieldByName("array")
	if !ok || arr.Type != reflect.TypeOf([]lua.LValue(nil)) {
		return
	}
	regField, arrayField, stackOK = st, arr, true
}

// stackOf returns th's whole value stack, slots past the top included: a
// popped slot is not cleared and keeps its value alive until overwritten.
// Only the goroutine that owns th may call it.
func stackOf(th *lua.LState) []lua.LValue {
	if !stackOK || th == nil {
		return nil
	}
	reg := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(th), regField.Offset))
	if reg == nil {
		return nil
	}
	return *(*[]lua.LValue)(unsafe.Add(reg, arrayField.Offset))
}
