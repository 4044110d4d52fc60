package testkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/luabot/luabot/host"
)

// Config configures Run. The zero value works.
type Config struct {
	// Logger receives the bots' and the simulator's log lines. Nil
	// discards them.
	Logger *slog.Logger
	// Output receives what tests print (print(...) in a test file). Nil
	// discards it.
	Output io.Writer
	// Timeout bounds each test, its simulator start included. Default 60 s.
	Timeout time.Duration
	// Match, when set, picks the tests to run by name; the others are
	// skipped, not reported. A file none of whose tests match is not
	// reported either.
	Match func(name string) bool
	// Location is the bot's time zone (host.Config.Location) and the
	// virtual clock's: every test starts at Start's wall-clock time in it.
	// Nil is Asia/Shanghai, so that a test does not depend on the machine.
	Location *time.Location
	// Lang is the language of what commands answer on their own
	// (host.Config.Lang); empty is English.
	Lang string
	// OpenStore, when set, opens the kv store of each test, empty; dir is
	// the test's temporary folder. Nil opens a bbolt file in dir. The
	// store conformance tests run the same Lua tests on Redis through it.
	OpenStore func(dir string) (Store, error)
}

// Store is a kv store a test runs on (host.Store, closed after the test).
type Store interface {
	host.Store
	Close() error
}

// location is c.Location or the default zone.
func (c Config) location() *time.Location {
	if c.Location != nil {
		return c.Location
	}
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600) // the same offset, without a zoneinfo database
}

func (c Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 60 * time.Second
	}
	return c.Timeout
}

func (c Config) output() io.Writer {
	if c.Output == nil {
		return io.Discard
	}
	return c.Output
}

// Result is the outcome of one test, or of a test file that could not be
// run at all (then Name is the file's path).
type Result struct {
	File    string
	Name    string
	Err     error         // nil: passed
	Elapsed time.Duration // real time the test took, its simulator start included
}

// String is the result's line in the report: "ok name" or
// "FAIL name: file:line: message".
func (r Result) String() string {
	if r.Err == nil {
		return "ok " + r.Name
	}
	return "FAIL " + r.Name + ": " + oneLine(r.Err.Error())
}

// Summary counts results.
type Summary struct {
	Passed, Failed int
}

// String is the report's closing line.
func (s Summary) String() string { return fmt.Sprintf("%d passed, %d failed", s.Passed, s.Failed) }

// Find returns the test files under root: root itself if it is a
// *_test.lua file, else every *_test.lua below it (folders whose name
// starts with "." and lib folders, which hold libraries, skipped), sorted.
func Find(root string) ([]string, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("tests %s: %w", root, errors.Unwrap(err))
	}
	if !info.IsDir() {
		if !strings.HasSuffix(root, "_test.lua") {
			// luabot test bot.lua: the newcomer means the bot's test.
			if t := strings.TrimSuffix(root, ".lua") + "_test.lua"; strings.HasSuffix(root, ".lua") && fileExists(t) {
				return nil, fmt.Errorf("tests %s: not a *_test.lua file: its test is %s (luabot test %s, or the folder)", root, t, t)
			}
			return nil, fmt.Errorf("tests %s: not a *_test.lua file", root)
		}
		return []string{root}, nil
	}
	var files []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == host.LibraryFolder) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, "_test.lua") {
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// Run runs every test of every file, in order, calling report after each,
// and returns the counts. A canceled ctx stops it between tests.
func Run(ctx context.Context, cfg Config, files []string, report func(Result)) Summary {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var sum Summary
	for _, f := range files {
		runFile(ctx, cfg, f, func(r Result) {
			if r.Err == nil {
				sum.Passed++
			} else {
				sum.Failed++
			}
			if report != nil {
				report(r)
			}
		})
	}
	return sum
}

// oneLine joins a multi-line error (several scripts failed to load) with
// "; " so every result stays on one line.
func oneLine(s string) string {
	var parts []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, "; ")
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
