package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/luabot/luabot/internal/testmain"
)

// testParallel is how many t.Parallel tests run at once unless -parallel
// says otherwise. The package's slow tests spend their time waiting on child
// processes (a simulator, Redis, luabot itself, a browser) for leases,
// outages and replies, not computing, so the default of GOMAXPROCS would
// leave the machine idle while they wait.
const testParallel = 6

// TestMain lets tests run this test binary as the luabot command: bench
// starts its bot and simulator as child processes, and the kill -9 test
// needs a real process to kill.
func TestMain(m *testing.M) {
	if os.Getenv(benchChildEnv) == "1" || os.Getenv(asCLI) == "1" {
		main()
	}
	// Every process this binary starts from here on that is itself (bench's
	// bot and simulator) must run as luabot; set once for the process, so
	// that bench tests need no t.Setenv and can run in parallel.
	os.Setenv(benchChildEnv, "1")
	// A -race binary sleeps a second before it exits while goroutines are
	// alive (the race runtime's atexit_sleep_ms): every luabot these tests
	// start and stop would stand idle for that second.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", strconv.Itoa(testParallel))
	}
	testmain.Run(m)
}

// runChild runs luabot with args as a child process and returns its exit
// status, stdout and stderr. Tests that run in parallel use it instead of
// runCLI: run sets process-wide state (slog's default logger, and urfave/cli
// writes into its shared help flag), so two runs in one process at once
// would race.
func runChild(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asCLI+"=1")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	case err != nil:
		t.Fatalf("luabot %v: %v", args, err)
	}
	return 0, stdout.String(), stderr.String()
}
