package host

import (
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/luabot/luabot/kv"
)

// writeTree writes files (slash paths) under a new folder and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, path, src)
	}
	return dir
}

// loadIn loads dir/bot.lua as a script and returns the string its top
// level leaves in the global result, or the load error.
func loadIn(t *testing.T, dir string) (string, error) {
	t.Helper()
	return loadInWith(t, dir, Limits{})
}

// loadInWith is loadIn with the script's limits.
func loadInWith(t *testing.T, dir string, limits Limits) (string, error) {
	t.Helper()
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "t.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// Test suites run at the top level, whose wall-clock budget (5 s by
	// default) a loaded machine under -race can pass.
	s, err := loadScript(filepath.Join(dir, "bot.lua"), scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler), limits: limits, loadBudget: harnessWait})
	if err != nil {
		return "", err
	}
	defer s.L.Close()
	return s.L.GetGlobal("result").String(), nil
}

// A folder's scripts leave out tests, files whose header says library,
// and everything in lib/ (issue 21 item 8).
func TestLibrary_ScriptsIn(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"bot.lua":      `on("message", function() end)`,
		"bot_test.lua": `test("x", function() end)`,
		"inspect.lua":  "-- inspect.lua, vendored\n-- luabot: library\nreturn {}",
		"limited.lua":  "-- luabot: cpu=2\nreturn {}",
		"lib/json.lua": "return {}",
	})
	got, err := ScriptsIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "bot.lua"), filepath.Join(dir, "limited.lua")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ScriptsIn = %v, want %v", got, want)
	}
	if got, _ := ScriptsIn(filepath.Join(dir, "lib")); len(got) != 0 {
		t.Fatalf("ScriptsIn(lib) = %v, want none", got)
	}
	files, err := ScriptFiles([]string{dir, filepath.Join(dir, "inspect.lua")})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 || files[2] != filepath.Join(dir, "inspect.lua") {
		t.Fatalf("ScriptFiles = %v, want the folder's two scripts and the library named explicitly", files)
	}
	if _, err := ScriptFiles([]string{filepath.Join(dir, "lib")}); err == nil || !strings.Contains(err.Error(), "has no scripts") {
		t.Fatalf("ScriptFiles(lib) err = %v", err)
	}
	// The header mark is no limit: a library header loads as a script
	// when named explicitly.
	if _, err := loadIn(t, writeTree(t, map[string]string{"bot.lua": "-- luabot: library cpu=2\nresult = 'ran'"})); err != nil {
		t.Fatal(err)
	}
}

// require accepts the names Lua accepts (dashes, digits first), finds
// name/init.lua and lib/, and stays inside the folder; package is there,
// for feature detection, its config, loaded and preload fixed (issue 21
// item 9).
func TestRequire_Lua51(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"bot.lua": `
local out = {}
local function add(v) out[#out + 1] = tostring(v) end
add(require("30log-global").name)
add(require("pl").name .. "+" .. require("pl.utils").name)
add(require("inspect").name)
add(require("inspect") == require("inspect"))
add(package.loaded["30log-global"] ~= nil)
add(package.config:sub(1, 1))
add(package.path == "")
package.preload.virtual = function(name) return {name = "pre:" .. name} end
add(require("virtual").name)
package.loaded.fake = {name = "fake"}
add(require("fake").name)
add(require("nothing"))
add(package.loaded.nothing)
add(select(2, pcall(function() package.config = "x" end)))
package.path = "/etc/?.lua;" .. package.path
package.searchpath = function() end
add(require("inspect").name .. (package.searchpath and "+searchpath" or ""))
add(select(2, pcall(require, "../secret")))
add(select(2, pcall(require, "a..b")))
add(select(2, pcall(require, "missing-one")))
result = table.concat(out, "|")`,
		"30log-global.lua": `return {name = "30log"}`,
		"pl/init.lua":      `return {name = "pl"}`,
		"pl/utils.lua":     `return {name = "utils"}`,
		"lib/inspect.lua":  `return {name = "inspect"}`,
		"nothing.lua":      `local x = 1`,
	})
	got, err := loadIn(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(got, "|")
	want := []string{"30log", "pl+utils", "inspect", "true", "true", "/", "true", "pre:virtual", "fake", "true", "true",
		"package.config cannot be replaced", "inspect+searchpath", "module name is parts", "module name is parts", "no file"}
	if len(parts) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if !strings.Contains(parts[i], want[i]) {
			t.Errorf("part %d = %q, want %q", i, parts[i], want[i])
		}
	}
}

// The standard libraries are in package.loaded from the start, as in 5.1
// (`local string = require "string"` opens many libraries), while a
// script's own json.lua is still what require "json" finds.
func TestRequire_StandardLibrariesAreLoaded(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"bot.lua": `
local out = {}
for _, name in ipairs({"_G", "string", "table", "math", "coroutine", "os", "package"}) do
  out[#out + 1] = tostring(require(name) == _G[name] and package.loaded[name] == _G[name])
end
out[#out + 1] = require("json").mine
result = table.concat(out, "|")`,
		"json.lua": `return {mine = "own json"}`,
	})
	got, err := loadIn(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := "true|true|true|true|true|true|true|own json"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
