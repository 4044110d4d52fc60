package main

import (
	"fmt"
	"net"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/sim"
)

func simCommand() *cli.Command {
	return &cli.Command{
		Name:  "sim",
		Usage: "run the simulated QQ platform alone and print how to reach it",
		Description: "Serves the token service, REST, the gateway and the control API (control_url) on one address.\n" +
			"Point any SDK at api_url/token_url with app_id and secret; drive users and faults with control_url.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:0", Usage: "listen address (host:port; port 0 picks one)"},
			&cli.StringFlag{Name: "app-id", Usage: "AppID to accept", DefaultText: "102000001"},
			&cli.StringFlag{Name: "secret", Usage: "AppSecret to accept", DefaultText: "random"},
			&cli.StringFlag{Name: "bot-token", Usage: "legacy bot token to accept as \"Bot appid.token\"", DefaultText: "random"},
			&cli.DurationFlag{Name: "token-ttl", Usage: "access-token lifetime (short values exercise refresh)", DefaultText: "2h"},
			&cli.DurationFlag{Name: "heartbeat", Usage: "gateway heartbeat interval announced in Hello", DefaultText: "41.25s"},
			&cli.UintFlag{Name: "shards", Usage: "shard count /gateway/bot recommends", DefaultText: "1"},
			&cli.UintFlag{Name: "intents", Usage: "intents the bot may identify with, as a bit set", DefaultText: "all"},
			&cli.BoolFlag{Name: "platform-2025", Usage: "emulate today's platform: legacy Bot tokens get 11245, active group/C2C messages are refused"},
			&cli.BoolFlag{Name: "audit", Usage: "hold guild/DM messages for audit: 202 with 304023/304024, then MESSAGE_AUDIT_PASS"},
			&cli.StringFlag{Name: "webhook", Usage: "also deliver events to this callback URL, signed (op 13 validation first)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("sim takes no arguments (got %q): it runs the simulated platform alone; luabot dev runs scripts on one", c.Args().First())
			}
			if _, _, err := net.SplitHostPort(c.String("addr")); err != nil {
				return usagef("--addr %q: want host:port, e.g. 127.0.0.1:8080 (port 0 picks one)", c.String("addr"))
			}
			platform, err := sim.New(sim.Config{
				Addr:              c.String("addr"),
				AppID:             c.String("app-id"),
				Secret:            c.String("secret"),
				BotToken:          c.String("bot-token"),
				TokenTTL:          c.Duration("token-ttl"),
				HeartbeatInterval: c.Duration("heartbeat"),
				Shards:            uint32(c.Uint("shards")),
				GrantedIntents:    uint32(c.Uint("intents")),
				Platform2025:      c.Bool("platform-2025"),
				Audit:             c.Bool("audit"),
				WebhookURL:        c.String("webhook"),
				Logger:            logger(c).With("component", "sim"),
			})
			if err != nil {
				return cli.Exit(err.Error(), 2)
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
			fmt.Fprintf(w, "bot_token=%s\n", platform.BotToken())
			fmt.Fprintf(w, "control_url=%s\n", platform.ControlURL())
			logger(c).Info("simulator running; Ctrl-C stops it")
			<-c.Context.Done()
			return nil
		},
	}
}
