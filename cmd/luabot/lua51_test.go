package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lua51Suite are the files of the official Lua 5.1 test suite that run in
// the sandbox (testdata/lua51-tests; its README says where they come from
// and what was adapted, each adaptation commented in the file).
var lua51Suite = []string{"pm", "sort", "vararg", "strings", "math", "nextvar", "constructs", "calls", "literals", "closure", "locals", "events"}

// lua51Bot runs the suite file (suite.lua beside it) at its top level, which
// also declares the globals the file assigns (a handler may only assign
// declared globals), and again in a handler: in the handler's coroutine,
// through the host's pcall and coroutine library, as bot code runs.
// constructs.lua compiles 16 384 chunks each time (5 s of CPU for both
// runs); every seventh still puts each operand and operator in every
// position (7 is prime to 2 and 4).
const lua51Bot = `-- luabot: cpu=60 memory=256
COMBINATION_STRIDE = 7
IN_HANDLER = false
-- nextvar.lua clears the globals that are tables.
local loaded = package.loaded
require("suite")
on("message", function(ev)
  IN_HANDLER = true
  loaded.suite = nil
  require("suite")
  ev:reply("reached the end")
end)
`

// Each file of the suite reaches its end without an error in a bot run by
// luabot dev, at the top level and in a handler. The bot is a child process
// built without -race, as a user runs it: under the race detector the
// suite took twice the CPU, and the VM runs on one goroutine, so the
// detector had nothing to find there that the host's own tests do not
// reach.
func TestLua51Suite(t *testing.T) {
	t.Parallel() // child processes
	for _, name := range lua51Suite {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src, err := os.ReadFile(filepath.Join("testdata", "lua51-tests", name+".lua"))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, "suite.lua"), src, 0o644)
			os.WriteFile(filepath.Join(dir, "bot.lua"), []byte(lua51Bot), 0o644)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := luabotCommand("dev", "--max-script-cpu", "1m", "--max-script-memory", "256",
				"--data", filepath.Join(dir, "dev.db"), "bot.lua")
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader("go\n") // then the end of input: dev answers it and quits
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err = <-exited:
			case <-ctx.Done():
				cmd.Process.Kill()
				<-exited
				t.Fatalf("luabot dev did not finish %s.lua within 2 minutes; stderr:\n%s", name, stderr.String())
			}
			if err != nil || !strings.Contains(stdout.String(), "bot> reached the end") {
				t.Fatalf("%s.lua: exit %v; stdout:\n%s\nstderr:\n%s", name, err, stdout.String(), stderr.String())
			}
		})
	}
}
