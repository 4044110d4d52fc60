package main

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/testkit"
)

// errTestsFailed makes `luabot test` exit 1 once the report is printed; the
// report already says what failed.
var errTestsFailed = errors.New("tests failed")

func testCommand() *cli.Command {
	return &cli.Command{
		Name:      "test",
		Usage:     "run the *_test.lua files under DIR (default .), each test against a fresh simulator",
		ArgsUsage: "[DIR|FILE]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "run", Usage: "run only the tests whose name matches this regular expression (Go syntax, like go test -run)"},
			&cli.BoolFlag{Name: "v", Usage: "print each test with the time it took"},
			&cli.StringFlag{Name: "junit", Usage: "also write the results to this file as JUnit XML, for CI", TakesFile: true},
			&cli.DurationFlag{Name: "timeout", Value: time.Minute,
				Usage: "fail a test that runs longer than this (real time, simulator start included); sim.advance costs what the timers' callbacks cost, so a simulated day takes seconds"},
			// Tests default to one fixed zone so that they pass or fail the
			// same on every machine.
			tzFlag("Asia/Shanghai", ""),
			langFlag("en"),
		},
		Action: testAction,
	}
}

// testAction prints one line per test and the closing "N passed, M
// failed" on stdout. The bots' logs go to stderr at warn level unless
// --log-level is given, so the report stays readable.
func testAction(c *cli.Context) error {
	if c.NArg() > 1 {
		return usagef("test: name one folder or test file")
	}
	root := "."
	if c.NArg() == 1 {
		root = c.Args().First()
	}
	files, err := testkit.Find(root)
	if err != nil {
		return usagef("%v", err)
	}
	if len(files) == 0 {
		return usagef("test: no *_test.lua files under %s", root)
	}
	level := slog.LevelWarn
	if c.IsSet("log-level") {
		if level, err = parseLevel(c.String("log-level")); err != nil {
			return err
		}
	}
	logger := slog.New(slog.NewTextHandler(c.App.ErrWriter, &slog.HandlerOptions{Level: level}))
	timeout := c.Duration("timeout")
	if timeout <= 0 {
		return usagef("test: --timeout must be positive, like 30s or 5m")
	}
	loc, err := zoneFlag(c)
	if err != nil {
		return err
	}
	lang, err := langOf(c, "")
	if err != nil {
		return err
	}
	cfg := testkit.Config{Logger: logger, Output: c.App.ErrWriter, Timeout: timeout, Location: loc, Lang: lang}
	if pattern := c.String("run"); pattern != "" {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return usagef("test: --run %q: %v", pattern, err)
		}
		cfg.Match = re.MatchString
	}
	out, verbose := c.App.Writer, c.Bool("v")
	var junit junitReport
	sum := testkit.Run(c.Context, cfg, files, func(r testkit.Result) {
		if verbose {
			fmt.Fprintf(out, "%s (%s)\n", r, r.Elapsed.Round(time.Millisecond))
		} else {
			fmt.Fprintln(out, r)
		}
		junit.add(r)
	})
	fmt.Fprintln(out, sum)
	if path := c.String("junit"); path != "" {
		if err := junit.write(path); err != nil {
			return err
		}
	}
	if sum.Passed+sum.Failed == 0 && c.String("run") != "" {
		return usagef("test: no test matches --run %q", c.String("run"))
	}
	if err := c.Context.Err(); err != nil {
		return err
	}
	if sum.Failed > 0 {
		return errTestsFailed
	}
	return nil
}
