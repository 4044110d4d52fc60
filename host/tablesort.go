package host

import (
	"context"
	"sort"

	lua "github.com/yuin/gopher-lua"
)

// table.sort is Lua 5.1's own quicksort (ltablib.c's auxsort), so that
// the order of equal elements, the calls made to a comparator and the
// "invalid order function for sorting" raised when a comparator is not a
// strict order (gopher-lua's Go sort took any answer silently) are those
// of 5.1. Plain arrays of numbers or of strings without a comparator,
// where equal elements cannot be told apart, are sorted by Go's sort
// instead, which is faster. Either way the handler's context is looked at
// every 4096 comparisons made in Go: a default-comparator sort runs
// inside one Go call, where the CPU budget cannot otherwise look (a
// comparator written in Lua is stopped by the VM).
func sortedTable(L *lua.LState) int {
	t := L.CheckTable(1)
	var cmp *lua.LFunction
	switch f := L.Get(2).(type) {
	case *lua.LNilType:
	case *lua.LFunction:
		cmp = f
	default:
		argError(L, 2, "sort", "function expected, got "+typeName(L, 2))
	}
	n := t.Len()
	if cmp == nil && sortPlain(L, t, n) {
		return 0
	}
	s := &luaSort{L: L, t: t, cmp: cmp, ctx: L.Context()}
	s.sort(1, n)
	return 0
}

// sortPlain sorts t[1..n] when all are numbers or all strings, and
// reports whether it did.
func sortPlain(L *lua.LState, t *lua.LTable, n int) bool {
	vals := make([]lua.LValue, n)
	numbers, strs := true, true
	for i := range vals {
		v := t.RawGetInt(i + 1)
		_, isNum := v.(lua.LNumber)
		_, isStr := v.(lua.LString)
		numbers, strs = numbers && isNum, strs && isStr
		if !numbers && !strs {
			return false
		}
		vals[i] = v
	}
	if !sortChecked(L, vals, numbers) {
		L.RaiseError("table.sort: stopped: the handler ran out of its CPU budget")
	}
	for i, v := range vals {
		t.RawSetInt(i+1, v)
	}
	return true
}

// luaSort is one call of 5.1's auxsort on a table.
type luaSort struct {
	L        *lua.LState
	t        *lua.LTable
	cmp      *lua.LFunction // nil: the < operator, metamethods included
	ctx      context.Context
	compared int
}

func (s *luaSort) get(i int) lua.LValue { return s.t.RawGetInt(i) }

func (s *luaSort) set(i int, v lua.LValue) { s.t.RawSetInt(i, v) }

func (s *luaSort) less(a, b lua.LValue) bool {
	if s.cmp == nil {
		if s.compared++; s.compared&0xfff == 0 && s.ctx != nil && s.ctx.Err() != nil {
			s.L.RaiseError("table.sort: stopped: the handler ran out of its CPU budget")
		}
		return s.L.LessThan(a, b)
	}
	s.L.Push(s.cmp)
	s.L.Push(a)
	s.L.Push(b)
	s.L.Call(2, 1)
	r := lua.LVAsBool(s.L.Get(-1))
	s.L.Pop(1)
	return r
}

// sort is auxsort(l, u), step for step: the median of three, the
// partition around it, a recursive call on the smaller half and a loop
// on the larger.
func (s *luaSort) sort(l, u int) {
	for l < u {
		if al, au := s.get(l), s.get(u); s.less(au, al) {
			s.set(l, au)
			s.set(u, al)
		}
		if u-l == 1 {
			break
		}
		i := (l + u) / 2
		if ai, al := s.get(i), s.get(l); s.less(ai, al) {
			s.set(i, al)
			s.set(l, ai)
		} else if au := s.get(u); s.less(au, ai) {
			s.set(i, au)
			s.set(u, ai)
		}
		if u-l == 2 {
			break
		}
		p := s.get(i)
		s.set(i, s.get(u-1))
		s.set(u-1, p)
		i, j := l, u-1
		for {
			var ai, aj lua.LValue
			for {
				i++
				if ai = s.get(i); !s.less(ai, p) {
					break
				}
				if i > u {
					s.L.RaiseError("invalid order function for sorting")
				}
			}
			for {
				j--
				if aj = s.get(j); !s.less(p, aj) {
					break
				}
				if j < l {
					s.L.RaiseError("invalid order function for sorting")
				}
			}
			if j < i {
				break
			}
			s.set(i, aj)
			s.set(j, ai)
		}
		au1, ai := s.get(u-1), s.get(i)
		s.set(u-1, ai)
		s.set(i, au1)
		if i-l < u-i {
			j := l
			i, l = i-1, i+1
			s.sort(j, i)
		} else {
			j := i + 1
			i, u = u, i-1
			s.sort(j, i)
		}
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
