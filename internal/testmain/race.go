//go:build race

package testmain

import (
	"os"
	"strings"
	"syscall"
)

// raceOptions are added to GORACE unless it names them already.
var raceOptions = []struct{ name, value string }{
	// A -race binary that exits while goroutines are alive (the runtime's
	// own always are) first sleeps a second. go test -race ./... runs about
	// twenty test binaries, at most two at a time on 2 cores, and bench's
	// tests start this one again as luabot: that idling was about a tenth
	// of the suite's wall time.
	{"atexit_sleep_ms", "0"},
	// The shadow of a new heap object is cleared by writing zeros, whatever
	// its size. By default anything over 64 KiB has its shadow unmapped and
	// mapped again, so copying into a fresh large string or buffer faults
	// every page of it back in, and these tests copy many: the sandbox's
	// 16 MiB attack strings, kv values, upload bodies. Measured over the
	// whole suite, side by side: 2.4 M page faults and 125-148 s of CPU
	// without it, 1.5 M and 110-115 s with it.
	{"clear_shadow_mmap_threshold", "1073741824"},
}

func init() {
	gorace := os.Getenv("GORACE")
	add := gorace
	for _, o := range raceOptions {
		if !strings.Contains(gorace, o.name+"=") {
			add += " " + o.name + "=" + o.value
		}
	}
	if add == gorace {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return // the tests run as they are, only slower
	}
	env := []string{"GORACE=" + strings.TrimSpace(add)}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GORACE=") {
			env = append(env, kv)
		}
	}
	syscall.Exec(exe, os.Args, env) // returns only if it failed: run as we are
}
