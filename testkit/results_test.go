package testkit_test

import (
	"strings"
	"testing"
)

// Results people can act on: a failing handler fails the test with its
// error, sim.sent past the end says what the bot sent, and an error raised
// with a table still names the test's line.
func TestRun_ResultsNameTheCause(t *testing.T) {
	const bot = `on("message", function(ev)
  if ev.text == "boom" then error("boom!") end
  if ev.text == "quiet" then return end
  ev:reply(ev.text)
end)`
	tests := []struct {
		name, test string
		want       []string
	}{
		{"handler error fails the test", `test("t", function()
  sim.say("general", "boom")
end)`, []string{"FAIL t: script bot failed on AT_MESSAGE_CREATE: bot.lua:2: boom!"}},
		{"expected handler error", `test("t", function()
  sim.expect_error("boom!")
  sim.say("general", "boom")
  sim.say("general", "fine")
  expect(sim.sent(1).content).to_be("fine")
end)`, []string{"ok t"}},
		{"expected error that never came", `test("t", function()
  sim.expect_error("boom!")
  sim.say("general", "fine")
end)`, []string{`FAIL t: sim.expect_error("boom!"): no handler failed with a matching error`}},
		{"sent nothing", `test("t", function()
  sim.say("general", "quiet")
  expect(sim.sent(1).content).to_be("fine")
end)`, nil},
		{"sent fewer", `test("t", function()
  sim.say("general", "one")
  expect(sim.sent(2).content).to_be("two")
end)`, []string{"FAIL t: bot_test.lua:3: sim.sent(2): the bot sent only 1 message"}},
		{"error with a table", `test("t", function()
  error({code = 1})
end)`, []string{"FAIL t: bot_test.lua:2: error({"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, _ := run(t, mustDir(t, map[string]string{"bot.lua": bot, "bot_test.lua": tt.test}))
			if tt.want == nil {
				// the message text is the scene's business; the cause must be named
				if len(lines) != 1 || !strings.Contains(lines[0], "bot_test.lua:3: sim.sent(1): the bot sent ") {
					t.Errorf("report %q", lines)
				}
				return
			}
			if len(lines) != len(tt.want) {
				t.Fatalf("report %q, want %q", lines, tt.want)
			}
			for i := range lines {
				if !strings.HasPrefix(lines[i], tt.want[i]) {
					t.Errorf("line %q, want prefix %q", lines[i], tt.want[i])
				}
			}
		})
	}
}
