package main

import (
	"io"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/scripts"
)

func typesCommand() *cli.Command {
	return &cli.Command{
		Name:  "types",
		Usage: "print LuaLS type annotations for the script API and the test API (save as luabot.d.lua for editor completion)",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("types takes no arguments (got %q): it prints the annotations; save them with luabot types > luabot.d.lua", c.Args().First())
			}
			_, err := io.WriteString(c.App.Writer, scripts.Types+scripts.TestTypes)
			return err
		},
	}
}
