package bindings_test

import (
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
