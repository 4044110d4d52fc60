package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// libraryFolder is a bot with two libraries, one marked by its header,
// one in lib/. Each library has top-level lines that would fail as a bot
// (an unknown event, a missing os function), so a library loaded or
// linted as a script shows.
func libraryFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range map[string]string{
		"bot.lua": `local inspect = require("inspect")
local lume = require("lume")
on("message", function(ev) ev:reply(inspect(ev.text) .. lume.twice(1)) end)`,
		"inspect.lua": "-- luabot: library\n" + `if false then on("mesage", function() end) os.execute("x") end
return function(s) return "<" .. s .. ">" end`,
		"lib/lume.lua": `if false then on("mesage", function() end) os.execute("x") end
return {twice = function(n) return n * 2 end}`,
		"bot_test.lua": `test("uses its libraries", function()
  sim.say("general", "hi")
  expect(sim.sent(1).content).to_be("<hi>2")
end)`,
	} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Libraries beside a script are not bots: check lints only the bot, and
// test loads only the bot (issue 21 item 8).
func TestLibraries_NotBots(t *testing.T) {
	t.Chdir(libraryFolder(t))
	code, out, errOut := runCLI("check", ".")
	if code != 0 || out != "" || strings.TrimSpace(errOut) != "luabot check: 1 script ok" {
		t.Errorf("check: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runCLI("test")
	if code != 0 || out != "ok uses its libraries\n1 passed, 0 failed\n" {
		t.Errorf("test: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// Named explicitly, a library is checked like any script.
	if code, out, _ := runCLI("check", "inspect.lua"); code != 1 || !strings.Contains(out, `unknown event "mesage"`) {
		t.Errorf("check inspect.lua: exit %d, stdout %q", code, out)
	}
}
