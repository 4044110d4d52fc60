package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// luabot init makes a folder a newcomer can use at once: its test passes, check finds
// one script (the editor's luabot.d.lua is not taken for a bot), the LuaLS config is
// valid JSON, and a second init overwrites nothing.
func TestInit_ScaffoldRunsAndTests(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "mybot")
	code, out, errOut := runCLI("init", dir)
	if code != 0 || !strings.Contains(out, "luabot dev "+dir) || !strings.Contains(out, "bot_test.lua") {
		t.Fatalf("init: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runCLI("test", dir)
	if code != 0 || !strings.Contains(out, "3 passed, 0 failed") {
		t.Fatalf("test: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runCLI("check", dir)
	if code != 0 || !strings.Contains(out+errOut, "1 script ok") {
		t.Fatalf("check: exit %d, stdout %q, stderr %q; want one script (luabot.d.lua is not a bot)", code, out, errOut)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ".luarc.json"))
	if err != nil {
		t.Fatal(err)
	}
	var luarc map[string]any
	if err := json.Unmarshal(raw, &luarc); err != nil || luarc["runtime.version"] != "Lua 5.1" {
		t.Fatalf(".luarc.json %s: %v", raw, err)
	}

	if err := os.WriteFile(filepath.Join(dir, "bot.lua"), []byte("-- mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI("init", dir)
	if code == 0 || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("second init: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "bot.lua")); string(got) != "-- mine\n" {
		t.Errorf("second init changed bot.lua to %q", got)
	}
}

// What luabot dev leaves in the folder is all named in the .gitignore
// init writes: it used to miss luabot-dev.db.status.json, which then
// showed in git status after the first chat.
func TestInit_GitignoreCoversWhatDevLeaves(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mybot")
	if code, out, errOut := runCLI("init", dir); code != 0 {
		t.Fatalf("init: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	scaffold := map[string]bool{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		scaffold[e.Name()] = true
	}
	t.Chdir(dir)
	s := start(t, "dev", "--admin", "off", ".")
	s.expect("luabot dev:")
	if _, err := io.WriteString(s.stdin, "/ping\n"); err != nil {
		t.Fatal(err)
	}
	s.expect("bot> pong")
	s.stdin.Close()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("dev: exit %d; stderr:\n%s", code, s.stderr.String())
	}
	ignore, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	ignored := map[string]bool{}
	for _, line := range strings.Split(string(ignore), "\n") {
		ignored[line] = true
	}
	entries, err = os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !scaffold[e.Name()] && !ignored[e.Name()] {
			t.Errorf("dev left %s, which .gitignore does not name:\n%s", e.Name(), ignore)
		}
	}
}

func TestInit_RefusesAFileAndTwoFolders(t *testing.T) {
	t.Parallel()
	dir := mustFiles(t, map[string]string{"f": "x"})
	if code, _, errOut := runCLI("init", filepath.Join(dir, "f")); code == 0 || !strings.Contains(errOut, "is a file") {
		t.Errorf("init FILE: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLI("init", "a", "b"); code != 2 || !strings.Contains(errOut, "one folder") {
		t.Errorf("init a b: exit %d, stderr %q", code, errOut)
	}
}
