package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/luabot/luabot/internal/testmain"
)

// testParallel is how many t.Parallel tests run at once unless -parallel
// says otherwise. The package's slow tests spend their time waiting on child
// processes (a simulator, Redis, luabot itself, a browser) for leases,
// outages and replies, not computing, so even testmain's default would
// leave the machine idle while they wait. With some 70 parallel tests,
// most of them short, 32 lets the long ones (the browser, Redis outages,
// kill -9) start as soon as the sequential tests are done instead of
// behind the short ones. The package then ends sooner, and host's tests,
// the whole suite's long pole, start sooner behind it: three runs of the
// suite took 56.1-57.0 s with 32 and 61.0-63.6 s with 16. (Sessions run
// in this process wait up to sessionWait for a reason.)
const testParallel = 32

// luabotBin is the luabot that child processes run, built by TestMain.
var luabotBin string

// TestMain builds the luabot that tests start as a process (a bot killed
// with -9, several processes sharing Redis, a browser's console, bench's
// children) and lets this test binary run as luabot too, for the commands
// that re-execute themselves.
//
// The children run a luabot built without -race: under the race detector
// each one spent about three times the CPU, and this package's tests took
// 41 s of CPU instead of 31 s. What the children run is raced in-process by
// the host, transport and kv tests; here they stand for a user's process.
func TestMain(m *testing.M) {
	if os.Getenv(benchChildEnv) == "1" {
		main()
	}
	// Every process this binary starts from here on that is itself (bench's
	// bot and simulator) must run as luabot; set once for the process, so
	// that bench tests need no t.Setenv and can run in parallel.
	os.Setenv(benchChildEnv, "1")
	testmain.Parallel(testParallel)
	var err error
	if luabotBin, err = buildLuabot(); err != nil {
		fmt.Fprintf(os.Stderr, "building luabot for the tests' child processes: %v\n", err)
		os.Exit(1)
	}
	testmain.Run(m)
}

// buildLuabot builds this package's luabot into the user's cache, in a
// folder of its own for each checkout. go build leaves a binary that is up
// to date as it is: linking it again into a new folder each run cost 2.4 s
// of CPU.
func buildLuabot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256([]byte(wd))
	dir := filepath.Join(cache, "luabot-test", hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "luabot")
	// go test puts its own go first on PATH, so this is the same toolchain.
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v\n%s", err, out)
	}
	return bin, nil
}

// runChild runs luabot with args as a child process and returns its exit
// status, stdout and stderr: for what only a process of its own shows (its
// exit status as the shell sees it, signals, output written by the
// process itself). Runs in this process (runCLI) may also overlap: run
// holds the parse lock (cli.go) only while urfave/cli parses.
func runChild(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := luabotCommand(args...)
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

// luabotCommand returns a command that runs luabot with args.
func luabotCommand(args ...string) *exec.Cmd {
	return exec.Command(luabotBin, args...)
}
