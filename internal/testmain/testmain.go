// Package testmain makes a package's test binary cheaper under -race, and
// lets more of its t.Parallel tests run at once than testing's default
// (Parallel).
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
	"flag"
	"os"
	"strconv"
	"testing"
)

// Run runs m's tests, then after (the package's clean-up, if any), and
// exits with the tests' status.
func Run(m *testing.M, after ...func()) {
	Parallel(defaultParallel)
	code := m.Run()
	for _, f := range after {
		f()
	}
	os.Exit(code)
}

// defaultParallel is how many t.Parallel tests run at once. testing's
// default, GOMAXPROCS, is 2 on this project's machines, but most parallel
// tests here spend their time waiting on a simulator's timers, a backoff or
// a child process, not computing: with 4, gateway's tests took 6.8 s
// instead of 9.7 s, host's 33.7 s instead of 39.7 s.
const defaultParallel = 4

// Parallel sets how many t.Parallel tests run at once, unless the command
// line or an earlier call said.
func Parallel(n int) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", strconv.Itoa(n))
	}
}
