package bindings_test

import (
	"runtime"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/kv"
)

// kv.scan reads the store a page at a time: a scan over 40 values of 1 MB
// holds about one page of them at any moment, not all 40 (which is how one
// scan over a thousand such values reached 2 GB).
func TestKVScan_StreamsLargeValues(t *testing.T) {
	L := stateWith(t, func(s *kv.Store) bindings.Store { return s })
	L.SetGlobal("live_mib", L.NewFunction(func(L *lua.LState) int {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		L.Push(lua.LNumber(float64(ms.HeapAlloc) / (1 << 20)))
		return 1
	}))
	got := eval(t, L, `
for i = 1, 20 do assert(kv.set(string.format("big%02d", i), string.rep("x", 1000000))) end
local before = live_mib()
local n, peak, last = 0, 0, ""
for k, v in kv.scan("big") do
  assert(k > last and #v == 1000000)
  last, n = k, n + 1
  peak = math.max(peak, live_mib() - before)
end
return n .. " " .. (peak < 8 and "bounded" or ("peak " .. peak .. " MiB"))`)
	// 20 MB stored: a scan that loaded them all would hold 20 MiB or more.
	if got != "20 bounded" {
		t.Fatalf("scan: %s, want 20 values with less than 8 MiB live at once", got)
	}
}

// A scan spanning several pages returns every key once, in order, and
// skips expired and deleted keys; one started before a write beyond its
// position sees the new key.
func TestKVScan_PagesAreSeamless(t *testing.T) {
	L := stateWith(t, func(s *kv.Store) bindings.Store { return s })
	got := eval(t, L, `
for i = 1, 30 do assert(kv.set(string.format("k%02d", i), string.rep(tostring(i % 10), 300000))) end
kv.set("k05", nil)
kv.set("j", 1) kv.set("l", 1)
local keys = {}
for k, v in kv.scan("k") do
  keys[#keys + 1] = k
  if k == "k10" then kv.set("k25x", "late") end
end
return table.concat(keys, ",")`)
	want := "k01,k02,k03,k04,k06,k07,k08,k09,k10,k11,k12,k13,k14,k15,k16,k17,k18,k19,k20,k21,k22,k23,k24,k25,k25x,k26,k27,k28,k29,k30"
	if got != want {
		t.Fatalf("scan returned\n%s\nwant\n%s", got, want)
	}
}
