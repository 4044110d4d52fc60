package host_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// The console's script view: versions count successful loads, a broken
// save keeps the running version and reports its file:line, failures keep
// their traceback, and handler times are measured.
func TestScriptInfo_ReloadsFailuresAndTimes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.lua")
	os.WriteFile(path, []byte(`command("boom", function(ev) error("kaboom") end)
on("message", function(ev) if ev.text == "hi" then ev:reply("hello") end end)`), 0o644)
	platform := simtest.Start(t, sim.Config{})
	b, stop := runHostWith(t, platform, filepath.Join(t.TempDir(), "k.db"), host.Config{}, path)
	t.Cleanup(func() { stop() })
	if err := platform.WaitSessions(simtest.Deadline(t, 10*time.Second), 1); err != nil {
		t.Fatal(err)
	}
	h := b.Host

	info, ok := h.ScriptInfo("bot")
	if !ok || !info.Running || info.Version != 1 || !info.LastReload.OK || info.Memory <= 0 {
		t.Fatalf("after load: %+v", info)
	}
	if strings.Join(info.Commands, ",") != "/boom" || !strings.Contains(strings.Join(info.Events, ","), "message") {
		t.Fatalf("commands %v events %v", info.Commands, info.Events)
	}
	if got := ask(t, platform, "hi"); got != "hello" {
		t.Fatalf("answer %q", got)
	}
	if _, err := platform.Post(sim.Post{Content: "/boom", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	ctx := simtest.Deadline(t, 5*time.Second)
	for {
		info, _ = h.ScriptInfo("bot")
		if info.Failures > 0 && info.Handled >= 3 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("failure never recorded: %+v", info)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if e := info.RecentErrors[0]; e.Event == "" || !strings.Contains(e.Err, "kaboom") || !strings.Contains(e.Err, "bot.lua:1") {
		t.Fatalf("recent error %+v", e)
	}
	if info.P50 <= 0 || info.P99 < info.P50 {
		t.Fatalf("quantiles p50=%v p99=%v", info.P50, info.P99)
	}

	os.WriteFile(path, []byte("on(\"message\", function(ev)\n  ev:reply(\nend)\n"), 0o644)
	if err := h.ReloadScript("bot"); err == nil {
		t.Fatal("broken save reloaded")
	}
	info, _ = h.ScriptInfo("bot")
	if !info.Running || info.Version != 1 || info.LastReload.OK || info.LastReload.Line != 3 || !strings.HasSuffix(info.LastReload.File, "bot.lua") {
		t.Fatalf("after a broken save: %+v", info.LastReload)
	}
	os.WriteFile(path, []byte(`on("message", function(ev) end)`), 0o644)
	if err := h.ReloadScript("bot"); err != nil {
		t.Fatal(err)
	}
	if info, _ = h.ScriptInfo("bot"); info.Version != 2 || !info.LastReload.OK {
		t.Fatalf("after a good save: %+v", info)
	}
	if _, ok := h.ScriptInfo("nope"); ok {
		t.Fatal("unknown script found")
	}
	if err := h.ReloadScript("nope"); !errors.Is(err, host.ErrNoScript) {
		t.Fatalf("reload of an unknown script: %v", err)
	}
}
