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

// dayOfTicks is a bot with a 5-second timer and a test that advances the
// virtual clock by one day: 17 280 ticks.
var dayOfTicks = map[string]string{
	"bot.lua": `ticks = 0
timer.every(5, function() ticks = ticks + 1 end)
on("message", function(ev) ev:reply(tostring(ticks)) end)`,
	"bot_test.lua": `test("a day", function()
  sim.advance(24 * 3600)
  sim.say("general", "count")
  expect(sim.sent(1).content).to_be("17280")
end)`,
}

// A simulated day of a 5-second timer fires every tick, in order, within
// the test's time limit.
func TestAdvance_ADayOfTicks(t *testing.T) {
	lines, sum := run(t, mustDir(t, dayOfTicks))
	if sum.Failed != 0 || !slices.Contains(lines, "ok a day") {
		t.Fatalf("report: %q", lines)
	}
}

// BenchmarkAdvance_ADayOfTicks: go test -run x -bench Advance ./testkit
func BenchmarkAdvance_ADayOfTicks(b *testing.B) {
	dir := mustDir(b, dayOfTicks)
	for b.Loop() {
		if lines, sum := run(b, dir); sum.Failed != 0 {
			b.Fatalf("report: %q", lines)
		}
	}
}
