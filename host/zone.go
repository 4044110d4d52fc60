package host

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
)

// The bot has one time zone (Config.Location): os.date, os.time with a
// table, timer.cron and luabot test's virtual clock all use it, so a script
// means the same "20:00" everywhere and a test does not depend on the
// machine's TZ. gopher-lua's os.date and os.time read the process-wide
// time.Local, so the host provides its own.

// ZonedOS replaces os.time and os.date in L with versions that read now
// and the zone loc: luabot test installs them in the test VM too, so a test
// and its bot agree on the time of day.
func ZonedOS(L *lua.LState, loc *time.Location, now func() time.Time) {
	osLib, ok := L.GetGlobal("os").(*lua.LTable)
	if !ok {
		return
	}
	osLib.RawSetString("time", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() == 0 || L.Get(1) == lua.LNil {
			L.Push(lua.LNumber(now().Unix()))
			return 1
		}
		return zonedTime(L, loc)
	}))
	osLib.RawSetString("date", L.NewFunction(func(L *lua.LState) int {
		return zonedDate(L, loc, now())
	}))
}

// zonedDate is os.date([format [, time]]) in loc; a format starting with
// "!" is UTC, "*t" gives a table.
func zonedDate(L *lua.LState, loc *time.Location, now time.Time) int {
	format := "%c"
	if v := L.Get(1); v != lua.LNil {
		format = L.CheckString(1)
	}
	if len(format) > maxDateFormat {
		bindings.Raise(L, "os.date: format of %d bytes; at most %d", len(format), maxDateFormat)
	}
	t := now
	if v := L.Get(2); v != lua.LNil {
		n := L.CheckNumber(2)
		t = time.Unix(int64(n), 0)
	}
	t = t.In(loc)
	if rest, ok := strings.CutPrefix(format, "!"); ok {
		format, t = rest, t.UTC()
	}
	if strings.HasPrefix(format, "*t") {
		tb := L.CreateTable(0, 9)
		tb.RawSetString("year", lua.LNumber(t.Year()))
		tb.RawSetString("month", lua.LNumber(t.Month()))
		tb.RawSetString("day", lua.LNumber(t.Day()))
		tb.RawSetString("hour", lua.LNumber(t.Hour()))
		tb.RawSetString("min", lua.LNumber(t.Minute()))
		tb.RawSetString("sec", lua.LNumber(t.Second()))
		tb.RawSetString("wday", lua.LNumber(t.Weekday()+1))
		tb.RawSetString("yday", lua.LNumber(t.YearDay()))
		tb.RawSetString("isdst", lua.LBool(t.IsDST()))
		L.Push(tb)
		return 1
	}
	L.Push(lua.LString(strftime(t, format)))
	return 1
}

// zonedTime is os.time(table): the table's wall-clock time in loc. As in
// Lua 5.1, day, month and year are required, hour defaults to 12, and
// fields out of range are normalized (day 32 is the next month's first).
func zonedTime(L *lua.LState, loc *time.Location) int {
	tb := L.CheckTable(1)
	field := func(name string, def int, required bool) int {
		switch v := tb.RawGetString(name).(type) {
		case lua.LNumber:
			return int(v)
		case lua.LString:
			if n, err := strconv.Atoi(strings.TrimSpace(string(v))); err == nil {
				return n
			}
		case *lua.LNilType:
			if !required {
				return def
			}
			bindings.Raise(L, "os.time: field '%s' missing in date table", name)
		}
		bindings.Raise(L, "os.time: field '%s' is not an integer", name)
		return 0
	}
	t := time.Date(field("year", 0, true), time.Month(field("month", 0, true)), field("day", 0, true),
		field("hour", 12, false), field("min", 0, false), field("sec", 0, false), 0, loc)
	L.Push(lua.LNumber(t.Unix()))
	return 1
}

// strftime formats t as C's strftime does in the C locale, for the
// conversions Lua scripts use; an unknown one is kept as written.
func strftime(t time.Time, format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		switch format[i] {
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'A':
			b.WriteString(t.Format("Monday"))
		case 'b', 'h':
			b.WriteString(t.Format("Jan"))
		case 'B':
			b.WriteString(t.Format("January"))
		case 'c':
			b.WriteString(t.Format("Mon Jan _2 15:04:05 2006"))
		case 'C':
			fmt.Fprintf(&b, "%02d", t.Year()/100)
		case 'd':
			b.WriteString(t.Format("02"))
		case 'D':
			b.WriteString(t.Format("01/02/06"))
		case 'e':
			b.WriteString(t.Format("_2"))
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 'H':
			b.WriteString(t.Format("15"))
		case 'I':
			b.WriteString(t.Format("03"))
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'm':
			b.WriteString(t.Format("01"))
		case 'M':
			b.WriteString(t.Format("04"))
		case 'n':
			b.WriteByte('\n')
		case 'p':
			b.WriteString(t.Format("PM"))
		case 'R':
			b.WriteString(t.Format("15:04"))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'S':
			b.WriteString(t.Format("05"))
		case 't':
			b.WriteByte('\t')
		case 'T', 'X':
			b.WriteString(t.Format("15:04:05"))
		case 'u':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			b.WriteString(strconv.Itoa(wd))
		case 'w':
			b.WriteString(strconv.Itoa(int(t.Weekday())))
		case 'x':
			b.WriteString(t.Format("01/02/06"))
		case 'y':
			b.WriteString(t.Format("06"))
		case 'Y':
			b.WriteString(strconv.Itoa(t.Year()))
		case 'z':
			b.WriteString(t.Format("-0700"))
		case 'Z':
			b.WriteString(t.Format("MST"))
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}
