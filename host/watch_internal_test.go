package host

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
)

// A script saved the moment events start to flow is loaded: the watch is
// in place before serve takes events. (It used to start in a goroutine of
// its own, so a save right after connecting could go unseen, which made
// TestReload_FolderAddsAndRemovesScripts fail on a loaded machine.)
func TestWatch_OpenBeforeEventsFlow(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.lua"), `on("message", function() end)`)
	h := newBareHost(t, Config{Watch: []string{dir}})
	if err := h.Load(filepath.Join(dir, "a.lua")); err != nil {
		t.Fatal(err)
	}
	err := h.serve(context.Background(), func(ctx context.Context, _ func(gateway.Event, func())) error {
		writeFile(t, filepath.Join(dir, "b.lua"), `on("message", function() end)`)
		deadline := time.Now().Add(10 * time.Second)
		for !slices.Contains(h.Scripts(), "b") {
			if time.Now().After(deadline) {
				t.Error("b.lua, saved as events began, was not loaded within 10 s")
				return nil
			}
			time.Sleep(5 * time.Millisecond)
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
}
