// Command luabot hosts QQ bots written in Lua.
//
//	luabot init [DIR]            create a bot folder: a script, its test, editor files
//	luabot dev SCRIPT|DIR...     chat with your bot on the embedded simulator, in the terminal and a web console
//	luabot run SCRIPT|DIR...     run it on the QQ platform
//	luabot sim                   run the simulator alone, for any SDK
//	luabot test [DIR|FILE]       run the *_test.lua files, each test against a fresh simulator
//	luabot check SCRIPT|DIR...   find mistakes in scripts without running them
//	luabot repl [SCRIPT|DIR...]  a Lua prompt with the whole API (--attach: inside a running bot)
//	luabot types                 print the API's type stubs for editors (luabot.d.lua)
//	luabot doctor [SCRIPT|DIR...] check credentials, IP allow-list, intents and webhook before going live
//	luabot status                show the shards and intents of the bot running on --data
//	luabot backup OUT            write a consistent copy of the kv file, also while a bot runs
//	luabot kv check              check the kv file's consistency (through the running bot if any)
//	luabot bench SCRIPT|DIR...   measure scripts under a message load (--compare: beside a bare Go client)
//	luabot replay FILE SCRIPT|DIR... feed a recording (run --record) to scripts, print what they send otherwise
//
// `luabot help COMMAND` lists a command's flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/urfave/cli/v2"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first Ctrl-C (or SIGTERM) asks for a clean stop, which may
		// wait a few seconds for handlers (the host logs what they wait
		// for); a second one ends the process at once.
		<-signals
		cancel()
		slog.New(slog.NewTextHandler(os.Stderr, nil)).Info("stopping: handlers get a few seconds to finish; press Ctrl-C again to quit at once")
		<-signals
		os.Exit(130)
	}()
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}

// usageError marks a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// run is the whole program behind main; it returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stderr = &lockedWriter{w: stderr}
	app := &cli.App{
		Name:      "luabot",
		Usage:     "host QQ bots written in Lua",
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error", EnvVars: []string{"LUABOT_LOG_LEVEL"}},
		},
		Commands: commands(),
		// Errors are printed once, below, with the right exit status.
		ExitErrHandler: func(*cli.Context, error) {},
	}
	var unknown bool
	parsing.Lock()
	parsed := sync.OnceFunc(parsing.Unlock)
	defer parsed() // help, a usage error, an unknown command
	conventions(app, stderr, &unknown, parsed)
	app.Before = func(c *cli.Context) error {
		level, err := parseLevel(c.String("log-level"))
		if err != nil {
			return err
		}
		setLogger(c, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
		return nil
	}
	err := app.RunContext(ctx, args)
	if unknown {
		return 2
	}
	if err == nil {
		return 0
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code) // the command said why on its own
	}
	fmt.Fprintf(stderr, "luabot: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "flag provided but not defined") ||
		strings.HasPrefix(err.Error(), "invalid value") {
		return 2
	}
	return 1
}

// loggerKey holds a run's logger in its app's metadata. Each run logs to
// its own stderr through its own logger, handed down from here: nothing
// sets slog's process-wide default, so runs in one process (the tests run
// many at once) do not write into each other's output.
const loggerKey = "logger"

// logger is the run's logger (app.Before makes it from --log-level).
func logger(c *cli.Context) *slog.Logger {
	if l, ok := c.App.Metadata[loggerKey].(*slog.Logger); ok {
		return l
	}
	return slog.New(slog.NewTextHandler(c.App.ErrWriter, nil))
}

// setLogger replaces the run's logger (a level from the config file, a
// terminal's line editor, the web console's copy of the lines).
func setLogger(c *cli.Context, l *slog.Logger) {
	if c.App.Metadata == nil {
		c.App.Metadata = map[string]any{}
	}
	c.App.Metadata[loggerKey] = l
}

// commands are luabot's commands; the package comment lists each of them.
func commands() []*cli.Command {
	return []*cli.Command{
		initCommand(),
		devCommand(),
		runCommand(),
		simCommand(),
		typesCommand(),
		statusCommand(),
		doctorCommand(),
		testCommand(),
		checkCommand(),
		replCommand(),
		backupCommand(),
		kvCommand(),
		benchCommand(),
		replayCommand(),
		benchBareCommand(),
	}
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, usagef("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}
