// Package testmain makes a package's test binary cheaper under -race.
//
// The race runtime takes its options from GORACE, read once before any Go
// code runs, and two of its defaults cost this project's suite dearly
// (race.go says how much): so a test binary built with -race starts itself
// again, before TestMain, with those two options added to GORACE. Every
// user who types go test -race gets them without having to know.
//
// Nothing is lost by either option: the race detector sees the same
// accesses, and testing fails the run for any race it has seen before
// m.Run returns, the race runtime having printed each report as it found
// it.
package testmain

import (
	"os"
	"testing"
)

// Run runs m's tests, then after (the package's clean-up, if any), and
// exits with the tests' status.
func Run(m *testing.M, after ...func()) {
	code := m.Run()
	for _, f := range after {
		f()
	}
	os.Exit(code)
}
