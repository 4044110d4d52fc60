package bindings_test

import (
	_ "time/tzdata" // the zone tests must not depend on the machine's zoneinfo

	"testing"
	"time"

	"github.com/luabot/luabot/bindings"
)

func TestCron_Next(t *testing.T) {
	base := time.Date(2026, 12, 2, 10, 30, 15, 0, time.UTC) // a Wednesday
	tests := []struct {
		expr string
		want string
	}{
		{"* * * * *", "2026-12-02 10:31"},
		{"0 9 * * 1-5", "2026-12-03 09:00"},
		{"*/15 * * * *", "2026-12-02 10:45"},
		{"0 0 1 * *", "2027-01-01 00:00"},
		{"30 10 * * wed", "2026-12-09 10:30"},
		{"0 12 25 dec *", "2026-12-25 12:00"},
		{"0 0 * * 0", "2026-12-06 00:00"},
		{"0 0 * * 7", "2026-12-06 00:00"},
		{"0 0 13 * 5", "2026-12-04 00:00"}, // Friday or the 13th, whichever first
		{"5,10 8-9 * * *", "2026-12-03 08:05"},
	}
	for _, tt := range tests {
		c, err := bindings.ParseCron(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		if got := c.Next(base).Format("2006-01-02 15:04"); got != tt.want {
			t.Errorf("%s: next = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

func TestCron_Invalid(t *testing.T) {
	for _, expr := range []string{"", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "*/0 * * * *", "a * * * *", "5-1 * * * *"} {
		if _, err := bindings.ParseCron(expr); err == nil {
			t.Errorf("%q parsed", expr)
		}
	}
	c, _ := bindings.ParseCron("0 0 30 2 *")
	if !c.Next(time.Now()).IsZero() {
		t.Error("Feb 30 has a next time")
	}
}

// The old parser rolled hours with Truncate(time.Hour), which aligns to
// UTC: in a zone with a half-hour offset it never matched and timers were
// dropped.
func TestCron_ZonesAndDST(t *testing.T) {
	zone := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	kolkata, nepal, newYork := zone("Asia/Kolkata"), zone("Asia/Kathmandu"), zone("America/New_York")
	tests := []struct {
		expr string
		from time.Time
		want string // in from's location, with its offset
	}{
		{"0 9 * * *", time.Date(2026, 12, 2, 10, 30, 0, 0, kolkata), "2026-12-03 09:00 +0530"},
		{"30 * * * *", time.Date(2026, 12, 2, 10, 31, 0, 0, kolkata), "2026-12-02 11:30 +0530"},
		{"0 9 * * 1-5", time.Date(2026, 12, 4, 9, 0, 0, 0, nepal), "2026-12-07 09:00 +0545"},
		// Spring forward: 02:30 does not exist on 2026-03-08, so that day has no tick.
		{"30 2 * * *", time.Date(2026, 3, 8, 0, 0, 0, 0, newYork), "2026-03-09 02:30 -0400"},
		{"0 9 * * *", time.Date(2026, 3, 8, 0, 0, 0, 0, newYork), "2026-03-08 09:00 -0400"},
		// Fall back: 01:30 happens twice on 2026-11-01, first in EDT.
		{"30 1 * * *", time.Date(2026, 11, 1, 0, 0, 0, 0, newYork), "2026-11-01 01:30 -0400"},
		{"0 9 * * *", time.Date(2026, 11, 1, 0, 0, 0, 0, newYork), "2026-11-01 09:00 -0500"},
	}
	for _, tt := range tests {
		c, err := bindings.ParseCron(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		if got := c.Next(tt.from).Format("2006-01-02 15:04 -0700"); got != tt.want {
			t.Errorf("%s from %s: next = %s, want %s", tt.expr, tt.from, got, tt.want)
		}
	}
	// Consecutive daily ticks across the fall-back change stay a wall-clock day apart.
	c, _ := bindings.ParseCron("0 9 * * *")
	first := c.Next(time.Date(2026, 10, 31, 8, 0, 0, 0, newYork))
	second := c.Next(first)
	if first.Hour() != 9 || second.Hour() != 9 || second.Sub(first) != 25*time.Hour {
		t.Errorf("ticks %s then %s: want 09:00 both days, 25 h apart", first, second)
	}
}

func TestCron_SundayAsSeven(t *testing.T) {
	base := time.Date(2026, 12, 2, 10, 30, 15, 0, time.UTC) // a Wednesday
	for expr, want := range map[string]string{
		"0 0 * * 5-7":   "2026-12-04 00:00",
		"0 0 * * 0-7":   "2026-12-03 00:00",
		"0 0 * * 1,7":   "2026-12-06 00:00",
		"0 0 * * sat,7": "2026-12-05 00:00",
	} {
		c, err := bindings.ParseCron(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if got := c.Next(base).Format("2006-01-02 15:04"); got != want {
			t.Errorf("%s: next = %s, want %s", expr, got, want)
		}
	}
	for _, expr := range []string{"0 0 * * 5-7/2", "0 0 * * 7/2", "@every 1s", "@daily"} {
		if _, err := bindings.ParseCron(expr); err == nil {
			t.Errorf("%q parsed", expr)
		}
	}
}

// In reads the expression in a zone whatever the zone of the time passed
// to Next: the bot's zone decides, not the clock's or the machine's.
func TestCron_InZoneAcrossDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	c, err := bindings.ParseCron("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	c = c.In(ny)
	// Around the spring-forward of 2026-03-08: 09:00 in New York is 14:00
	// UTC before it and 13:00 UTC after, asked with UTC times.
	at := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)
	var got []string
	for range 3 {
		at = c.Next(at)
		got = append(got, at.UTC().Format("01-02 15:04"))
	}
	if want := "03-07 14:00 03-08 13:00 03-09 13:00"; join(got) != want {
		t.Fatalf("got %s, want %s", join(got), want)
	}
	// 02:30 does not exist on 2026-03-08 in New York: that day is skipped.
	c2, _ := bindings.ParseCron("30 2 * * *")
	next := c2.In(ny).Next(time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC))
	if s := next.In(ny).Format("01-02 15:04"); s != "03-09 02:30" {
		t.Fatalf("02:30 around the gap: %s", s)
	}
	// Shanghai has no DST: "0 20" is 12:00 UTC every day.
	sh, _ := time.LoadLocation("Asia/Shanghai")
	c3, _ := bindings.ParseCron("0 20 * * *")
	if s := c3.In(sh).Next(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)).UTC().Format("01-02 15:04"); s != "06-01 12:00" {
		t.Fatalf("20:00 Shanghai = %s UTC", s)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
