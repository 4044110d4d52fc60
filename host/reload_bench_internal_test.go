package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
)

// BenchmarkSaveToLive measures live reload from a file write to the new
// version being the one events are routed to: the watcher's debounce,
// compiling, running the top level in a new VM, and the swap.
func BenchmarkSaveToLive(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "bot.lua")
	writeFile(b, path, `on("message", function(ev) ev:reply("v0") end)`)
	h := newBareHost(b, Config{Watch: []string{dir}})
	if err := h.Load(path); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	serving := make(chan struct{})
	go func() {
		done <- h.serve(ctx, func(ctx context.Context, _ func(gateway.Event, func())) error {
			close(serving) // the watch is open before serve takes events
			<-ctx.Done()
			return nil
		}, nil)
	}()
	defer func() { cancel(); <-done }()
	<-serving
	b.ResetTimer()
	for i := range b.N {
		old := h.list()[0]
		writeFile(b, path, fmt.Sprintf(`on("message", function(ev) ev:reply("v%d") end)`, i+1))
		end := time.Now().Add(5 * time.Second)
		for h.list()[0] == old {
			if time.Now().After(end) {
				b.Fatal("no reload within 5 s")
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/save")
	_ = os.Remove(path)
}
