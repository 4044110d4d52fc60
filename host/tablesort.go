package host

import (
	"sort"

	lua "github.com/yuin/gopher-lua"
)

// table.sort with the default comparator runs entirely inside Go, where
// the CPU budget cannot look: a script holding millions of numbers could
// spend seconds in one call. sortedTable sorts plain arrays of numbers or
// of strings itself and looks at the handler's context while comparing;
// anything else (a comparator written in Lua, which the VM already stops,
// or values compared through __lt) goes to gopher-lua's sort.
func sortedTable(orig lua.LValue) lua.LGFunction {
	return func(L *lua.LState) int {
		t := L.CheckTable(1)
		if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
			return delegate(L, orig)
		}
		n := t.Len()
		vals := make([]lua.LValue, n)
		numbers, strs := true, true
		for i := range vals {
			v := t.RawGetInt(i + 1)
			_, isNum := v.(lua.LNumber)
			_, isStr := v.(lua.LString)
			numbers, strs = numbers && isNum, strs && isStr
			if !numbers && !strs {
				return delegate(L, orig)
			}
			vals[i] = v
		}
		if !sortChecked(L, vals, numbers) {
			L.RaiseError("table.sort: stopped: the handler ran out of its CPU budget")
		}
		for i, v := range vals {
			t.RawSetInt(i+1, v)
		}
		return 0
	}
}

// errSortStopped ends a sort from inside its comparison.
type errSortStopped struct{}

// sortChecked sorts vals (all numbers, or all strings) in place, looking at
// L's context every 4096 comparisons; false when the context ended first.
func sortChecked(L *lua.LState, vals []lua.LValue, numbers bool) (done bool) {
	ctx := L.Context()
	compared := 0
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(errSortStopped); !ok {
				panic(r)
			}
			done = false
		}
	}()
	sort.Slice(vals, func(i, j int) bool {
		if compared++; compared&0xfff == 0 && ctx != nil && ctx.Err() != nil {
			panic(errSortStopped{})
		}
		if numbers {
			return vals[i].(lua.LNumber) < vals[j].(lua.LNumber)
		}
		return vals[i].(lua.LString) < vals[j].(lua.LString)
	})
	return true
}

// delegate calls fn with the current arguments and returns its results.
func delegate(L *lua.LState, fn lua.LValue) int {
	top := L.GetTop()
	L.Push(fn)
	for i := 1; i <= top; i++ {
		L.Push(L.Get(i))
	}
	L.Call(top, lua.MultRet)
	return L.GetTop() - top
}
