package openapi

import (
	"fmt"
	"testing"
	"time"
)

// A bot answering many users has one route per user's path, each busy for
// an interval after its request. Sweeping for idle routes must then happen
// a logarithmic number of times, not once per request, and must never drop
// a busy route (its spacing would be forgotten).
func TestSpacer_ManyBusyRoutesSweptRarely(t *testing.T) {
	s := newSpacer(1, time.Hour) // one token per route per hour: every route stays busy
	now := time.Now()
	const routes = 20_000
	for i := range routes {
		if d := s.reserve(fmt.Sprint("POST /v2/users/", i, "/messages"), now); d != 0 {
			t.Fatalf("route %d: first request waits %s", i, d)
		}
	}
	if len(s.routes) != routes {
		t.Fatalf("%d routes kept of %d busy ones", len(s.routes), routes)
	}
	if s.sweeps > 6 { // at 1025, 2049, ... 16385 routes: five
		t.Fatalf("%d sweeps for %d new routes", s.sweeps, routes)
	}
	// The spacing of a route survives the sweeps: its second request waits.
	if d := s.reserve("POST /v2/users/7/messages", now); d < 59*time.Minute {
		t.Fatalf("second request on a busy route waits %s, want an hour", d)
	}
}

// Idle routes are dropped once the table passes maxIdleRoutes.
func TestSpacer_IdleRoutesDropped(t *testing.T) {
	s := newSpacer(0, 50*time.Millisecond)
	now := time.Now()
	for i := range 10 * maxIdleRoutes {
		s.reserve(fmt.Sprint("GET /channels/", i), now.Add(time.Duration(i)*time.Second))
	}
	if n := len(s.routes); n > maxIdleRoutes+1 {
		t.Fatalf("%d routes kept, all of them idle", n)
	}
}

// One request on a new route with 10 000 busy routes in the table.
func BenchmarkSpacer_ManyBusyRoutes(b *testing.B) {
	s := newSpacer(1, time.Hour)
	now := time.Now()
	for i := range 10_000 {
		s.reserve(fmt.Sprint("POST /v2/users/", i, "/messages"), now)
	}
	keys := make([]string, b.N)
	for i := range keys {
		keys[i] = fmt.Sprint("POST /v2/users/new", i, "/messages")
	}
	b.ResetTimer()
	for i := range b.N {
		s.reserve(keys[i], now)
	}
}
