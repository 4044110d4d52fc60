// Package testmain ends a package's test binary as soon as its tests are
// done.
//
// A binary built with -race that exits normally while goroutines are
// still alive (the runtime's own always are) first sleeps for the race
// runtime's atexit_sleep_ms, a second by default. go test -race ./...
// runs twenty test binaries, at most two at a time on this project's
// 2-core machines, so those seconds of idling added up to about a tenth
// of the suite's wall time. GORACE=atexit_sleep_ms=0 would do the same,
// but every user would have to remember to type it.
//
// Nothing is lost by skipping it: testing fails the run for any race it
// has seen, during a test or outside one, before m.Run returns, and the
// race runtime has printed each report as it found it.
package testmain

import (
	"os"
	"syscall"
	"testing"
)

// Run runs m's tests and exits with their status. A passing run exits at
// once, skipping the race runtime's pause; under -cover it exits as usual,
// because the coverage profile is written on the way out.
func Run(m *testing.M) {
	code := m.Run()
	if code == 0 && testing.CoverMode() == "" {
		syscall.Exit(0)
	}
	os.Exit(code)
}
