package host_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// writeScripts writes name → source into a new folder and returns the file paths.
func writeScripts(t *testing.T, files map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// The built-in /help answers as soon as a script has a command, unless some script
// answers "help" itself; with no commands at all "/help" is an ordinary message.
func TestHelp_BuiltInUnlessAScriptHasItsOwn(t *testing.T) {
	// Answers every message, so that the test sees what "/help" turned into.
	const fallback = `on("message", function(ev) ev:reply("plain: " .. ev.text) end)`
	tests := []struct {
		name  string
		files map[string]string
		want  string // the first reply to "/help"
	}{
		{"one command, no help", map[string]string{
			"dice.lua": `command("roll [sides:integer=6]", function(ev, args) ev:reply("rolled") end)`,
		}, "Commands:\n/roll [sides:integer=6]"},
		{"commands in two scripts", map[string]string{
			"a.lua": `command("roll", function(ev) ev:reply("rolled") end)`,
			"b.lua": `command("flip", function(ev) ev:reply("flipped") end)`,
		}, "Commands:\n/roll\n/flip"},
		{"command(\"help\") still asks for it", map[string]string{
			"dice.lua": `command("roll", function(ev) ev:reply("rolled") end) command("help")`,
		}, "Commands:\n/roll\n/help"},
		{"a script's own help", map[string]string{
			"dice.lua": `command("roll", function(ev) ev:reply("rolled") end)`,
			"mine.lua": `command("help", function(ev) ev:reply("my own help") end)`,
		}, "my own help"},
		{"own help beats command(\"help\")", map[string]string{
			"dice.lua": `command("roll", function(ev) ev:reply("rolled") end) command("help")`,
			"mine.lua": `command("help", function(ev) ev:reply("my own help") end)`,
		}, "my own help"},
		{"no commands", map[string]string{"echo.lua": fallback}, "plain: /help"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			paths := writeScripts(t, tt.files)
			platform := startBot(t, sim.Config{}, paths...)
			ctx := simtest.Deadline(t, 10*time.Second)
			if _, err := platform.Post(sim.Post{Content: "/help", MentionBot: true}); err != nil {
				t.Fatal(err)
			}
			got, err := platform.WaitSent(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if lines := strings.Split(got.Content, "\n"); len(tt.files) > 1 && strings.HasPrefix(tt.want, "Commands:") {
				// Scripts load in file order; compare as a set.
				want := strings.Split(tt.want, "\n")
				if !sameSet(lines, want) {
					t.Fatalf("reply %q, want the lines of %q", got.Content, tt.want)
				}
			} else if got.Content != tt.want {
				t.Fatalf("reply %q, want %q", got.Content, tt.want)
			}
			// Exactly one answer: a second message gets the next reply, and nothing
			// else was sent in between.
			if _, err := platform.Post(sim.Post{Content: "/roll", MentionBot: true}); err != nil {
				t.Fatal(err)
			}
			if _, err := platform.WaitSent(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if sent := platform.Sent(); sent[1].Content == got.Content {
				t.Fatalf("/help answered twice: %q", sent[1].Content)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// An alias that is another script's command name (or alias) is the same
// command registered twice: the host says so, naming it.
func TestHelp_AliasInTwoScriptsIsWarned(t *testing.T) {
	t.Parallel()
	paths := writeScripts(t, map[string]string{
		"a.lua": `command("签到|checkin", {aliases = {"打卡"}}, function(ev) ev:reply("a") end)`,
		"b.lua": `command("打卡", function(ev) ev:reply("b") end)`,
	})
	logs := simtest.NewLog()
	_, _ = runHostWith(t, simtest.Start(t, sim.Config{}), filepath.Join(t.TempDir(), "bot.db"), host.Config{Logger: logs.Logger()}, paths...)
	warnings := logs.Matching("command registered by two scripts; both will run", nil)
	if len(warnings) != 1 || warnings[0].Attrs["command"] != "打卡" {
		t.Fatalf("warnings %v, want one naming 打卡", warnings)
	}
}
