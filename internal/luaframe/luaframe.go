package luaframe

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

var (
	regField    reflect.StructField // LState.reg, a *registry
	arrayField  reflect.StructField // registry.array, the value stack
	frameField  reflect.StructField // LState.currentFrame, a *callFrame
	fnField     reflect.StructField // callFrame.Fn
	parentField reflect.StructField // callFrame.Parent, the calling frame
	nretField   reflect.StructField // callFrame.NRet, the results the call site wants (-1: all)

	stackOK, framesOK bool
	problem           string // what did not match, for the test
)

func init() {
	state := reflect.TypeOf(lua.LState{})
	if reg, ok := state.FieldByName("reg"); !ok || reg.Type.Kind() != reflect.Pointer || reg.Type.Elem().Kind() != reflect.Struct {
		problem = "LState.reg is not a pointer to a struct"
	} else if arr, ok := reg.Type.Elem().FieldByName("array"); !ok || arr.Type != reflect.TypeOf([]lua.LValue(nil)) {
		problem = "registry.array is not a []LValue"
	} else {
		regField, arrayField, stackOK = reg, arr, true
	}

	cur, ok := state.FieldByName("currentFrame")
	if !ok || cur.Type.Kind() != reflect.Pointer || cur.Type.Elem().Kind() != reflect.Struct {
		problem = "LState.currentFrame is not a pointer to a struct"
		return
	}
	frame := cur.Type.Elem()
	fn, okFn := frame.FieldByName("Fn")
	parent, okParent := frame.FieldByName("Parent")
	nret, okNRet := frame.FieldByName("NRet")
	if !okFn || fn.Type != reflect.TypeOf((*lua.LFunction)(nil)) || !okParent || parent.Type != cur.Type ||
		!okNRet || nret.Type.Kind() != reflect.Int {
		problem = "callFrame lacks Fn *LFunction, Parent *callFrame or NRet int"
		return
	}
	frameField, fnField, parentField, nretField, framesOK = cur, fn, parent, nret, true
}

// OK reports whether this gopher-lua's layout is the one the package reads,
// and if not, what differs.
func OK() (bool, string) { return stackOK && framesOK, problem }

// Stack returns th's whole value stack, slots past the top included: a
// popped slot is not cleared and keeps its value alive until overwritten.
// Only the goroutine that owns th may call it.
func Stack(th *lua.LState) []lua.LValue {
	if !stackOK || th == nil {
		return nil
	}
	reg := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(th), regField.Offset))
	if reg == nil {
		return nil
	}
	return *(*[]lua.LValue)(unsafe.Add(reg, arrayField.Offset))
}

// CallerWants is called from a Go function L is running, itself called by
// a Lua function compiled from the chunk named chunk; it returns how many
// results the call site of that Lua function wants: 0 for a statement such
// as f(x), -1 for all of them (a last argument, a return, a table
// constructor) or when it cannot tell (another caller, another layout).
func CallerWants(L *lua.LState, chunk string) int {
	if !framesOK {
		return -1
	}
	goFrame := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), frameField.Offset))
	if goFrame == nil {
		return -1
	}
	caller := *(*unsafe.Pointer)(unsafe.Add(goFrame, parentField.Offset))
	if caller == nil {
		return -1
	}
	fn := *(**lua.LFunction)(unsafe.Add(caller, fnField.Offset))
	if fn == nil || fn.Proto == nil || fn.Proto.SourceName != chunk {
		return -1
	}
	return *(*int)(unsafe.Add(caller, nretField.Offset))
}
