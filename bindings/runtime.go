package bindings

import (
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Clock is the time source for sleep, timers and wait_for. Tests and
// `luabot test` replace it with a virtual clock.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d; stop prevents that
	// if it has not happened yet and reports whether it did.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// SystemClock is the Clock of a running bot: the machine's time and timers.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc runs f after d with time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// TimerKind says how a timer repeats.
type TimerKind int

const (
	TimerAfter TimerKind = iota // once, after Interval
	TimerEvery                  // every Interval
	TimerCron                   // at the times Cron matches
)

// TimerSpec describes one timer of a script.
type TimerSpec struct {
	Kind     TimerKind
	Interval time.Duration
	Cron     *Cron
	// EachProcess makes an every or cron timer run in every process of a bot
	// sharing a store, instead of in one per tick ({each_process = true}).
	EachProcess bool
}

// Timers runs a script's timer callbacks, each in its own coroutine on the
// script's scheduler. Timers end when the script is unloaded.
type Timers interface {
	// AddTimer schedules fn; the returned cancel stops it (idempotent). It
	// fails when the script holds as many timers as it may.
	AddTimer(spec TimerSpec, fn *lua.LFunction) (cancel func(), err error)
}

// Events lets a handler wait for a later event.
type Events interface {
	// WaitFor suspends the calling handler until an event named event
	// arrives for which pred (nil: any) returns true, or timeout passes.
	// It resumes the handler with the event, or nil, "timeout". Like
	// Async.Await, its result must be returned by the LGFunction.
	WaitFor(L *lua.LState, event string, pred *lua.LFunction, timeout time.Duration) int
	// Sleep suspends the calling handler for d on the script's clock and
	// resumes it with true. It is here rather than an Async.Await so the
	// host knows the handler waits on the clock alone (a test settles
	// while it sleeps).
	Sleep(L *lua.LState, d time.Duration) int
}
