package host

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has installed

	"github.com/luabot/luabot/kv"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// zoneHarness loads src for a bot in loc, its clock at start.
func zoneHarness(t *testing.T, src string, loc *time.Location, start time.Time) *harness {
	t.Helper()
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &harness{t: t, api: &fakeAPI{calls: make(chan apiCall, 1024)}, logs: newLogSink(), dir: dir,
		clock: NewVirtualClock(start)}
	s, err := loadScript(writeScript(t, dir, "bot.lua", src), scriptDeps{
		api: h.api, store: store, logger: slog.New(h.logs), limits: Limits{CPU: 3 * time.Second},
		clock: h.clock, location: loc,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	return h
}

// os.date and os.time with a table use the bot's zone, not the machine's
// TZ (time.Local), and not the zone of the clock's times.
func TestZone_OSDateAndTime(t *testing.T) {
	// 2026-12-02 16:30:05 UTC, given in a third zone on purpose.
	at := time.Date(2026, 12, 2, 16, 30, 5, 0, time.UTC).In(mustZone(t, "Europe/Berlin"))
	for _, tc := range []struct{ zone, want string }{
		{"Asia/Shanghai", "2026-12-03 00:30:05 +0800 CST Thu|1796229005|true|337|false|16:30"},
		{"America/New_York", "2026-12-02 11:30:05 -0500 EST Wed|1796229005|true|336|false|16:30"},
		{"UTC", "2026-12-02 16:30:05 +0000 UTC Wed|1796229005|true|336|false|16:30"},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			h := zoneHarness(t, `command("now", function(ev)
  local t = os.date("*t")
  ev:reply(table.concat({
    os.date("%Y-%m-%d %H:%M:%S %z %Z %a"),
    os.time(),
    tostring(os.time(t) == os.time()),
    t.yday, tostring(t.isdst),
    os.date("!%H:%M"),
  }, "|"))
end)`, mustZone(t, tc.zone), at)
			h.start()
			h.send("AT_MESSAGE_CREATE", msg("/now"))
			if got := h.nextCall().Body["content"]; got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestZone_OSTimeTableErrors(t *testing.T) {
	h := zoneHarness(t, `command("t", function(ev)
  local ok, err = pcall(os.time, {year = 2026, month = 1})
  ev:reply(tostring(ok) .. " " .. tostring(err) .. " " .. os.time{year = 2026, month = 1, day = 32, hour = 0})
end)`, time.UTC, time.Unix(0, 0))
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("/t"))
	// Day 32 of January is February 1st.
	want := "bot.lua:2: os.time: field 'day' missing in date table 1769904000"
	if got, _ := h.nextCall().Body["content"].(string); !strings.HasPrefix(got, "false ") || !strings.HasSuffix(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

// A "20:00" cron in a bot whose zone is Asia/Shanghai fires at 20:00 there
// (12:00 UTC) while the clock's times are in UTC; opts.tz overrides the zone
// for one timer.
func TestZone_CronUsesTheBotZone(t *testing.T) {
	start := time.Date(2026, 12, 2, 11, 59, 0, 0, time.UTC)
	h := zoneHarness(t, `
timer.cron("0 20 * * *", function() qq.send("100", "20:00 Shanghai " .. os.date("%H:%M")) end)
timer.cron("0 7 * * *", function() qq.send("100", "07:00 New York " .. os.date("%H:%M")) end, {tz = "America/New_York"})
`, mustZone(t, "Asia/Shanghai"), start)
	h.start()
	waitPending(t, h.clock)
	h.clock.Advance(time.Minute) // 12:00 UTC: 20:00 in Shanghai, 07:00 in New York (EST)
	got := map[any]bool{}
	got[h.nextCall().Body["content"]] = true
	got[h.nextCall().Body["content"]] = true
	if !got["07:00 New York 20:00"] || !got["20:00 Shanghai 20:00"] {
		t.Fatalf("got %v", got)
	}
}

func TestZone_CronRefusesUnknownZone(t *testing.T) {
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, err = loadScript(writeScript(t, dir, "bot.lua", `timer.cron("0 9 * * *", function() end, {tz = "Mars/Olympus"})`),
		scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), `bot.lua:1: bad argument #3 to timer.cron: unknown time zone "Mars/Olympus"`) {
		t.Fatalf("err = %v", err)
	}
}
