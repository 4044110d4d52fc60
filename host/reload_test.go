package host_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

func versionScript(v string) string {
	return fmt.Sprintf(`on("message", function(ev) ev:reply(%q .. " " .. ev.text) end)`, v)
}

// startWatched runs a host with live reload over dir against a fresh simulator.
func startWatched(t *testing.T, dir string) (*sim.Server, *host.Host) {
	t.Helper()
	platform := simtest.Start(t, sim.Config{})
	files, err := host.ScriptFiles([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	h, stop := runHostWith(t, platform, filepath.Join(t.TempDir(), "k.db"), host.Config{Watch: []string{dir}}, files...)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	if err := platform.WaitSessions(simtest.Deadline(t, 10*time.Second), 1); err != nil {
		t.Fatal(err)
	}
	return platform, h.Host
}

// ask posts text and returns the bot's next message.
func ask(t *testing.T, platform *sim.Server, text string) string {
	t.Helper()
	n := len(platform.Sent())
	if _, err := platform.Post(sim.Post{Content: text, MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	m, err := platform.WaitSent(simtest.Deadline(t, 5*time.Second), n)
	if err != nil {
		t.Fatalf("no answer to %q", text)
	}
	return m.Content
}

// waitAnswer posts until the answer has the wanted prefix (a reload is
// asynchronous to the file write).
func waitAnswer(t *testing.T, platform *sim.Server, prefix string) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		if got := ask(t, platform, fmt.Sprint("probe", i)); strings.HasPrefix(got, prefix) {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("answers never started with %q", prefix)
		}
	}
}

func TestReload_StreamLosesAndDuplicatesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.lua")
	os.WriteFile(path, []byte(versionScript("v1")), 0o644)
	platform, _ := startWatched(t, dir)

	const n = 200
	for i := range n {
		if i == n/2 {
			os.WriteFile(path, []byte(versionScript("v2")), 0o644)
		}
		if _, err := platform.Post(sim.Post{Content: fmt.Sprint("m", i), MentionBot: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := platform.WaitSent(simtest.Deadline(t, 20*time.Second), n-1); err != nil {
		t.Fatalf("%d of %d answers: %v", len(platform.Sent()), n, err)
	}
	waitAnswer(t, platform, "v2")
	answered := map[string]int{}
	for _, m := range platform.Sent() {
		if _, text, ok := strings.Cut(m.Content, " "); ok && strings.HasPrefix(text, "m") {
			answered[text]++
		}
	}
	for i := range n {
		if c := answered[fmt.Sprint("m", i)]; c != 1 {
			t.Errorf("m%d answered %d times", i, c)
		}
	}
}

func TestReload_BrokenSaveKeepsOldVersion(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.lua")
	os.WriteFile(path, []byte(versionScript("v1")), 0o644)
	platform, h := startWatched(t, dir)
	if got := ask(t, platform, "a"); got != "v1 a" {
		t.Fatalf("got %q", got)
	}
	os.WriteFile(path, []byte("on('message', function(ev)\n  ev:reply(\nend)"), 0o644)
	// Reload directly as well, to see the error it reports.
	if err := h.Reload(path); err == nil || !strings.Contains(err.Error(), "bot.lua:3:") {
		t.Fatalf("Reload of a broken file = %v, want an error naming bot.lua:3", err)
	}
	if got := ask(t, platform, "b"); got != "v1 b" {
		t.Fatalf("after a broken save: %q, want the old version", got)
	}
	os.WriteFile(path, []byte(versionScript("v3")), 0o644)
	waitAnswer(t, platform, "v3")
}

// An editor that saves by truncating and then writing leaves the file empty for a
// moment: a reload that catches it keeps the running version (which would otherwise
// have no handlers and drop events) until the real content arrives.
func TestReload_EmptyFileKeepsOldVersion(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.lua")
	os.WriteFile(path, []byte(versionScript("v1")), 0o644)
	platform, h := startWatched(t, dir)
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.Reload(path); err != nil {
		t.Fatalf("Reload of an empty file: %v", err)
	}
	if got := ask(t, platform, "a"); got != "v1 a" {
		t.Fatalf("after an empty save: %q, want the old version", got)
	}
	os.WriteFile(path, []byte(versionScript("v2")), 0o644)
	waitAnswer(t, platform, "v2")
}

func TestReload_FolderAddsAndRemovesScripts(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.lua"), []byte(versionScript("a")), 0o644)
	platform, h := startWatched(t, dir)
	extra := filepath.Join(dir, "b.lua")
	os.WriteFile(extra, []byte(`command("ping", function(ev) ev:reply("pong from b") end)`), 0o644)
	deadlineAt := time.Now().Add(10 * time.Second)
	for !contains(h.Scripts(), "b") {
		if time.Now().After(deadlineAt) {
			t.Fatal("b.lua was not loaded")
		}
		time.Sleep(5 * time.Millisecond)
	}
	os.Remove(extra)
	for contains(h.Scripts(), "b") {
		if time.Now().After(deadlineAt) {
			t.Fatal("b.lua was not unloaded")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := ask(t, platform, "still"); got != "a still" {
		t.Fatalf("got %q", got)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
