package main

import (
	"runtime"
	"strings"
	"testing"
)

func TestCLI_Version(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI("--version")
	if code != 0 || !strings.HasPrefix(out, "luabot version ") || !strings.Contains(out, " commit ") ||
		!strings.Contains(out, runtime.Version()) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestCLI_UnknownCommandListsTheCommands(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI("frob")
	if code != 2 || out != "" || !strings.Contains(errOut, `unknown command "frob"`) ||
		!strings.Contains(errOut, "dev, run, sim") || strings.Contains(errOut, "bench-bare") ||
		!strings.Contains(errOut, "(luabot help COMMAND for its flags)") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// --log-level is listed among run's flags in the README but is global:
// after the command it used to be refused as "flag provided but not
// defined", which does not say that it belongs before the command.
func TestCLI_GlobalFlagAfterTheCommandSaysWhereItGoes(t *testing.T) {
	t.Parallel()
	for cmd, args := range map[string][]string{
		"run":      {"run", "--log-level", "debug", "bot.lua"},
		"kv check": {"kv", "check", "--log-level=debug"},
	} {
		code, out, errOut := runCLI(args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "--log-level is a global flag: it goes before the command, as in luabot --log-level VALUE "+cmd+" ...") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

// An unknown subcommand of kv used to be answered with the top-level
// commands (init, dev, run…), none of which follows "luabot kv".
func TestCLI_UnknownSubcommandListsItsSiblings(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI("kv", "frob")
	if code != 2 || out != "" || !strings.Contains(errOut, `unknown command "frob"`) ||
		!strings.Contains(errOut, "luabot kv are check") || strings.Contains(errOut, "dev, run") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// A flag after the scripts used to be taken for a script name, and the
// real flag never set: the user saw "missing credentials".
func TestCLI_FlagsAfterTheScriptsAreRefused(t *testing.T) {
	dir := mustFiles(t, map[string]string{"bot.lua": `on("message", function(ev) ev:reply("x") end)`})
	t.Chdir(dir)
	for _, args := range [][]string{
		{"run", "bot.lua", "--app-id", "1"},
		{"check", "bot.lua", "-v"},
		{"test", ".", "--timeout", "1s"},
	} {
		code, out, errOut := runCLI(args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "flags go before the scripts") ||
			strings.Contains(errOut, "missing credentials") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

// A bad flag is reported once, in one line, without the whole help.
func TestCLI_BadFlagPrintedOnce(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"run", "--bogus", "bot.lua"}, {"kv", "check", "--bogus"}, {"--bogus"}} {
		code, out, errOut := runCLI(args...)
		if code != 2 || out != "" || strings.Count(errOut, "bogus") != 1 || strings.Count(errOut, "\n") != 1 ||
			strings.Contains(errOut, "Incorrect Usage") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

// Backquotes in a urfave/cli usage string name the value placeholder, which
// made --attach (a bool) show "--attach luabot run".
func TestCLI_ReplHelpShowsAttach(t *testing.T) {
	t.Parallel()
	_, out, _ := runCLI("repl", "--help")
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "--attach") && !strings.HasPrefix(strings.TrimSpace(line), "--attach  ") {
			t.Errorf("help line %q", line)
		}
	}
	if !strings.Contains(out, "--attach") {
		t.Errorf("no --attach in:\n%s", out)
	}
}
