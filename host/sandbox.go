package host

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// maxArrayIndex is the largest integer key gopher-lua keeps in a table's
// array part (lua.MaxArrayIndex, 2^26 by default). Assigning t[n] past the
// end of the array part fills the gap with nils in one VM instruction, so
// with the default `t[67108863] = 1` allocated 1 GiB before any limit could
// look. With 2^22 the worst gap is 64 MiB; larger keys go to the hash part.
// The cost: `#t` does not count past 2^22 elements, which a script reaches
// only with several times the default memory limit.
const maxArrayIndex = 1 << 22

func init() { lua.MaxArrayIndex = maxArrayIndex }

// maxCallDepth and maxRegistry bound one coroutine's call frames and
// value slots.
const (
	maxCallDepth = 4000
	maxRegistry  = 64 * 1024
	// registrySize is a coroutine's value stack at first (it grows by as
	// much). gopher-lua replaces any size under 128 with its 5120-slot
	// default (80 KB a coroutine): 64 would cost far more than 256, not less.
	// 128 fits every example's handlers and takes an idle coroutine from
	// 10.4 to 7.8 KB, but moved peak RSS with 1000 handlers in flight by
	// less than the noise (68.2-68.3 -> 67.7-67.9 MB), and a handler that
	// outgrew it would lose its coroutine's reuse (threads.go).
	registrySize = 256
)

// NewSandbox returns a state with the same safe standard library scripts
// get (no luabot API), for other trusted-but-contained Lua such as the
// test runner's VM. The caller owns and closes it.
func NewSandbox() *lua.LState { return newSandbox() }

// newSandbox creates a state with only the safe parts of the standard
// library. What is missing is missing on purpose: io, os.execute/exit/
// getenv/remove/rename, debug, dofile, loadfile, string.dump (byte code),
// setfenv(0, t) (fenv.go) and the parts of collectgarbage that act on the whole process. load and
// loadstring compile source text only (load.go).
func newSandbox() *lua.LState {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		IncludeGoStackTrace: false,
		// Every handler coroutine is a full LState, and the defaults cost
		// about 112 KB each; so registries and call stacks start small and
		// grow on demand (MinimizeStackMemory makes the call stack grow in
		// segments). 4000 frames serve recursive parsers and tree walks; Lua
		// 5.1 allows about 16 000, but the growing stack's index is sized by
		// the maximum in every coroutine (16 000 cost 16 KB per handler run),
		// and a 64K-slot registry keeps unpack bombs failing fast.
		RegistrySize:        registrySize,
		RegistryMaxSize:     maxRegistry,
		RegistryGrowStep:    256,
		CallStackSize:       maxCallDepth,
		MinimizeStackMemory: true,
	})
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
		{lua.OsLibName, lua.OpenOs},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	installFenv(L)                     // fenv.go: wraps the base library's setfenv
	for name := range MissingGlobals { // missing.go
		L.SetGlobal(name, lua.LNil)
	}
	for _, name := range append(internalGlobals, perScriptGlobals...) {
		L.SetGlobal(name, lua.LNil)
	}

	osLib := L.GetGlobal("os").(*lua.LTable)
	safeOS := L.CreateTable(0, 4)
	for _, name := range []string{"time", "clock", "date", "difftime"} {
		safeOS.RawSetString(name, osLib.RawGetString(name))
	}
	safeOS.RawSetString("date", L.NewFunction(cappedDate(osLib.RawGetString("date"))))
	safeOS.RawSetString("difftime", L.NewFunction(osDifftime)) // base51.go
	L.SetGlobal("os", safeOS)

	// Lua 5.1's tonumber reads exponents and hexadecimal (tonumber.go);
	// its math.huge is infinity, not the largest float.
	L.SetGlobal("tonumber", L.NewFunction(luaTonumber))
	L.SetGlobal("unpack", L.NewFunction(luaUnpack)) // unpack.go
	L.GetGlobal("math").(*lua.LTable).RawSetString("huge", lua.LNumber(math.Inf(1)))
	installStringLimits(L)
	installLoad(L)                                // load.go
	L.SetGlobal("error", L.NewFunction(luaError)) // errorfn.go
	installRandom(L)                              // mathrand.go
	installTable51(L)                             // tablelib.go
	installArgs51(L)                              // coerce.go
	installBase51(L)                              // base51.go
	installNumberText(L)                          // numtext.go
	if safePcallOK {
		// pcallnative.go: gopher-lua's pcall detaches closures from their
		// variables after an error.
		L.SetGlobal("pcall", L.NewFunction(safePcall))
	}
	return L
}

// maxDateFormat bounds os.date's format: each conversion expands to at most
// a few dozen bytes, so a 16 MiB format of "%c" would build 200 MiB in
// one call.
const maxDateFormat = 4 << 10

func cappedDate(date lua.LValue) lua.LGFunction {
	return func(L *lua.LState) int {
		if f, ok := L.Get(1).(lua.LString); ok && len(f) > maxDateFormat {
			L.RaiseError("os.date: format of %d bytes; at most %d", len(f), maxDateFormat)
		}
		top := L.GetTop()
		L.Push(date)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, 1)
		return 1
	}
}
