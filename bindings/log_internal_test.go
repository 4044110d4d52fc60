package bindings

import (
	"testing"
	"time"
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
