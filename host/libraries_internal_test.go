package host

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// Popular pure-Lua libraries load inside a script and pass their own
// tests there (issue 21, Deliver). Each folder of testdata/libs is a
// script folder: the library and its tests in lib/ (adapted only where
// the sandbox forbids something, each adaptation commented), and a
// bot.lua that runs the tests at its top level and leaves
// "N passed, M failed" in the global result. testdata/libs/README.md
// says where each came from.
func TestLibraries(t *testing.T) {
	t.Parallel() // see parallelSuites
	dirs, err := filepath.Glob(filepath.Join("testdata", "libs", "*", "bot.lua"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no libraries under testdata/libs")
	}
	counts := regexp.MustCompile(`^(\d+) passed, 0 failed`)
	for _, bot := range dirs {
		dir := filepath.Dir(bot)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(dir, "LICENSE")); err != nil {
				t.Errorf("no LICENSE beside the library: %v", err)
			}
			// The suites allocate much garbage at the top level; the
			// memory watchdog charges growth until a collection, so a
			// loaded machine could stop them at the default limit.
			got, err := loadInWith(t, raceCopy(t, dir), Limits{CPU: 10 * time.Second, Memory: 256 << 20})
			if err != nil {
				t.Fatal(err)
			}
			m := counts.FindStringSubmatch(got)
			if m == nil || m[1] == "0" {
				t.Fatalf("result %q, want every test passed", got)
			}
			t.Log(got)
		})
	}
}

// raceCopy returns dir itself, or under -race a copy whose bot.lua first
// sets BIG_ARRAY: dkjson's test decodes an array of 100 000 numbers
// (4 s of VM loop under -race, where it checks no concurrency); 10 000
// take the same paths.
func raceCopy(t *testing.T, dir string) string {
	t.Helper()
	if !raceEnabled {
		return dir
	}
	tmp := t.TempDir()
	if err := os.CopyFS(tmp, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	bot := filepath.Join(tmp, "bot.lua")
	src, err := os.ReadFile(bot)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bot, append([]byte("BIG_ARRAY = 10000\n"), src...), 0o644); err != nil {
		t.Fatal(err)
	}
	return tmp
}
