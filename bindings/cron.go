package bindings

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronParser reads the classic 5-field form only: minute hour day-of-month
// month day-of-week. Descriptors such as "@every 1s" are left out on purpose:
// timer.every already says that, with its own lower bound.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// Cron is a parsed 5-field cron expression: each field *, a number, a
// range a-b, a list a,b and an optional step /n; months and weekdays also by
// name (jan, mon), and 7 is Sunday as well as 0. As in classic cron, when
// both day fields are restricted a day matching either counts. Times are
// wall-clock times in the location of the time passed to Next, so "0 9"
// means 09:00 in Asia/Kolkata (+05:30) as it does in UTC.
type Cron struct {
	sched cron.Schedule
	expr  string
	loc   *time.Location // nil: the location of the time passed to Next
}

// In returns c reading its fields as wall-clock times in loc.
func (c *Cron) In(loc *time.Location) *Cron {
	cc := *c
	cc.loc = loc
	return &cc
}

// ParseCron parses expr, e.g. "0 9 * * 1-5" (09:00 on weekdays).
func ParseCron(expr string) (*Cron, error) {
	parts := strings.Fields(expr)
	if len(parts) != 5 {
		return nil, fmt.Errorf("cron %q: want 5 fields (minute hour day month weekday), got %d", expr, len(parts))
	}
	dow, err := sundayAsZero(parts[4])
	if err != nil {
		return nil, fmt.Errorf("cron %q: day of week: %w", expr, err)
	}
	parts[4] = dow
	s, err := cronParser.Parse(strings.Join(parts, " "))
	if err != nil {
		return nil, fmt.Errorf("cron %q: %w", expr, err)
	}
	return &Cron{sched: s, expr: expr}, nil
}

// sundayAsZero rewrites the day-of-week 7, which classic cron accepts for
// Sunday, as the parser's 0: "7" becomes "0", and a range ending in 7
// ("5-7") becomes the range to 6 plus 0. A step from or to 7 is refused
// rather than guessed at.
func sundayAsZero(field string) (string, error) {
	items := strings.Split(field, ",")
	var out []string
	for _, item := range items {
		rng, step, hasStep := strings.Cut(item, "/")
		lo, hi, isRange := strings.Cut(rng, "-")
		switch {
		case !isRange && lo == "7":
			if hasStep {
				return "", fmt.Errorf("%q: write the range with 0 for Sunday (0-6/%s)", item, step)
			}
			out = append(out, "0")
		case isRange && hi == "7":
			if hasStep {
				return "", fmt.Errorf("%q: write the range with 0 for Sunday (0-6/%s)", item, step)
			}
			if lo == "7" || lo == "0" {
				out = append(out, "0-6")
			} else {
				out = append(out, lo+"-6", "0")
			}
		default:
			out = append(out, item)
		}
	}
	return strings.Join(out, ","), nil
}

func (c *Cron) String() string { return c.expr }

// Next returns the first matching minute strictly after t, in c's
// location (In) or else t's, or the zero time if there is none within five years (e.g.
// "0 0 30 2 *"). A wall-clock minute that a DST change skips does not
// fire that day; one that a DST change repeats fires once per occurrence.
func (c *Cron) Next(t time.Time) time.Time {
	if c.loc != nil {
		t = t.In(c.loc)
	}
	return c.sched.Next(t)
}
