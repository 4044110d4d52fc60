package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luabot/luabot/testkit"
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

// Every example's tests pass under luabot test, one file at a time as a user
// would run them, each with at least one test in it. (This is the examples'
// own test: a Go test in examples/ was one more test binary to link before
// host's tests, the whole suite's long pole, could start.)
func TestTest_Examples(t *testing.T) {
	t.Parallel()
	files, err := testkit.Find("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d example test files, want one per example: %q", len(files), files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI("test", f)
			if code != 0 || !strings.Contains(out, " passed, 0 failed") || strings.Contains(out, "\n0 passed") || strings.HasPrefix(out, "0 passed") {
				t.Errorf("luabot test %s: exit %d\n%s%s", f, code, out, errOut)
			}
		})
	}
}

func TestTest_UsageErrors(t *testing.T) {
	t.Parallel()
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

// --run picks tests by name, -v adds each test's time, --junit writes a
// JUnit XML report beside the usual one.
func TestTest_RunVerboseJUnit(t *testing.T) {
	dir := mustFiles(t, map[string]string{
		"bot.lua": `on("message", function(ev) ev:reply("echo: " .. ev.text) end)`,
		"bot_test.lua": `test("echoes", function()
  sim.say("general", "hi")
  expect(sim.sent(1).content).to_be("echo: hi")
end)
test("echoes twice", function()
  sim.say("general", "a")
  expect(sim.sent(2).content).to_be("echo: b")
end)
test("other", function() end)`,
	})
	t.Chdir(dir)
	code, out, errOut := runCLI("test", "--run", "^echoes", "-v", "--junit", "report.xml", ".")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 3 || !strings.HasPrefix(lines[0], "ok echoes (") ||
		!strings.HasPrefix(lines[1], "FAIL echoes twice: bot_test.lua:7: sim.sent(2): the bot sent only 1 message (") ||
		lines[2] != "1 passed, 1 failed" {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &report); err != nil {
		t.Fatalf("report.xml: %v\n%s", err, b)
	}
	if len(report.Suites) != 1 || report.Suites[0].Tests != 2 || report.Suites[0].Failures != 1 ||
		report.Suites[0].Cases[0].Failure != nil || report.Suites[0].Cases[1].Failure == nil ||
		report.Suites[0].Cases[1].Name != "echoes twice" {
		t.Errorf("report.xml:\n%s", b)
	}
	if code, _, errOut := runCLI("test", "--run", "nothing-matches", "."); code != 2 || !strings.Contains(errOut, "no test matches") {
		t.Errorf("--run with no match: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLI("test", "--run", "(", "."); code != 2 || !strings.Contains(errOut, "--run") {
		t.Errorf("--run with a bad pattern: exit %d, stderr %q", code, errOut)
	}
}
