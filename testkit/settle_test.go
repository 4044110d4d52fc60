package testkit_test

import (
	"slices"
	"testing"
)

// A handler that computes for longer than any quiet period (and makes no
// REST call meanwhile) is still waited for: settle follows what the host
// knows, not silence. With the old 50 ms quiet period this failed.
func TestSettle_WaitsForABusyHandler(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"bot.lua": `on("message", function(ev)
  local t = os.clock()
  while os.clock() - t < 0.2 do end
  ev:reply("done")
end)`,
		"bot_test.lua": `test("busy", function()
  sim.say("general", "go")
  expect(sim.sent(1).content).to_be("done")
end)`,
	})
	lines, sum := run(t, dir)
	if sum.Failed != 0 || !slices.Contains(lines, "ok busy") {
		t.Fatalf("report: %q", lines)
	}
}

// A handler parked in sleep counts as settled (the test can go on and move
// the clock), and resumes when the clock passes its deadline.
func TestSettle_SleepingHandlerWaitsForTheClock(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"bot.lua": `on("message", function(ev)
  sleep(30)
  ev:reply("woke")
end)`,
		"bot_test.lua": `test("sleep", function()
  sim.say("general", "go")
  expect(#sim.sent()).to_be(0)
  sim.advance(29)
  expect(#sim.sent()).to_be(0)
  sim.advance(1)
  expect(sim.sent(1).content).to_be("woke")
end)`,
	})
	lines, sum := run(t, dir)
	if sum.Failed != 0 || !slices.Contains(lines, "ok sleep") {
		t.Fatalf("report: %q", lines)
	}
}
