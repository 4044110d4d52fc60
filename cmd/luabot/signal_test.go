//go:build unix

package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The first SIGTERM (or Ctrl-C) asks for a clean stop, which waits for a handler
// asleep for an hour, and the log says what it waits for; a second one ends the
// process at once instead of after the drain.
func TestDev_SecondSignalQuitsAtOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "nap.lua")
	// The script runs one handler at a time until it waits: once "pong" is out, the
	// handler of "nap" is asleep.
	os.WriteFile(script, []byte(`on("message", function(ev) if ev.text == "nap" then sleep(3600) else ev:reply("pong") end end)`), 0o644)
	cmd := luabotCommand("dev", "--data", filepath.Join(dir, "dev.db"), script)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := func(r io.Reader) <-chan string {
		ch := make(chan string, 1000)
		go func() {
			defer close(ch)
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				ch <- sc.Text()
			}
		}()
		return ch
	}
	out, logs := lines(stdout), lines(stderr)
	expect := func(ch <-chan string, want string) {
		t.Helper()
		timeout := time.After(15 * time.Second)
		var seen []string
		for {
			select {
			case line, ok := <-ch:
				if !ok {
					t.Fatalf("output ended before a line containing %q:\n%s", want, strings.Join(seen, "\n"))
				}
				seen = append(seen, line)
				if strings.Contains(line, want) {
					return
				}
			case <-timeout:
				t.Fatalf("no line containing %q", want)
			}
		}
	}
	expect(out, "luabot dev:")
	io.WriteString(stdin, "nap\nping\n")
	expect(out, "bot> pong")

	cmd.Process.Signal(syscall.SIGTERM)
	expect(logs, `sleep(1h0m0s) at `+script+`:1`)
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	for range out {
	}
	for range logs {
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("after the second signal: %v, want exit status 130", err)
	}
	// The drain is 5 s; the second signal must not wait for it. (A bound on a
	// duration, not a benchmark: the difference is seconds.)
	if d := time.Since(sent); d > 3*time.Second {
		t.Errorf("the process took %v to exit after the second signal", d)
	}
}
