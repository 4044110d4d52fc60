package bindings

import (
	"math"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// A script may log logBurst lines at once, then logRate a second; the first
// line after a drop reports how many were dropped.
func TestLogLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := &logLimiter{tokens: logBurst, last: now}
	for i := 0; i < logBurst; i++ {
		if ok, _ := l.allow(now); !ok {
			t.Fatalf("line %d refused within the burst", i)
		}
	}
	for i := 0; i < 50; i++ {
		if ok, _ := l.allow(now); ok {
			t.Fatal("line over the burst allowed")
		}
	}
	now = now.Add(time.Second)
	ok, dropped := l.allow(now)
	if !ok || dropped != 50 {
		t.Fatalf("after a second: ok=%v dropped=%d, want true and 50", ok, dropped)
	}
	for i := 1; i < logRate; i++ {
		if ok, d := l.allow(now); !ok || d != 0 {
			t.Fatalf("line %d of the second: ok=%v dropped=%d", i, ok, d)
		}
	}
	if ok, _ := l.allow(now); ok {
		t.Fatal("more than the rate allowed")
	}
}

// print and log.* write numbers as Lua 5.1's tostring does (3*1.1 is 3.3,
// not 3.3000000000000003), and call __tostring.
func TestLogLine_WritesNumbersAsLua51(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`mt = setmetatable({}, {__tostring = function() return 0.1 + 0.2 end})`); err != nil {
		t.Fatal(err)
	}
	three := 3.0
	for _, v := range []lua.LValue{lua.LNumber(three * 1.1), lua.LNumber(1 << 53), lua.LNumber(math.Inf(-1)), lua.LString("s"), L.GetGlobal("mt"), lua.LNumber(12)} {
		L.Push(v)
	}
	if got, want := logLine(L), "3.3 9.007199254741e+15 -inf s 0.3 12"; got != want {
		t.Fatalf("logLine = %q, want %q", got, want)
	}
}
