package main

import (
	"os"
	"testing"
)

// TestMain lets tests run this test binary as the luabot command: bench
// starts its bot and simulator as child processes, and the kill -9 test
// needs a real process to kill.
func TestMain(m *testing.M) {
	if os.Getenv(benchChildEnv) == "1" || os.Getenv(asCLI) == "1" {
		main()
	}
	os.Exit(m.Run())
}
