package main

import (
	"fmt"
	"log/slog"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/sim"
)

func simCommand() *cli.Command {
	return &cli.Command{
		Name:  "sim",
		Usage: "run the simulated QQ platform alone and print how to reach it",
		Action: func(c *cli.Context) error {
			platform, err := sim.New(sim.Config{Logger: slog.Default().With("component", "sim")})
			if err != nil {
				return err
			}
			if err := platform.Start(); err != nil {
				return err
			}
			defer platform.Close()
			w := c.App.Writer
			fmt.Fprintf(w, "api_url=%s\n", platform.APIURL())
			fmt.Fprintf(w, "token_url=%s\n", platform.TokenURL())
			fmt.Fprintf(w, "gateway_url=%s\n", platform.GatewayURL())
			fmt.Fprintf(w, "app_id=%s\n", platform.AppID())
			fmt.Fprintf(w, "secret=%s\n", platform.Secret())
			slog.Info("simulator running; Ctrl-C stops it")
			<-c.Context.Done()
			return nil
		},
	}
}
