package host

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/luabot/luabot/kv"
)

// lua51Suite are the files of the official Lua 5.1 test suite that run in
// the sandbox (testdata/lua51-tests; its README says where they come from
// and what was adapted, each adaptation commented in the file). Each runs
// as a script's top level and must reach its end without an error.
var lua51Suite = []string{"pm", "sort", "vararg", "strings", "math", "nextvar", "constructs", "calls", "literals", "closure", "locals", "events"}

// heavySuite are the files that spend seconds in the compiler and the VM's
// loops and touch nothing a handler changes: they run at the top level
// only. constructs.lua compiles 16 384 chunks (47 s under -race); under
// -race it compiles every seventh (comboStride), which still puts every
// operand and operator in every position (7 is prime to 2 and 4).
var heavySuite = map[string]bool{"constructs": true, "sort": true, "nextvar": true}

func comboStride() int {
	if raceEnabled {
		return 7
	}
	return 1
}

// raceSwitches sets, under -race, the switches with which a heavy file
// skips work that checks no concurrency (each is an "Adapted" comment in
// its file): sort.lua's own _soft sorts 5 000 elements instead of 30 000
// (2.5 s of VM loop), through the same orders and comparators (math.lua
// reads _soft too, to skip its end, so it is set for sort only);
// nextvar.lua's SHORT_GAPS leaves out the keys 2^13 to 2^21 of its "int
// overflow" table, each of which fills the gap before it in the array part
// with nils in one instruction (2 s of instrumented copying and collector
// stalls; the keys around them take the same paths).
func raceSwitches(name string) string {
	if !raceEnabled {
		return ""
	}
	switch name {
	case "sort":
		return "_soft = true\n"
	case "nextvar":
		return "SHORT_GAPS = true\n"
	}
	return ""
}

// parallelSuites: TestLua51Suite and TestLibraries run whole third-party
// test suites (several seconds of CPU each under -race) and run in parallel
// with each other, after the package's sequential tests. They share no
// process-wide state (no environment, working directory, default logger or
// memory watchdog), and their limits are generous: the load watchdog's
// 256 MiB of process heap growth and a load budget of harnessWait.
//
// Every file runs as a script's top level and must reach its end without
// an error; all but the heavy ones then run again inside a handler
// (suiteInAHandler).
func TestLua51Suite(t *testing.T) {
	t.Parallel() // see parallelSuites
	for _, name := range lua51Suite {
		t.Run(name, func(t *testing.T) {
			if !heavySuite[name] {
				suiteInAHandler(t, name)
				return
			}
			dir := t.TempDir()
			store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "t.db")})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			copySuiteFile(t, dir, name)
			bot := writeScript(t, dir, "bot.lua", fmt.Sprintf("%sCOMBINATION_STRIDE = %d\nrequire(\"suite\")\n", raceSwitches(name), comboStride()))
			s, err := loadScript(bot, scriptDeps{
				api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler),
				limits:     Limits{CPU: 10 * time.Second, Memory: 256 << 20},
				loadBudget: harnessWait, // wall time, which -race on a loaded machine stretches
			})
			if err != nil {
				t.Fatal(err)
			}
			s.L.Close()
		})
	}
}

// copySuiteFile puts the suite file name into dir as suite.lua.
func copySuiteFile(t *testing.T, dir, name string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "lua51-tests", name+".lua"))
	if err != nil {
		t.Fatal(err)
	}
	writeScript(t, dir, "suite.lua", string(src))
}

// suiteInAHandler runs the file name at a script's top level, which must
// reach its end (and declares the globals the file assigns: a handler may
// only assign declared globals, strict.go), and then again required from
// an event's handler, so it runs in the handler's coroutine, through the
// host's pcall and coroutine library, as bot code does (issue 21 tried
// them both ways).
func suiteInAHandler(t *testing.T, name string) {
	t.Helper()
	dir := t.TempDir()
	copySuiteFile(t, dir, name)
	h, err := newHarnessIn(t, dir, `IN_HANDLER = false
-- nextvar.lua clears the globals that are tables.
local loaded, send = package.loaded, qq.send
require("suite")
on("AT_MESSAGE_CREATE", function(ev)
  IN_HANDLER = true
  loaded.suite = nil
  require("suite")
  send("100", "reached the end")
end)`, Limits{CPU: time.Minute, Memory: 256 << 20}, 0) // 0: harnessWait
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	h.send("AT_MESSAGE_CREATE", atMessage)
	// The slowest files take seconds under -race on a loaded machine.
	select {
	case c := <-h.api.calls:
		if c.Body["content"] != "reached the end" {
			t.Fatalf("sent %v; log:\n%s", c.Body, h.logs.dump())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("no send; log:\n%s", h.logs.dump())
	}
}
