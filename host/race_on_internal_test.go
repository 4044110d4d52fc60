//go:build race

package host

// raceEnabled is true in a -race build, where Lua runs 5–10 times slower:
// tests that only exercise the compiler or the VM at length, not
// concurrency, run their heaviest parts without -race only.
const raceEnabled = true
