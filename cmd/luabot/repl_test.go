package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestREPL_OnTheSimulator(t *testing.T) {
	t.Parallel()
	s := start(t, "repl", "--data", filepath.Join(t.TempDir(), "r.db"))
	io.WriteString(s.stdin, "qq.me().username\nfunction double(x)\n  return x * 2\nend\ndouble(21)\n")
	if line := s.expect("luabot-sim"); line != `"luabot-sim"` {
		t.Fatalf("qq.me().username printed %q", line)
	}
	if line := s.expect("42"); line != "42" {
		t.Fatalf("multi-line function: %q", line)
	}
	// A mistyped prompt command is named, not compiled as Lua.
	io.WriteString(s.stdin, ":scirpts\n1 + 1\n")
	s.expect("2")
	if !strings.Contains(s.stderr.String(), "unknown REPL command :scirpts (:help lists them)") ||
		strings.Contains(s.stderr.String(), "syntax error") {
		t.Errorf("stderr after :scirpts:\n%s", s.stderr.String())
	}
	s.stdin.Close()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// repl --attach evaluates inside a running dev bot's script VM.
func TestREPL_AttachToRunningBot(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "dev.db")
	bot := start(t, "dev", "--data", data, "../../examples/echo.lua")
	bot.expect("luabot dev:")
	r := start(t, "repl", "--attach", "--data", data)
	io.WriteString(r.stdin, ":scripts\nscript.name .. '!'\nprint('from', 'inside')\n")
	if line := r.expect("echo"); line != "echo" {
		t.Fatalf(":scripts printed %q", line)
	}
	if line := r.expect("echo!"); line != `"echo!"` {
		t.Fatalf("script.name in the bot's VM printed %q", line)
	}
	if line := r.expect("inside"); line != "from inside" {
		t.Fatalf("print in the bot's VM showed %q at the prompt", line)
	}
	r.stdin.Close()
	if code := r.exitCode(); code != 0 {
		t.Fatalf("repl exit %d; stderr:\n%s", code, r.stderr.String())
	}
	bot.stdin.Close()
	if code := bot.exitCode(); code != 0 {
		t.Fatalf("dev exit %d", code)
	}
}

// Without --data, repl --attach finds the bot running here on either default file:
// a newcomer's `luabot dev bot.lua` (luabot-dev.db) as well as `luabot run`.
func TestREPL_AttachFindsDevWithoutData(t *testing.T) {
	echo, err := filepath.Abs("../../examples/echo.lua")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	bot := start(t, "dev", echo)
	bot.expect("luabot dev:")
	r := start(t, "repl", "--attach")
	io.WriteString(r.stdin, "script.name .. '!'\n")
	if line := r.expect("echo!"); line != `"echo!"` {
		t.Fatalf("script.name printed %q; stderr:\n%s", line, r.stderr.String())
	}
	r.stdin.Close()
	if code := r.exitCode(); code != 0 {
		t.Fatalf("repl exit %d; stderr:\n%s", code, r.stderr.String())
	}
	bot.stdin.Close()
	if code := bot.exitCode(); code != 0 {
		t.Fatalf("dev exit %d", code)
	}
}

func TestREPL_AttachWithoutABot(t *testing.T) {
	t.Parallel()
	var stderr syncBuffer
	code := run(t.Context(), []string{"luabot", "repl", "--attach", "--data", filepath.Join(t.TempDir(), "none.db")},
		strings.NewReader(""), io.Discard, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "no running luabot") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

// The REPL without surprises: a nil expression prints nil (a statement
// prints nothing), an entry ending in an operator continues on the next
// line, a sparse table prints its keys, :script refuses a script that is
// not loaded at once, and print writes at the prompt (a call that returns
// nothing prints nothing more), not to the log, also before an error.
func TestREPL_NoSurprises(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, out, errOut := func() (int, string, string) {
		var stdout, stderr bytes.Buffer
		in := strings.NewReader("x = 1\nnil\n1 +\n2\n{[1000] = 1}\n:script nope\nx\n" +
			"print('hi', x)\nfor i = 1, 2 do print(i) end\nprint('before') error('boom')\n")
		code := run(context.Background(), []string{"luabot", "repl"}, in, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}()
	want := "nil\n3\n{\n  [1000] = 1,\n}\n1\nhi 1\n1\n2\nbefore\n"
	if code != 0 || out != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", code, out, want, errOut)
	}
	if !strings.Contains(errOut, `no script "nope" (loaded: repl)`) || !strings.Contains(errOut, "error: repl:1: boom") ||
		strings.Contains(errOut, "hi 1") {
		t.Errorf("stderr:\n%s", errOut)
	}
	if _, err := os.Stat("luabot.db"); !os.IsNotExist(err) {
		t.Errorf("repl on the simulator created luabot.db (run's store): %v", err)
	}
}

// The scripts loaded by the standalone REPL get their settings from the
// --config file and --conf, as on run and dev.
func TestREPL_ScriptSettings(t *testing.T) {
	dir := mustFiles(t, map[string]string{
		"keyed.lua": `local key = config.require("api_key")
function key_length() return #key end`,
		"bot.toml": "[scripts.keyed.secret]\napi_key = \"${REPL_TEST_KEY}\"\n",
	})
	t.Setenv("REPL_TEST_KEY", "abcd")
	s := start(t, "repl", "-c", filepath.Join(dir, "bot.toml"), "--conf", "keyed.city=上海",
		"--data", filepath.Join(t.TempDir(), "r.db"), "--script", "keyed", filepath.Join(dir, "keyed.lua"))
	io.WriteString(s.stdin, "key_length()\nconfig.city\n")
	if line := s.expect("4"); line != "4" {
		t.Fatalf("the secret from the config file: %q; stderr:\n%s", line, s.stderr.String())
	}
	if line := s.expect("上海"); line != `"上海"` {
		t.Fatalf("the --conf setting: %q", line)
	}
	s.stdin.Close()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
}
