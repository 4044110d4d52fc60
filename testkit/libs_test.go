package testkit_test

import (
	"strings"
	"testing"
)

// A test file has the script API beside sim: kv (the script's own store, to
// seed and read), sim.kv(name) for any script beside the test, json, utf8
// and log, and os.time/os.date on the virtual clock. sim.user adds members,
// so a top 5 can be tested.
func TestRun_TestFilesGetTheScriptAPI(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"a.lua": `command("streak", function(ev) ev:reply(tostring(kv.get("streak:" .. ev.author.id))) end)
command("mark", function(ev) kv.set("marked", {by = ev.author.username, at = os.time()}) ev:reply("ok") end)
command("members", function(ev)
  local n = 0
  for _ in ipairs(qq.members(ev.guild_id, {all = true})) do n = n + 1 end
  ev:reply(tostring(n))
end)`,
		"b.lua": `kv.set("loaded", true)`,
		"a_test.lua": `test("seed and read the store", function()
  local alice = sim.member("alice")
  kv.set("streak:" .. alice.id, 7)
  sim.say("general", "/streak")
  expect(sim.sent(-1).content).to_be("7")
  sim.advance(60)
  sim.say("general", "/mark")
  expect(kv.get("marked")).to_be({by = "alice", at = sim.time()})
  expect(sim.kv("a").get("marked").by).to_be("alice")
  expect(sim.kv("b").get("loaded")).to_be(true)
  expect(sim.kv("a").get("loaded")).to_be(nil)
  local n = 0
  for k in kv.scan("streak:") do n = n + 1 end
  expect(n).to_be(1)
end)

test("a fresh store per test", function()
  expect(kv.get("marked")).to_be(nil)
end)

test("json, utf8, log and the clock", function()
  expect(json.decode(json.encode({a = {1, 2}}))).to_be({a = {1, 2}})
  expect(utf8.len("签到")).to_be(2)
  log.info("from the test")
  expect(os.time()).to_be(sim.time())
  expect(os.date("%Y-%m-%d %H:%M")).to_be("2026-01-05 08:00")
  sim.advance(86400)
  expect(os.date("%Y-%m-%d %H:%M")).to_be("2026-01-06 08:00")
end)

test("sim.user adds members", function()
  local before = #sim.world().users
  for i = 1, 5 do sim.user{name = "user" .. i} end
  local dave = sim.user{name = "dave", roles = {"管理员"}}
  expect(#sim.world().users).to_be(before + 6)
  expect(sim.member("dave").roles).to_be({"普通成员", "管理员"})
  expect(dave.username).to_be("dave")
  sim.say("general", "hi from dave", {author = "dave", mention = false})
  sim.say("general", "/members", {author = "user3"})
  expect(sim.sent(-1).content).to_be(tostring(before + 6 + 1)) -- and the bot
end)

test("mistakes", function()
  local ok, err = pcall(sim.kv, "c")
  expect(ok).to_be(false)
  expect(err).to_contain('no script "c" beside the test (the scripts are "a", "b")')
  ok, err = pcall(sim.user, {name = "eve", roles = {"版主"}})
  expect(err).to_contain('no role "版主" (the guild has')
  ok, err = pcall(sim.user, {name = "alice"})
  expect(err).to_contain('there is already a user "alice"')
  ok, err = pcall(sim.user, {nmae = "x"})
  expect(err).to_contain("name is required")
end)`,
		"top_test.lua": `local v, err = kv.get("x")
test("kv outside a test", function()
  expect(v).to_be(nil)
  expect(tostring(err)).to_contain("kv is only available inside test(name, fn)")
end)`,
	})
	lines, sum := run(t, dir)
	if sum.Failed != 0 || sum.Passed != 6 {
		t.Fatalf("%v\n%s", sum, strings.Join(lines, "\n"))
	}
}
