package testkit_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luabot/luabot/testkit"
)

// mustDir writes files into a temp folder and returns it.
func mustDir(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// run runs every test under dir and returns the report lines.
func run(tb testing.TB, dir string) ([]string, testkit.Summary) {
	tb.Helper()
	files, err := testkit.Find(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var lines []string
	sum := testkit.Run(context.Background(), testkit.Config{}, files, func(r testkit.Result) {
		lines = append(lines, strings.ReplaceAll(r.String(), filepath.ToSlash(dir)+"/", ""))
	})
	return lines, sum
}

const echo = `on("message", function(ev) ev:reply(ev.text) end)`

func TestRun_Report(t *testing.T) {
	tests := []struct {
		name string
		test string // bot_test.lua next to bot.lua (echo)
		want []string
	}{
		{"pass", `test("echo", function()
  sim.say("general", "hi")
  expect(sim.sent(1).content).to_be("hi")
  expect(sim.sent()).to_be({sim.sent(1)})
end)`, []string{"ok echo"}},
		{"to_be fails at the test's line", `test("wrong", function()
  sim.say("general", "hi")
  expect(sim.sent(1).content).to_be("ho")
end)`, []string{`FAIL wrong: bot_test.lua:3: expected "ho", got "hi"`}},
		{"to_match", `test("m", function()
  sim.say("general", "abc 12")
  expect(sim.sent(1).content).to_match("%d+$")
  expect(sim.sent(1).content):to_match("^x")
end)`, []string{`FAIL m: bot_test.lua:4: expected "abc 12" to match "^x"`}},
		{"deep equality", `test("t", function()
  expect({a = {1, 2}}).to_be({a = {1, 2}})
  expect({a = {1, 2}}).to_be({a = {1, 3}})
end)`, []string{`FAIL t: bot_test.lua:3: expected {a={1, 3}}, got {a={1, 2}}`}},
		{"error in a test", `test("e", function() error("boom") end)
test("after", function() end)`, []string{"FAIL e: bot_test.lua:1: boom", "ok after"}},
		{"unknown channel", `test("c", function() sim.say("nowhere", "x") end)`,
			[]string{`FAIL c: bot_test.lua:1: bad argument #1 to say (no channel "nowhere" (try "general", "random", "group", "c2c" or "dm"))`}},
		{"syntax error", `test("x", function()`, []string{"FAIL bot_test.lua: bot_test.lua:1: syntax error at end of file: 'end' expected (to close 'function' at line 1)"}},
		{"no tests", `local x = 1`, []string{"FAIL bot_test.lua: no test(name, fn) in the file"}},
		// gopher-lua compiled a parenthesised call into the last
		// parameter's register before reading its arguments (assigncall.go).
		{"assignment to a parameter", `local function trim(s) s = (s:gsub("^%s+", "")) return s end
test("trim", function() expect(trim("  hi")).to_be("hi") end)`, []string{"ok trim"}},
		// The test VM used to return garbage ("function: 0x… true true")
		// for pcall nested about 100 deep (issue 21 item 5).
		{"pcall nested deep", `test("deep", function()
  local function nest(n)
    if n == 0 then return "ok" end
    local ok, v = pcall(nest, n - 1)
    if not ok then error(v, 0) end
    return v
  end
  local function xnest(n)
    if n == 0 then return "ok" end
    return select(2, xpcall(function() return xnest(n - 1) end, debug_handler or tostring))
  end
  for _, n in ipairs({99, 100, 101, 150, 250, 1000}) do
    expect({pcall(nest, n)}).to_be({true, "ok"})
    expect(xnest(n)).to_be("ok")
  end
end)`, []string{"ok deep"}},
		{"no sandbox escape", `test("io", function() expect(io).to_be(nil); expect(os.execute).to_be(nil); expect(dofile).to_be(nil); expect(string.dump).to_be(nil) end)`,
			[]string{"ok io"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := mustDir(t, map[string]string{"bot.lua": echo, "bot_test.lua": tt.test})
			lines, _ := run(t, dir)
			if strings.Join(lines, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("report:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestRun_EachTestGetsAFreshWorld(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"count.lua": `on("message", function(ev) ev:reply(tostring(kv.incr("n"))) end)`,
		"count_test.lua": `
test("first", function() sim.say("general", "x"); expect(sim.sent(1).content).to_be("1") end)
test("second", function() sim.say("general", "x"); expect(#sim.sent()).to_be(1); expect(sim.sent(1).content).to_be("1") end)`,
	})
	lines, sum := run(t, dir)
	if sum.Failed != 0 || sum.Passed != 2 {
		t.Fatalf("%v\n%s", sum, strings.Join(lines, "\n"))
	}
}

func TestRun_ScriptLoadErrorFailsTheTest(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"bot.lua":      "on(\"mesage\", function() end)",
		"bot_test.lua": `test("t", function() end)`,
	})
	lines, sum := run(t, dir)
	if sum.Failed != 1 || !strings.Contains(lines[0], `bot.lua:1: unknown event "mesage" (did you mean "message"?)`) {
		t.Fatalf("%v: %q", sum, lines)
	}
}

func TestRun_AdvanceFiresEveryTick(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"tick.lua": `local n, channel = 0, nil
once("READY", function()
  channel = qq.channels(qq.guilds()[1].id)[1].id
end)
timer.every(10, function()
  n = n + 1
  qq.send(channel, "tick " .. n)
end)`,
		"tick_test.lua": `test("ticks", function()
  local start = sim.time()
  sim.advance(9)
  expect(#sim.sent()).to_be(0)
  sim.advance(51)
  expect(#sim.sent()).to_be(6)
  expect(sim.sent(-1).content).to_be("tick 6")
  expect(sim.time() - start).to_be(60)
end)`,
	})
	lines, sum := run(t, dir)
	if sum.Failed != 0 {
		t.Fatalf("%s", strings.Join(lines, "\n"))
	}
}

func TestFind(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"a_test.lua": "", "a.lua": "", "sub/b_test.lua": "", ".hidden/c_test.lua": "",
	})
	files, err := testkit.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, f := range files {
		r, _ := filepath.Rel(dir, f)
		rel = append(rel, filepath.ToSlash(r))
	}
	if strings.Join(rel, " ") != "a_test.lua sub/b_test.lua" {
		t.Errorf("Find = %q", rel)
	}
	// luabot test a.lua names the bot, not its test: the error points at it.
	if _, err := testkit.Find(filepath.Join(dir, "a.lua")); err == nil ||
		!strings.Contains(err.Error(), "its test is "+filepath.Join(dir, "a_test.lua")) {
		t.Errorf("Find(a.lua): %v, want an error naming a_test.lua", err)
	}
}

// sim.advance moves the platform's clock too: daily quotas reset and reply
// windows close in virtual time, as they would in a month of real time.
func TestRun_AdvanceAgesThePlatform(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"daily.lua": `local channel
once("READY", function()
  channel = qq.channels(qq.guilds()[1].id)[1].id
end)
timer.every(86400, function()
  local _, err = qq.send(channel, "good morning")
  if err then qq.send(channel, "daily failed: " .. tostring(err)) end
end)
on("message", function(ev)
  sleep(301)
  local _, err = ev:reply("late")
  if err then qq.send(ev.channel_id, "reply failed: " .. tostring(err)) end
end)`,
		"daily_test.lua": `test("a month of daily posts stays within the daily quota", function()
  sim.advance(25 * 86400)
  expect(#sim.sent()).to_be(25)
  expect(sim.sent(-1).content).to_be("good morning")
end)
test("a reply after five minutes is refused", function()
  sim.say("general", "hi")
  sim.advance(301)
  expect(#sim.sent()).to_be(1)
  expect(sim.sent(1).msg_id).to_be(nil)
  expect(sim.sent(1).content).to_contain("reply window passed")
end)`,
	})
	lines, sum := run(t, dir)
	if sum.Failed != 0 {
		t.Fatalf("%s", strings.Join(lines, "\n"))
	}
}

// A file from the script's folder reaches a guild channel as file_image.
func TestRun_FileUploadToAChannel(t *testing.T) {
	png := "\x89PNG\r\n\x1a\n" + strings.Repeat("\x07", 64)
	dir := mustDir(t, map[string]string{
		"cat.png": png,
		"pic.lua": `on("message", function(ev)
  local _, err = ev:reply({content = "a cat", file = "cat.png"})
  if err then ev:reply("upload failed: " .. tostring(err)) end
end)`,
		"pic_test.lua": `test("the picture is attached", function()
  local msg = sim.say("general", "cat?")
  local sent = sim.sent(1)
  expect(sent.content).to_be("a cat")
  expect(sent.msg_id).to_be(msg.id)
  expect(#sent.attachments).to_be(1)
  expect(sent.attachments[1].filename).to_be("cat.png")
  expect(sent.attachments[1].size).to_be(72)
end)`,
	})
	lines, sum := run(t, dir)
	if sum.Failed != 0 || sum.Passed != 1 {
		t.Fatalf("%s", strings.Join(lines, "\n"))
	}
}
