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
	pcField     reflect.StructField // callFrame.Pc, the frame's next instruction while it calls

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
	pc, okPc := frame.FieldByName("Pc")
	if !okFn || fn.Type != reflect.TypeOf((*lua.LFunction)(nil)) || !okParent || parent.Type != cur.Type ||
		!okNRet || nret.Type.Kind() != reflect.Int || !okPc || pc.Type.Kind() != reflect.Int {
		problem = "callFrame lacks Fn *LFunction, Parent *callFrame, NRet int or Pc int"
		return
	}
	frameField, fnField, parentField, nretField, pcField, framesOK = cur, fn, parent, nret, pc, true
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

// EndsRun is called where CallerWants is; it reports whether the run of L
// ends as soon as the call returns, with nothing of the script's left to
// run: the Lua function of chunk was either called by the bottom frame of L
// (the function L was resumed with), its results unused, at a point where
// that frame's next instruction returns nothing (a handler whose last
// statement is ev:reply(...)), or tail-called by it (return ev:reply(...)),
// so that its results are the run's. It reports false when it cannot tell.
func EndsRun(L *lua.LState, chunk string) bool {
	if !framesOK {
		return false
	}
	goFrame := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), frameField.Offset))
	if goFrame == nil {
		return false
	}
	wrapper := *(*unsafe.Pointer)(unsafe.Add(goFrame, parentField.Offset))
	if wrapper == nil {
		return false
	}
	if fn := *(**lua.LFunction)(unsafe.Add(wrapper, fnField.Offset)); fn == nil || fn.Proto == nil || fn.Proto.SourceName != chunk {
		return false
	}
	caller := *(*unsafe.Pointer)(unsafe.Add(wrapper, parentField.Offset))
	if caller == nil {
		// A tail call replaces the calling frame: the wrapper is the
		// bottom frame now.
		return true
	}
	if *(*int)(unsafe.Add(wrapper, nretField.Offset)) != 0 || *(*unsafe.Pointer)(unsafe.Add(caller, parentField.Offset)) != nil {
		return false
	}
	fn := *(**lua.LFunction)(unsafe.Add(caller, fnField.Offset))
	if fn == nil || fn.IsG || fn.Proto == nil {
		return false
	}
	// While a frame calls, Pc is already past the call instruction: the
	// one it names is what runs after the call returns. RETURN with B = 1
	// returns no values (Lua 5.1's encoding, which gopher-lua keeps).
	pc := *(*int)(unsafe.Add(caller, pcField.Offset))
	if pc < 0 || pc >= len(fn.Proto.Code) {
		return false
	}
	inst := fn.Proto.Code[pc]
	return int(inst>>26) == lua.OP_RETURN && inst&0x1ff == 1
}
