package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"
)

// The CLI's conventions, applied to every command in one place so that no
// command can forget one: a mistake is printed once (by run) with exit
// status 2, and flags placed after the scripts are refused rather than
// silently taken for script names.

func init() {
	// Only --version: -v is left for commands (a verbose flag).
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Usage: "print the version, the commit and the Go version"}
}

// version describes this build: the module version, the commit it was built
// from (with "+dirty" when the tree had changes) and the Go version.
func version() string {
	v, commit := "(devel)", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			v = info.Main.Version
		}
		var dirty bool
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(commit) > 12 {
			commit = commit[:12]
		}
		if dirty && commit != "" {
			commit += "+dirty"
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	return fmt.Sprintf("%s commit %s %s", v, commit, runtime.Version())
}

// parsing is held while a run parses its flags. urfave/cli v2 keeps the
// --help and --version flags in package variables (cli.HelpFlag,
// cli.VersionFlag) and writes them as it parses, so two runs in one
// process (the tests run many at once) must not parse at the same time;
// their commands' actions do run at the same time.
var parsing sync.Mutex

// conventions installs the shared behaviour on app and its commands;
// parsed is called as a command's action starts, its flags parsed.
func conventions(app *cli.App, stderr io.Writer, unknown *bool, parsed func()) {
	app.Version = version()
	app.OnUsageError = usageOnce
	app.CommandNotFound = func(c *cli.Context, name string) {
		*unknown = true
		// Under a command with subcommands (luabot kv frob) the choices are
		// its subcommands, not the top-level commands.
		parent, cmds := "luabot", app.Commands
		if c != nil && c.Command != nil && len(c.Command.Subcommands) > 0 && c.Command.FullName() != app.Name {
			parent, cmds = "luabot "+c.Command.FullName(), c.Command.Subcommands
		}
		fmt.Fprintf(stderr, "luabot: unknown command %q; the commands of %s are %s (%s help COMMAND for its flags)\n",
			name, parent, strings.Join(commandNames(cmds), ", "), parent)
	}
	var walk func([]*cli.Command)
	walk = func(cmds []*cli.Command) {
		for _, cmd := range cmds {
			cmd.OnUsageError = usageOnce
			if act := cmd.Action; act != nil {
				cmd.Action = func(c *cli.Context) error {
					parsed()
					return act(c)
				}
			}
			if takesScripts(cmd) {
				cmd.Before = chain(refuseTrailingFlags, cmd.Before)
			}
			walk(cmd.Subcommands)
		}
	}
	walk(app.Commands)
}

// usageOnce turns a flag-parsing error into a usage error that run prints
// once; urfave/cli would otherwise print it, then the help, then run again.
func usageOnce(c *cli.Context, err error, _ bool) error {
	name := "luabot"
	if c.Command != nil && c.Command.Name != "" {
		name = "luabot " + c.Command.FullName()
		// A global flag after the command (luabot run --log-level debug,
		// as the README's table of run flags lists it) is one urfave/cli
		// does not know there: say where it goes.
		if flag, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok && c.App != nil {
			flag = strings.TrimPrefix(flag, "-")
			for _, f := range c.App.Flags {
				if slices.Contains(f.Names(), flag) {
					return usagef("--%s is a global flag: it goes before the command, as in luabot --%s VALUE %s ...",
						flag, flag, commandPath(c))
				}
			}
		}
	}
	return usagef("%v (%s --help lists the flags)", err, name)
}

// commandPath is the command being run as typed after "luabot" ("kv
// check"); urfave/cli's FullName gives a subcommand's own name only.
func commandPath(c *cli.Context) string {
	var names []string
	for _, l := range c.Lineage() {
		if l.Command != nil && l.Command.Name != "" && (l.App == nil || l.Command.Name != l.App.Name) {
			if len(names) == 0 || names[0] != l.Command.Name {
				names = append([]string{l.Command.Name}, names...)
			}
		}
	}
	return strings.Join(names, " ")
}

// takesScripts reports whether cmd's arguments are scripts, folders or
// files, after which a flag would be silently ignored.
func takesScripts(cmd *cli.Command) bool {
	return strings.Contains(cmd.ArgsUsage, "SCRIPT") || strings.Contains(cmd.ArgsUsage, "DIR") ||
		strings.Contains(cmd.ArgsUsage, "FILE")
}

// refuseTrailingFlags refuses `luabot run bot.lua --app-id 1`: urfave/cli
// stops parsing flags at the first argument, so --app-id would be taken for
// a script name and the real flag never set.
func refuseTrailingFlags(c *cli.Context) error {
	args := c.Args().Slice()
	for i, a := range args {
		if i > 0 && len(a) > 1 && strings.HasPrefix(a, "-") {
			return usagef("%s: flags go before the scripts: luabot %s %s ... %s (got %q after %q)",
				c.Command.FullName(), c.Command.FullName(), a, args[0], a, args[0])
		}
	}
	return nil
}

func chain(first, then cli.BeforeFunc) cli.BeforeFunc {
	if then == nil {
		return first
	}
	return func(c *cli.Context) error {
		if err := first(c); err != nil {
			return err
		}
		return then(c)
	}
}

// commandNames lists the commands a user may type, hidden ones aside.
func commandNames(cmds []*cli.Command) []string {
	var names []string
	for _, cmd := range cmds {
		if !cmd.Hidden {
			names = append(names, cmd.Name)
		}
	}
	return slices.Clip(names)
}
