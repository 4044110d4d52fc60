package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/transport"
)

func TestCheck_FindsEachMistake(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the report line, without the "bot.lua:" prefix
	}{
		{"syntax error", "on(\"message\", function()\n  if x then\nend)\n", `3: syntax error near ')'`},
		// gopher-lua gives no line for an error at the end of the file: the
		// report names the last line and the block left open.
		{"missing end", "on(\"message\", function()\n  if x then\n  end\n", `3: syntax error at end of file: 'end' expected (to close 'function' at line 1)`},
		{"unknown event", `on("mesage", function() end)`, `1: unknown event "mesage" (did you mean "message"?)`},
		{"unknown event in a handler", "on(\"message\", function()\n  once(\"READDY\", function() end)\nend)",
			`2: unknown event "READDY" (did you mean "READY"?)`},
		{"unknown event by value", "local name = \"AT_MESAGE_CREATE\"\non(name, function() end)",
			`2: unknown event "AT_MESAGE_CREATE" (did you mean "AT_MESSAGE_CREATE"?)`},
		{"bad usage string", `command("roll [sides:num]", function() end)`,
			`1: bad usage string "roll [sides:num]": parameter "[sides:num]": unknown type "num" (string, number, integer or user)`},
		{"io", `local f = io.open("x")`, `1: io is not available in the sandbox: scripts cannot touch files; keep state in kv`},
		{"os.execute", "on(\"message\", function()\n  os.execute(\"ls\")\nend)", `2: os.execute is not available in the sandbox: scripts cannot run programs`},
		{"dofile", `local f = dofile("x.lua")`, `1: dofile is not available in the sandbox: use require("name") for a file beside the script`},
		{"debug", `print(debug.traceback())`, `1: debug is not available in the sandbox: the sandbox has no debug library`},
		{"waiting at top level", `qq.send("1", "hi")`, `1: this call waits`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := mustFiles(t, map[string]string{"bot.lua": tt.src})
			t.Chdir(dir)
			code, out, errOut := runCLI("check", "bot.lua")
			if code != 1 || !strings.HasPrefix(out, "bot.lua:"+tt.want) || strings.Count(out, "\n") != 1 {
				t.Errorf("exit %d, stdout:\n%s\nwant exit 1 and one line starting %q\nstderr: %s", code, out, "bot.lua:"+tt.want, errOut)
			}
		})
	}
}

func TestCheck_ReportsEveryProblemOfEveryFile(t *testing.T) {
	dir := mustFiles(t, map[string]string{
		"a.lua": "on(\"mesage\", function() end)\nlocal x = os.getenv(\"HOME\")\n",
		"b.lua": "command(\"roll <\", function() end)\n",
		"c.lua": "on(\"message\", function(ev) ev:reply(ev.text) end)\n",
	})
	t.Chdir(dir)
	code, out, errOut := runCLI("check", ".")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 3 || !strings.HasPrefix(lines[0], "a.lua:1: ") ||
		!strings.HasPrefix(lines[1], "a.lua:2: os.getenv") || !strings.HasPrefix(lines[2], "b.lua:1: bad usage string") {
		t.Errorf("exit %d, stdout:\n%s", code, out)
	}
	if !strings.Contains(errOut, "3 problems in 2 of 3 scripts") {
		t.Errorf("stderr: %s", errOut)
	}
}

func TestCheck_CleanScriptsPrintOnlyASummary(t *testing.T) {
	dir := mustFiles(t, map[string]string{
		"bot.lua": `local io = {write = print} -- a local named io is fine
on("message", function(ev) io.write(ev.text) end)
command("roll [sides:integer=6]", function(ev, args) ev:reply(tostring(args.sides)) end)
timer.every(60, function() end)
kv.set("loaded", true)`,
	})
	t.Chdir(dir)
	code, out, errOut := runCLI("check", ".")
	if code != 0 || out != "" || strings.TrimSpace(errOut) != "luabot check: 1 script ok" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "luabot.db")); !os.IsNotExist(err) {
		t.Errorf("check created luabot.db (stat: %v)", err)
	}
}

func TestCheck_Examples(t *testing.T) {
	t.Parallel()
	matches, err := filepath.Glob("../../examples/*/*.lua")
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, m := range append(matches, "../../examples/echo.lua") {
		if !strings.HasSuffix(m, "_test.lua") {
			args = append(args, m)
		}
	}
	if code, out, errOut := runCLI(append([]string{"check"}, args...)...); code != 0 {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestCheck_Usage(t *testing.T) {
	t.Parallel()
	if code, _, _ := runCLI("check"); code != 2 {
		t.Errorf("check without arguments: exit %d, want 2", code)
	}
}

// check DIR covers the scripts `luabot test DIR` loads: subfolders too,
// hidden folders and *_test.lua files not.
func TestCheck_WalksSubfoldersAsTestDoes(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.lua":            "on(\"message\", function(ev) ev:reply(ev.text) end)\n",
		"bots/b.lua":       "on(\"mesage\", function() end)\n",
		"bots/b_test.lua":  "test(\"x\", function() end)\n",
		".hidden/c.lua":    "on(\"mesage\", function() end)\n",
		"bots/deep/d.lua":  "command(\"roll <\", function() end)\n",
		"bots/deep/README": "not a script",
	}
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	code, out, errOut := runCLI("check", ".")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 2 || !strings.HasPrefix(lines[0], filepath.Join("bots", "b.lua")+":1: ") ||
		!strings.HasPrefix(lines[1], filepath.Join("bots", "deep", "d.lua")+":1: bad usage string") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "2 problems in 2 of 3 scripts") {
		t.Errorf("stderr: %s", errOut)
	}
}

// A string literal shaped like a key is a warning (check still passes);
// config.require of a setting check cannot know is not a problem.
func TestCheck_WarnsAboutKeysInTheSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "w.lua"), []byte(`local key = "sk-proj-AbCdEfGhIjKlMnOpQrStUv123456"
local appid = "3f2a9c1e8b7d6a5f4e3d2c1b0a998877"
local url = "https://api.example.com/v1/weather?q=beijing"
local name = "CamelCaseIdentifierWithoutDigits"
local required = config.require("api_key")
`), 0o644)
	s := start(t, "check", dir)
	var lines []string
	for line := range s.lines {
		lines = append(lines, line)
	}
	out := strings.Join(lines, "\n")
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, s.stderr.String())
	}
	for _, want := range []string{"w.lua:1: warning: this string looks like an API key", "w.lua:2: warning:"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout does not say %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "warning") != 2 {
		t.Errorf("want 2 warnings:\n%s", out)
	}
}

// When the bot's last run (its status file beside --data) was not granted
// the guild DM intent, check warns at each script's first command; a
// script without commands, and a bot with the intent, get no warning.
func TestCheck_WarnsWhenCommandsCannotAnswerInDMs(t *testing.T) {
	dir := mustFiles(t, map[string]string{
		"bot.lua":  "local x = 1\ncommand(\"签到\", function(ev) ev:reply(\"ok\") end)\n",
		"echo.lua": "on(\"message\", function(ev) ev:reply(ev.text) end)\n",
	})
	t.Chdir(dir)
	writeStatus := func(r transport.StatusReport) {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(statusPath("luabot.db"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, _ := runCLI("check", ".")
	if code != 0 || out != "" {
		t.Fatalf("no status file: exit %d, stdout:\n%s", code, out)
	}
	writeStatus(transport.StatusReport{IntentsNotGranted: dispatch.IntentDirectMessage | dispatch.IntentGuildMessages})
	code, out, _ = runCLI("check", ".")
	if code != 0 || !strings.HasPrefix(out, "bot.lua:2: warning: commands will not answer in guild DMs") || strings.Count(out, "\n") != 1 {
		t.Fatalf("DM intent refused: exit %d, stdout:\n%s", code, out)
	}
	writeStatus(transport.StatusReport{IntentsNotGranted: dispatch.IntentGuildMessages})
	if code, out, _ = runCLI("check", "."); code != 0 || out != "" {
		t.Fatalf("DM intent granted: exit %d, stdout:\n%s", code, out)
	}
}

// Each script registers its commands for itself: the same name (or alias)
// in two scripts of a folder is no mistake of either (the host warns when
// both run), so check judges each usage string alone.
func TestCheck_SameCommandInTwoScripts(t *testing.T) {
	dir := mustFiles(t, map[string]string{
		"a.lua": `command("reset", function(ev) end)`,
		"b.lua": `command("清零|reset <who:user>", {allow = "admin"}, function(ev) end)`,
	})
	t.Chdir(dir)
	if code, out, errOut := runCLI("check", "."); code != 0 || out != "" {
		t.Fatalf("exit %d, stdout:\n%s\nstderr: %s", code, out, errOut)
	}
}
