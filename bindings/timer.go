package bindings

import (
	"math"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// maxDelay bounds timer and sleep durations (a year): beyond that a
// number is a unit mistake (milliseconds for seconds).
const maxDelay = 365 * 24 * time.Hour

// openTimer builds the timer module. Callbacks run in their own coroutine,
// like handlers; timers belong to the script and end when it is unloaded.
//
//	timer.after(seconds, fn)   returns a timer; fn runs once
//	timer.every(seconds, fn, [opts]) fn runs every interval; a tick is skipped
//	                           while the previous run is still going
//	timer.cron(expr, fn, [opts]) fn runs at the times the 5-field expr matches,
//	                           read in the bot's time zone or opts.tz
//	t:cancel()                 stops the timer
//
// With a store shared by several processes, every and cron ticks run in one
// of them; opts.each_process = true runs them in each.
func (b *binder) openTimer() {
	mod := b.L.CreateTable(0, 3)
	add := func(L *lua.LState, spec TimerSpec, fn *lua.LFunction) int {
		if b.env.Timers == nil {
			raise(L, "timers are not available here")
		}
		cancel, err := b.env.Timers.AddTimer(spec, fn)
		if err != nil {
			raise(L, "%v", err)
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("cancel", L.NewFunction(func(L *lua.LState) int {
			cancel()
			return 0
		}))
		L.Push(t)
		return 1
	}
	b.L.SetFuncs(mod, map[string]lua.LGFunction{
		"after": func(L *lua.LState) int {
			d := checkDelay(L, 1, "timer.after")
			return add(L, TimerSpec{Kind: TimerAfter, Interval: d}, checkFunction(L, 2, "timer.after"))
		},
		"every": func(L *lua.LState) int {
			d := checkDelay(L, 1, "timer.every")
			if d < 10*time.Millisecond {
				raise(L, "bad argument #1 to timer.every: the interval must be at least 0.01 seconds")
			}
			fn := checkFunction(L, 2, "timer.every")
			var each bool
			if L.Get(3) != lua.LNil {
				opts, ok := L.Get(3).(*lua.LTable)
				if !ok {
					raise(L, "bad argument #3 to timer.every: options table expected, got %s", L.Get(3).Type())
				}
				each = eachProcess(L, opts, "timer.every")
			}
			return add(L, TimerSpec{Kind: TimerEvery, Interval: d, EachProcess: each}, fn)
		},
		"cron": func(L *lua.LState) int {
			c, err := ParseCron(checkString(L, 1, "cron expression"))
			if err != nil {
				raise(L, "bad argument #1 to timer.cron: %v", err)
			}
			fn := checkFunction(L, 2, "timer.cron")
			loc := b.env.Location
			var each bool
			if opts, ok := L.Get(3).(*lua.LTable); ok {
				each = eachProcess(L, opts, "timer.cron")
				switch tz := opts.RawGetString("tz").(type) {
				case lua.LString:
					if loc, err = time.LoadLocation(string(tz)); err != nil || tz == "" || strings.EqualFold(string(tz), "local") {
						raise(L, "bad argument #3 to timer.cron: unknown time zone %q (use a name such as \"Asia/Shanghai\" or \"UTC\")", string(tz))
					}
				case *lua.LNilType:
				default:
					raise(L, "bad argument #3 to timer.cron: tz is a time zone name, got %s", tz.Type())
				}
			} else if L.Get(3) != lua.LNil {
				raise(L, "bad argument #3 to timer.cron: options table expected, got %s", L.Get(3).Type())
			}
			if loc != nil {
				c = c.In(loc)
			}
			return add(L, TimerSpec{Kind: TimerCron, Cron: c, EachProcess: each}, fn)
		},
	})
	b.L.SetGlobal("timer", mod)
}

// eachProcess reads opts.each_process.
func eachProcess(L *lua.LState, opts *lua.LTable, fn string) bool {
	switch v := opts.RawGetString("each_process").(type) {
	case lua.LBool:
		return bool(v)
	case *lua.LNilType:
		return false
	default:
		raise(L, "bad argument #3 to %s: each_process is a boolean, got %s", fn, v.Type())
	}
	return false
}

func checkDelay(L *lua.LState, n int, fn string) time.Duration {
	v, ok := L.Get(n).(lua.LNumber)
	secs := float64(v)
	if !ok || math.IsNaN(secs) || secs < 0 || secs*float64(time.Second) > float64(maxDelay) {
		raise(L, "bad argument #%d to %s: want seconds between 0 and a year, got %s", n, fn, L.Get(n).String())
	}
	return time.Duration(secs * float64(time.Second))
}

func checkFunction(L *lua.LState, n int, fn string) *lua.LFunction {
	f, ok := L.Get(n).(*lua.LFunction)
	if !ok {
		raise(L, "bad argument #%d to %s: function expected, got %s", n, fn, L.Get(n).Type())
	}
	return f
}
