package host

import (
	"log/slog"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/luabot/luabot/kv"
)

// Scripts that require the same module file run one compiled prototype,
// each with its own module state; an edited module is compiled anew; once
// no script holds a prototype, its entry goes.
func TestRequire_ScriptsShareAModulesPrototype(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"lib/counter.lua": "local n = 0\nreturn {inc = function() n = n + 1 return n end}",
		"a.lua":           `local c = require "counter" c.inc() result = c.inc()`,
		"b.lua":           `result = require("counter").inc()`,
	})
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "t.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	deps := scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler), loadBudget: harnessWait}
	load := func(name string) *script {
		s, err := loadScript(filepath.Join(dir, name), deps)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := load("a.lua"), load("b.lua")
	if got := a.L.GetGlobal("result").String() + " " + b.L.GetGlobal("result").String(); got != "2 1" {
		t.Fatalf("the counters read %s, want 2 1: the module's state must be each script's own", got)
	}
	if len(a.req.protos) != 1 || len(b.req.protos) != 1 || a.req.protos[0] != b.req.protos[0] {
		t.Fatalf("%d and %d prototypes, not one shared", len(a.req.protos), len(b.req.protos))
	}
	writeFile(t, filepath.Join(dir, "lib/counter.lua"), "return {inc = function() return 42 end}")
	c := load("b.lua")
	if c.L.GetGlobal("result").String() != "42" || c.req.protos[0] == a.req.protos[0] {
		t.Fatal("the edited module ran the old prototype")
	}
	chunk := filepath.ToSlash(filepath.Join(dir, "lib", "counter.lua"))
	entries := func() (n int) {
		moduleProtos.Lock()
		defer moduleProtos.Unlock()
		for k := range moduleProtos.m {
			if k.chunk == chunk {
				n++
			}
		}
		return n
	}
	if n := entries(); n != 2 {
		t.Fatalf("%d entries for the module's two versions, want 2", n)
	}
	for _, s := range []*script{a, b, c} {
		s.L.Close()
	}
	deadline := time.Now().Add(20 * time.Second)
	for entries() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d entries still there once no script holds them", entries())
		}
		runtime.GC() // the entries go with the prototypes, in the collector's clean-ups
		time.Sleep(10 * time.Millisecond)
	}
}

// Twenty scripts that each require Penlight's modules (its test bot):
// the heap they keep, and the time to load them.
func BenchmarkLoad_TwentyScriptsSharingPenlight(b *testing.B) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(b.TempDir(), "t.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	deps := scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler), loadBudget: harnessWait}
	var kept uint64
	for range b.N {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		var scripts []*script
		for range 20 {
			s, err := loadScript("testdata/libs/penlight/bot.lua", deps)
			if err != nil {
				b.Fatal(err)
			}
			scripts = append(scripts, s)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		kept += ms.HeapAlloc - before
		for _, s := range scripts {
			s.L.Close()
		}
	}
	b.ReportMetric(float64(kept)/float64(b.N)/(1<<20), "MiB-kept")
}
