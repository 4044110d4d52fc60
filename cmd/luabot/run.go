package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/openapi"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run scripts as a bot on the QQ platform",
		ArgsUsage: "SCRIPT|DIR...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "app-id", Usage: "bot AppID", EnvVars: []string{"QQBOT_APP_ID"}},
			&cli.StringFlag{Name: "secret", Usage: "bot AppSecret", EnvVars: []string{"QQBOT_SECRET"}},
			&cli.StringFlag{Name: "token", Usage: "legacy bot token (instead of --secret)", EnvVars: []string{"QQBOT_TOKEN"}},
			&cli.StringFlag{Name: "api", Usage: "REST base URL (default production, or sandbox with --sandbox)", EnvVars: []string{"QQBOT_API"}},
			&cli.StringFlag{Name: "token-url", Usage: "token service base URL (default " + openapi.DefaultTokenURL + ")", EnvVars: []string{"QQBOT_TOKEN_URL"}},
			&cli.BoolFlag{Name: "sandbox", Usage: "use the sandbox API host"},
			dataFlag,
		},
		Action: func(c *cli.Context) error {
			appID, secret, token := c.String("app-id"), c.String("secret"), c.String("token")
			switch {
			case appID == "" || (secret == "" && token == ""):
				return usagef("missing credentials: set --app-id (QQBOT_APP_ID) and --secret (QQBOT_SECRET) or --token (QQBOT_TOKEN); to try a bot without an account, use: luabot dev SCRIPT")
			case secret != "" && token != "":
				return usagef("set either --secret (QQBOT_SECRET) or --token (QQBOT_TOKEN), not both")
			}
			api, err := openapi.New(openapi.Config{
				AppID:    appID,
				Secret:   secret,
				Token:    token,
				BaseURL:  c.String("api"),
				Sandbox:  c.Bool("sandbox"),
				TokenURL: c.String("token-url"),
			})
			if err != nil {
				return usagef("%v", err)
			}
			h, closeStore, err := loadHost(c, api)
			if h == nil {
				return err
			}
			defer closeStore()
			if n := reportLoadErrors(c.App.ErrWriter, err); n > 0 {
				return fmt.Errorf("%d script(s) failed to load", n)
			}
			err = h.Run(c.Context)
			if errors.Is(err, c.Context.Err()) {
				return nil
			}
			return err
		},
	}
}
