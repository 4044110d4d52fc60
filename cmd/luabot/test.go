package main

import (
	"errors"
	"fmt"
	"log/slog"

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
		// Tests default to one fixed zone so that they pass or fail the same
		// on every machine.
		Flags:  []cli.Flag{tzFlag("Asia/Shanghai", "")},
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
	out := c.App.Writer
	loc, err := zoneFlag(c)
	if err != nil {
		return err
	}
	sum := testkit.Run(c.Context, testkit.Config{Logger: logger, Output: c.App.ErrWriter, Location: loc}, files, func(r testkit.Result) {
		fmt.Fprintln(out, r)
	})
	fmt.Fprintln(out, sum)
	if err := c.Context.Err(); err != nil {
		return err
	}
	if sum.Failed > 0 {
		return errTestsFailed
	}
	return nil
}
