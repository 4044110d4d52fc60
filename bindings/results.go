package bindings

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// How many results a call site wants is in gopher-lua's call frames, which
// no exported call shows; resultsUnused reads it through reflection, as
// host's stackOf reads a coroutine's value stack. The layout is the pinned
// gopher-lua version's: if it changes, the init check fails and every
// answer is decoded as before (TestResultsUnused says so).
var (
	frameField  reflect.StructField // LState.currentFrame, a *callFrame
	fnField     reflect.StructField // callFrame.Fn
	parentField reflect.StructField // callFrame.Parent, the calling frame
	nretField   reflect.StructField // callFrame.NRet, the results the call site wants (-1: all)
	framesOK    bool
)

func init() {
	cur, ok := reflect.TypeOf(lua.LState{}).FieldByName("currentFrame")
	if !ok || cur.Type.Kind() != reflect.Pointer || cur.Type.Elem().Kind() != reflect.Struct {
		return
	}
	frame := cur.Type.Elem()
	fn, ok := frame.FieldByName("Fn")
	if !ok || fn.Type != reflect.TypeOf((*lua.LFunction)(nil)) {
		return
	}
	parent, ok := frame.FieldByName("Parent")
	if !ok || parent.Type != cur.Type {
		return
	}
	nret, ok := frame.FieldByName("NRet")
	if !ok || nret.Type.Kind() != reflect.Int {
		return
	}
	frameField, fnField, parentField, nretField, framesOK = cur, fn, parent, nret, true
}

// resultsUnused reports whether the script throws away every result of the
// call running now: a primitive called through the async shim (wrap) from
// a statement such as ev:reply("hi"). Decoding a send's answer into a table
// nobody reads was a tenth of what luabot run allocated per reply. It must
// be called from the primitive itself, on the coroutine that called it.
func resultsUnused(L *lua.LState) bool {
	if !framesOK {
		return false
	}
	prim := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), frameField.Offset))
	if prim == nil {
		return false
	}
	shim := *(*unsafe.Pointer)(unsafe.Add(prim, parentField.Offset))
	if shim == nil {
		return false
	}
	fn := *(**lua.LFunction)(unsafe.Add(shim, fnField.Offset))
	if fn == nil || fn.Proto == nil || fn.Proto.SourceName != shimChunk {
		return false
	}
	return *(*int)(unsafe.Add(shim, nretField.Offset)) == 0
}
