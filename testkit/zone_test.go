package testkit_test

import (
	"context"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/luabot/luabot/testkit"
)

// The same test passes in any zone: os.date, os.time with a table, the
// virtual clock and timer.cron all use the bot's zone, so a reminder at
// 20:00 fires when os.date says 20:00, and crossing midnight changes the
// date os.date gives. (Before, os.date followed the machine's TZ and cron
// UTC+8.)
func TestRun_OneZoneForDateCronAndClock(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"remind.lua": `local channel
once("READY", function() channel = qq.channels(qq.guilds()[1].id)[1].id end)
timer.cron("0 20 * * *", function() qq.send(channel, "签到提醒 " .. os.date("%Y-%m-%d %H:%M")) end)
command("today", function(ev) ev:reply(os.date("%Y-%m-%d")) end)`,
		"remind_test.lua": `test("reminder and midnight", function()
  expect(os.date("%H:%M", sim.time())).to_be("08:00")
  expect(sim.time()).to_be(os.time{year = 2026, month = 1, day = 5, hour = 8})
  sim.advance(12 * 3600 - 1)
  expect(#sim.sent()).to_be(0)
  sim.advance(1)
  expect(sim.sent(-1).content).to_be("签到提醒 2026-01-05 20:00")
  sim.say("general", "/today")
  expect(sim.sent(-1).content).to_be("2026-01-05")
  sim.advance(4 * 3600)
  sim.say("general", "/today")
  expect(sim.sent(-1).content).to_be("2026-01-06")
end)`,
	})
	for _, zone := range []string{"Asia/Shanghai", "America/New_York", "UTC", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		files, _ := testkit.Find(dir)
		var lines []string
		sum := testkit.Run(context.Background(), testkit.Config{Location: loc}, files, func(r testkit.Result) {
			lines = append(lines, r.String())
		})
		if sum.Failed != 0 || sum.Passed != 1 {
			t.Errorf("%s: %v\n%s", zone, sum, strings.Join(lines, "\n"))
		}
	}
}
