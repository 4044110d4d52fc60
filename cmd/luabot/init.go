package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/scripts"
)

// initCommand scaffolds a bot folder a newcomer can run and test at once:
// `luabot dev DIR` chats with it, `luabot test DIR` passes, and an editor
// with the Lua language server completes the API from luabot.d.lua.
func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "create a bot folder: a script, its test, editor completion files, .gitignore and a README",
		ArgsUsage: "[DIR]",
		Description: "DIR (default the current folder) is created when missing. No file that already exists is\n" +
			"overwritten: if any of the files init writes is there, it writes nothing and says which.",
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("init takes one folder, got %d arguments", c.NArg())
			}
			dir := "."
			if c.NArg() == 1 {
				dir = c.Args().First()
			}
			written, err := scaffold(dir)
			if err != nil {
				return err
			}
			out := c.App.Writer
			fmt.Fprintf(out, "created in %s: %s\n", dir, strings.Join(written, ", "))
			fmt.Fprintf(out, "chat with the bot:  luabot dev %s\n", dir)
			fmt.Fprintf(out, "run its tests:      luabot test %s\n", dir)
			return nil
		},
	}
}

// scaffoldFiles are the files of a new bot folder, by name.
func scaffoldFiles() map[string]string {
	return map[string]string{
		"bot.lua":      scaffoldBot,
		"bot_test.lua": scaffoldTest,
		"luabot.d.lua": scripts.Types + scripts.TestTypes,
		".luarc.json":  scaffoldLuarc,
		".gitignore":   scaffoldGitignore,
		"README.md":    scaffoldReadme,
	}
}

// scaffold writes the files into dir and returns their names. It checks
// every name first, so a folder that has one of them is left untouched.
func scaffold(dir string) ([]string, error) {
	files := scaffoldFiles()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%s is a file; give init a folder", dir)
	}
	var there []string
	for _, name := range names {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			there = append(there, name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if len(there) > 0 {
		return nil, fmt.Errorf("%s already has %s: nothing was written (init never overwrites; pick an empty folder)",
			dir, strings.Join(there, ", "))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, name := range names {
		// O_EXCL: a file created between the check and now is not replaced.
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return nil, err
		}
		_, err = f.WriteString(files[name])
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	}
	return names, nil
}

const scaffoldBot = `-- bot.lua: your bot. Every top-level .lua file in this folder is a script of its own.
--
--   luabot dev .     chat with it on the embedded simulator (edits reload live)
--   luabot test .    run bot_test.lua
--
-- The API is in luabot.d.lua (your editor completes from it).

-- /ping answers pong.
command("ping", function(ev)
  ev:reply("pong")
end)

-- /hello <name> greets someone, and counts how often they were greeted.
command("hello <name>", function(ev, args)
  local n = kv.incr("greeted:" .. args.name)
  ev:reply(("hello, %s! (greeted %d times)"):format(args.name, n))
end)
`

const scaffoldTest = `-- bot_test.lua: luabot test . runs every test against a fresh simulator.

test("ping answers pong", function()
  sim.say("general", "/ping")
  expect(sim.sent(1).content).to_be("pong")
end)

test("hello counts the greetings", function()
  sim.say("general", "/hello bob")
  sim.say("general", "/hello bob")
  expect(sim.sent(2).content).to_be("hello, bob! (greeted 2 times)")
end)

test("hello without a name says how to use it", function()
  sim.say("general", "/hello")
  expect(sim.sent(1).content).to_match("^Usage: /hello <name>")
end)
`

// scaffoldLuarc points the Lua language server at Lua 5.1 and at the
// annotations of the script and test APIs.
const scaffoldLuarc = `{
  "runtime.version": "Lua 5.1",
  "workspace.library": ["luabot.d.lua"]
}
`

var scaffoldGitignore = "# luabot's state: the kv files of run and dev, and their sidecars\n" +
	kv.DefaultPath + "\n" + kv.DefaultPath + ".sock\n" + kv.DefaultPath + ".status.json\n" +
	devData + "\n" + devData + ".sock\n" + devData + ".status.json\n"

const scaffoldReadme = "# My QQ bot\n\n" +
	"A bot for [luabot](https://github.com/luabot/luabot).\n\n" +
	"```sh\n" +
	"luabot dev .     # chat with it on the embedded simulator; edits reload live\n" +
	"luabot test .    # run bot_test.lua\n" +
	"luabot check .   # find mistakes without running it\n" +
	"QQBOT_APP_ID=... QQBOT_SECRET=... luabot run .   # run it on QQ with your bot's AppID and AppSecret\n" +
	"```\n\n" +
	"`luabot.d.lua` and `.luarc.json` give editors with the Lua language server completion for the API;\n" +
	"`luabot types > luabot.d.lua` refreshes it after upgrading luabot.\n"
