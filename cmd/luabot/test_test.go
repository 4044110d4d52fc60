package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mustFiles writes files into a temp folder and returns it.
func mustFiles(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// runCLI runs luabot with args and returns the exit status and outputs.
func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"luabot"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestTest_ExitStatusAndReport(t *testing.T) {
	const bot = `on("message", function(ev) ev:reply("echo: " .. ev.text) end)`
	tests := []struct {
		name     string
		test     string
		wantCode int
		wantOut  string
	}{
		{"passing", `test("echoes", function()
  sim.say("general", "hi")
  expect(sim.sent(1).content).to_be("echo: hi")
end)`, 0, "ok echoes\n1 passed, 0 failed\n"},
		{"failing", `test("echoes", function()
  sim.say("general", "hi")
  expect(sim.sent(1).content).to_match("^hi")
end)
test("replies once", function()
  sim.say("general", "hi")
  expect(#sim.sent()).to_be(1)
end)`, 1, "FAIL echoes: bot_test.lua:3: expected \"echo: hi\" to match \"^hi\"\nok replies once\n1 passed, 1 failed\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := mustFiles(t, map[string]string{"bot.lua": bot, "bot_test.lua": tt.test})
			t.Chdir(dir)
			code, out, errOut := runCLI("test")
			if code != tt.wantCode || out != tt.wantOut {
				t.Errorf("exit %d, stdout:\n%s\nwant exit %d, stdout:\n%s\nstderr:\n%s", code, out, tt.wantCode, tt.wantOut, errOut)
			}
		})
	}
}

func TestTest_UsageErrors(t *testing.T) {
	empty := t.TempDir()
	for _, args := range [][]string{
		{"test", filepath.Join(empty, "missing")},
		{"test", empty}, // no *_test.lua
		{"test", empty, empty},
	} {
		if code, _, _ := runCLI(args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// --timeout bounds each test; a test over it fails with the limit named and
// the next test still runs.
func TestTest_Timeout(t *testing.T) {
	dir := mustFiles(t, map[string]string{
		"bot.lua": `on("message", function(ev) ev:reply("pong") end)`,
		"bot_test.lua": `test("spins", function()
  while true do end
end)
test("answers", function()
  sim.say("general", "ping")
  expect(sim.sent(1).content).to_be("pong")
end)`,
	})
	t.Chdir(dir)
	code, out, errOut := runCLI("test", "--timeout", "300ms")
	want := "FAIL spins: the test ran longer than 300ms\nok answers\n1 passed, 1 failed\n"
	if code != 1 || out != want {
		t.Errorf("exit %d, stdout:\n%s\nwant exit 1, stdout:\n%s\nstderr:\n%s", code, out, want, errOut)
	}
	if code, _, errOut := runCLI("test", "--timeout", "0s"); code != 2 || !strings.Contains(errOut, "--timeout must be positive") {
		t.Errorf("--timeout 0s: exit %d, stderr %q", code, errOut)
	}
}
