package host

import (
	"math"
	"reflect"

	lua "github.com/yuin/gopher-lua"
)

// installBase51 replaces the standard functions whose gopher-lua versions
// answer otherwise than Lua 5.1's: setmetatable took any value but nil
// (setmetatable("", mt) replaced the strings' metatable, so no string
// method worked any more) and a missing metatable; rawset returned
// nothing; assert(false, 42) complained that 42 is not a string; next
// with a key not in the table returned nil or an arbitrary entry instead
// of an error; table.insert ignored extra arguments and put a position
// outside 1..#t+1 elsewhere than 5.1; os.difftime required both times;
// math.modf(1/0) gave a NaN fraction.
func installBase51(L *lua.LState) {
	L.SetGlobal("setmetatable", L.NewFunction(luaSetmetatable))
	rawset := L.GetGlobal("rawset").(*lua.LFunction).GFunction
	L.SetGlobal("rawset", L.NewFunction(func(L *lua.LState) int {
		rawset(L)
		L.SetTop(1)
		return 1
	}))
	L.SetGlobal("assert", L.NewFunction(luaAssert))
	L.SetGlobal("next", L.NewFunction(luaNext))
	L.GetGlobal("table").(*lua.LTable).RawSetString("insert", L.NewFunction(tableInsert))
	L.GetGlobal("math").(*lua.LTable).RawSetString("modf", L.NewFunction(mathModf))
}

// luaSetmetatable is Lua 5.1's setmetatable(t, mt): t a table, mt a
// table or nil (given), and t's metatable not protected by __metatable.
func luaSetmetatable(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		argError(L, 1, "setmetatable", "table expected, got "+typeName(L, 1))
	}
	mt := L.Get(2)
	if _, isTable := mt.(*lua.LTable); !isTable && (mt != lua.LNil || L.GetTop() < 2) {
		argError(L, 2, "setmetatable", "nil or table expected")
	}
	if L.GetMetaField(t, "__metatable") != lua.LNil {
		L.RaiseError("cannot change a protected metatable")
	}
	L.SetMetatable(t, mt)
	L.SetTop(1)
	return 1
}

// luaAssert is Lua 5.1's assert(v [, message]): the message may be a
// number, and a missing v is an error.
func luaAssert(L *lua.LState) int {
	top := L.GetTop()
	if top == 0 {
		argError(L, 1, "assert", "value expected")
	}
	if lua.LVAsBool(L.Get(1)) {
		return top
	}
	msg := "assertion failed!"
	if L.Get(2) != lua.LNil {
		msg = checkString(L, 2, "assert")
	}
	L.RaiseError("%s", msg)
	return 0
}

// luaNext is Lua 5.1's next(t [, k]): a key that is not in t raises
// "invalid key to 'next'" (without a position, as 5.1's does).
func luaNext(L *lua.LState) int {
	t := L.CheckTable(1)
	k := L.Get(2)
	if k != lua.LNil && !nextKeyValid(t, k) {
		L.Error(lua.LString("invalid key to 'next'"), 0)
	}
	k, v := t.Next(k)
	if k == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(k)
	L.Push(v)
	return 2
}

// A key whose value is nil may still be a valid key for next: one
// assigned nil during a traversal, which 5.1 allows. gopher-lua keeps such
// keys in its unexported array part and key index (LTable.array,
// LTable.k2i), read here by reflection; if a gopher-lua version changes
// them, every key counts as valid (gopher-lua's own behaviour) and
// TestLua51_NextInvalidKey fails.
var (
	tableArray, tableKeyIndex []int
	tableFieldsOK             bool
)

func init() {
	tt := reflect.TypeOf(lua.LTable{})
	a, okA := tt.FieldByName("array")
	k, okK := tt.FieldByName("k2i")
	if okA && okK && a.Type == reflect.TypeOf([]lua.LValue(nil)) && k.Type == reflect.TypeOf(map[lua.LValue]int(nil)) {
		tableArray, tableKeyIndex, tableFieldsOK = a.Index, k.Index, true
	}
}

func nextKeyValid(t *lua.LTable, k lua.LValue) bool {
	if t.RawGet(k) != lua.LNil || !tableFieldsOK {
		return true
	}
	v := reflect.ValueOf(t).Elem()
	if n, ok := k.(lua.LNumber); ok && n >= 1 && float64(n) == math.Trunc(float64(n)) &&
		float64(n) <= float64(v.FieldByIndex(tableArray).Len()) {
		return true
	}
	m := v.FieldByIndex(tableKeyIndex)
	return !m.IsNil() && m.MapIndex(reflect.ValueOf(&k).Elem()).IsValid()
}

// tableInsert is Lua 5.1's table.insert(t, [pos,] v): with pos, the
// elements pos..#t move up one (up to pos itself when pos is past #t+1,
// and from pos when it is 0 or negative, as 5.1's loop does); more or
// fewer arguments are an error.
func tableInsert(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		argError(L, 1, "insert", "table expected, got "+typeName(L, 1))
	}
	e := int64(t.Len()) + 1
	var pos int64
	switch L.GetTop() {
	case 2:
		pos = e
	case 3:
		// luaL_checkint: a C int, so -2^40 wraps to 0 as in 5.1.
		pos = int64(int32(cInt(checkNumber(L, 2, "insert"))))
		if pos > e {
			e = pos
		}
		// 5.1: for (i = e; i > pos; i--) t[i] = t[i-1]. Down to 1 it is
		// bounded by #t; below 1 only the keys the table holds can move.
		for i := e; i > max(pos, 0); i-- {
			t.RawSet(lua.LNumber(i), t.RawGet(lua.LNumber(i-1)))
		}
		if pos < 0 {
			shiftNonPositive(t, pos)
		}
	default:
		L.RaiseError("wrong number of arguments to 'insert'")
	}
	t.RawSet(lua.LNumber(pos), L.Get(L.GetTop()))
	return 0
}

// shiftNonPositive does t[i] = t[i-1] for i from 0 down to pos+1 (pos <
// 0) by moving the integer keys in pos..-1 up one, in time proportional
// to the table's size rather than to -pos.
func shiftNonPositive(t *lua.LTable, pos int64) {
	type kv struct {
		k int64
		v lua.LValue
	}
	var held []kv
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if n, ok := k.(lua.LNumber); ok && float64(n) >= float64(pos) && float64(n) <= 0 && float64(n) == math.Trunc(float64(n)) {
			held = append(held, kv{int64(n), v})
		}
	}
	for _, h := range held {
		if h.k > pos {
			t.RawSet(lua.LNumber(h.k), lua.LNil) // t[0] was read by the loop above
		}
	}
	for _, h := range held {
		if h.k < 0 {
			t.RawSet(lua.LNumber(h.k+1), h.v)
		}
	}
}

// osDifftime is Lua 5.1's os.difftime(t2 [, t1]): t1 defaults to 0, and
// both are whole seconds (time_t).
func osDifftime(L *lua.LState) int {
	t2 := cInt(checkNumber(L, 1, "difftime"))
	var t1 int64
	if L.Get(2) != lua.LNil {
		t1 = cInt(checkNumber(L, 2, "difftime"))
	}
	L.Push(lua.LNumber(float64(t2) - float64(t1)))
	return 1
}

// mathModf is C's modf, as Lua 5.1's math.modf: an infinity's fraction is
// a zero of its sign (Go's math.Modf gives NaN).
func mathModf(L *lua.LState) int {
	f := float64(checkNumber(L, 1, "modf"))
	ip, fp := math.Modf(f)
	if math.IsInf(f, 0) {
		fp = math.Copysign(0, f)
	}
	L.Push(lua.LNumber(ip))
	L.Push(lua.LNumber(fp))
	return 2
}
