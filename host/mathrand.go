package host

import (
	"math"
	"math/rand/v2"

	lua "github.com/yuin/gopher-lua"
)

// installRandom gives the state its own math.random and math.randomseed.
// gopher-lua's use Go's global generator, whose Seed has done nothing
// since Go 1.24, so math.randomseed(n) did not make a script's numbers
// repeat, and math.random(0) panicked in Go. These are Lua 5.1's: a
// generator per script, reseeded by randomseed, random() in [0,1),
// random(m) in [1,m], random(m,n) in [m,n], "interval is empty" otherwise.
func installRandom(L *lua.LState) {
	src := rand.NewPCG(rand.Uint64(), rand.Uint64())
	r := rand.New(src)
	m := L.GetGlobal("math").(*lua.LTable)
	m.RawSetString("random", L.NewFunction(func(L *lua.LState) int {
		var lo, hi float64
		switch L.GetTop() {
		case 0:
			L.Push(lua.LNumber(r.Float64()))
			return 1
		case 1:
			lo, hi = 1, math.Floor(float64(checkNumber(L, 1, "random")))
			if lo > hi {
				argError(L, 1, "random", "interval is empty")
			}
		case 2:
			lo, hi = math.Floor(float64(checkNumber(L, 1, "random"))), math.Floor(float64(checkNumber(L, 2, "random")))
			if lo > hi {
				argError(L, 2, "random", "interval is empty")
			}
		default:
			L.RaiseError("wrong number of arguments")
		}
		// As 5.1: a float in [0,1) scaled to the interval.
		L.Push(lua.LNumber(math.Floor(r.Float64()*(hi-lo+1)) + lo))
		return 1
	}))
	m.RawSetString("randomseed", L.NewFunction(func(L *lua.LState) int {
		seed := uint64(int64(checkNumber(L, 1, "randomseed")))
		src.Seed(seed, seed^0x9e3779b97f4a7c15)
		return 0
	}))
}
