package testkit_test

import (
	"strings"
	"testing"
)

func TestRun_SimHTTPStubs(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"weather.lua": `-- luabot: http=api.example.com
command("weather <city>", function(ev, args)
  local res, err = http.get("https://api.example.com/weather?q=" .. args.city, {headers = {["X-Key"] = "k1"}})
  if not res then return ev:reply("error: " .. tostring(err)) end
  local w, jerr = res:json()
  if not w then return ev:reply("bad answer: " .. tostring(jerr)) end
  ev:reply(args.city .. " " .. w.temp .. " " .. res.status)
end)
command("other", function(ev)
  local res, err = http.get("https://evil.example.com/")
  ev:reply(err.kind)
end)`,
		"weather_test.lua": `test("static and function stubs", function()
  sim.http.on("GET", "https://api.example.com/weather", {status = 200, json = {temp = 21}})
  sim.say("general", "/weather beijing")
  expect(sim.sent(-1).content).to_contain("beijing 21 200")

  sim.http.on("GET", "https://api.example.com/weather", function(req)
    return {status = 201, json = {temp = req.query.q == "shanghai" and 30 or 0, key = req.headers["x-key"]}}
  end)
  sim.say("general", "/weather shanghai")
  expect(sim.sent(-1).content).to_contain("shanghai 30 201")
  local reqs = sim.http.requests()
  expect(#reqs).to_be(2)
  expect(reqs[2].headers["x-key"]).to_be("k1")
end)

test("unstubbed, invalid JSON and ungranted", function()
  sim.say("general", "/weather tokyo")
  expect(sim.sent(-1).content).to_contain("no sim.http.on stub for GET https://api.example.com/weather")
  sim.http.on("*", "https://api.example.com/*", {body = "{not json"})
  sim.say("general", "/weather tokyo")
  expect(sim.sent(-1).content).to_contain("bad answer: the answer is not valid JSON")
  sim.say("general", "/other")
  expect(sim.sent(-1).content).to_be("host")
end)`,
	})
	lines, sum := run(t, dir)
	if sum.Failed != 0 || sum.Passed != 2 {
		t.Fatalf("%v\n%s", sum, strings.Join(lines, "\n"))
	}
}

// A stub function that fails fails the test at the sim call that let it run.
func TestRun_SimHTTPStubErrorFailsTheTest(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"bot.lua": `-- luabot: http=api.example.com
on("message", function(ev) http.get("https://api.example.com/x") end)`,
		"bot_test.lua": `test("t", function()
  sim.http.on("GET", "https://api.example.com/x", function(req) error("stub broke") end)
  sim.say("general", "hi")
end)`,
	})
	lines, sum := run(t, dir)
	if sum.Failed != 1 || !strings.Contains(strings.Join(lines, "\n"), "stub broke") {
		t.Fatalf("%v\n%s", sum, strings.Join(lines, "\n"))
	}
}

// sim.config at the top of a test file gives a script the settings its
// config.require needs at load.
func TestRun_SimConfig(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"bot.lua": `local key = config.require("api_key")
command("k", function(ev) ev:reply(#key .. " " .. config.city .. " " .. config.n) end)`,
		"bot_test.lua": `sim.config("bot", {api_key = {"sk-test-key", secret = true}, city = "北京", n = 3})
test("t", function()
  sim.say("general", "/k")
  expect(sim.sent(-1).content).to_be("11 北京 3")
end)`,
	})
	lines, sum := run(t, dir)
	if sum.Failed != 0 || sum.Passed != 1 {
		t.Fatalf("%v\n%s", sum, strings.Join(lines, "\n"))
	}
}
