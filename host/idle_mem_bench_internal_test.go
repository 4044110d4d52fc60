package host

import (
	"log/slog"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/luabot/luabot/kv"
)

// BenchmarkIdleScript reports the live heap one loaded, idle, trivial
// script keeps (its VM, sandbox, prelude and bindings), as heap-B/script.
func BenchmarkIdleScript(b *testing.B) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(b.TempDir(), "b.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	path := filepath.Join(b.TempDir(), "idle.lua")
	writeFile(b, path, `on("message", function(ev) end)`)
	deps := scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler)}
	var live []*script
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	for b.Loop() {
		s, err := loadScript(path, deps)
		if err != nil {
			b.Fatal(err)
		}
		live = append(live, s)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(live)), "heap-B/script")
	for _, s := range live {
		s.L.Close()
	}
}
