package host

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
	lua "github.com/yuin/gopher-lua"
)

// BenchmarkPcall runs 1000 pcalls in a luabot handler and in a stock
// gopher-lua state side by side; ns/op is per pcall.
func BenchmarkPcall(b *testing.B) {
	for _, c := range []struct{ name, loop string }{
		{"go-callee", `for i = 1, 1000 do pcall(tostring, i) end`},
		{"lua-callee", `for i = 1, 1000 do pcall(f, i) end`},
		{"lua-callee-error", `for i = 1, 1000 do pcall(error, i) end`},
	} {
		b.Run("stock/"+c.name, func(b *testing.B) {
			L := lua.NewState()
			defer L.Close()
			if err := L.DoString(`f = function(i) return i end function run() ` + c.loop + ` end`); err != nil {
				b.Fatal(err)
			}
			run := L.GetGlobal("run")
			b.ResetTimer()
			for b.Loop() {
				L.Push(run)
				L.Call(0, 0)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/pcall")
		})
		b.Run("luabot/"+c.name, func(b *testing.B) {
			store, err := kv.Open(kv.Config{Path: filepath.Join(b.TempDir(), "b.db")})
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			path := filepath.Join(b.TempDir(), "bench.lua")
			writeFile(b, path, `n = 0
local function f(i) return i end
on("message", function(ev) `+c.loop+` n = n + 1 end)`)
			s, err := loadScript(path, scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			defer s.L.Close()
			ev, _, err := gateway.DecodeEvent([]byte(frame1K))
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				s.dispatch(ev)
			}
			b.StopTimer()
			if n := s.L.GetGlobal("n").String(); n == "0" {
				b.Fatal("handler never ran")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/pcall")
		})
	}
}
