package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/transport"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run scripts as a bot on the QQ platform",
		ArgsUsage: "SCRIPT|DIR...",
		Flags: slices.Concat(platformFlags(), []cli.Flag{dataFlag, storeFlag}, transportFlags(), []cli.Flag{
			&cli.BoolFlag{Name: "share-shards", Usage: "with --store: share the shards (all, or --shard-range) with the bot's other processes through leases; a dead process's shards are taken over", EnvVars: []string{"LUABOT_SHARE_SHARDS"}},
			&cli.DurationFlag{Name: "shard-lease", Value: transport.DefaultLeaseTTL, Usage: "with --share-shards: how long a shard lease lasts unless renewed", EnvVars: []string{"LUABOT_SHARD_LEASE"}},
			&cli.BoolFlag{Name: "watch", Usage: "reload scripts live when their files change", EnvVars: []string{"LUABOT_WATCH"}},
			// For `luabot bench --cpuprofile`: where the time of a run goes.
			&cli.StringFlag{Name: "cpuprofile", Hidden: true, Usage: "write a CPU profile (pprof) to this file"},
			// For memory work: what the heap holds when the run ends.
			&cli.StringFlag{Name: "memprofile", Hidden: true, Usage: "write a heap profile (pprof) to this file at exit"},
			// For `luabot bench`: each script's handler times, written when the run ends.
			&cli.StringFlag{Name: "handler-stats", Hidden: true, Usage: "write each script's handler times (JSON) to this file at exit"},
		}, adminFlags(""), limitFlags(), recordFlags()),
		Action: func(c *cli.Context) error {
			specs, process, err := runSpecs(c)
			if err != nil {
				return err
			}
			if path := c.String("cpuprofile"); path != "" {
				stop, err := startCPUProfile(path, logger(c))
				if err != nil {
					return err
				}
				defer stop()
			}
			if path := c.String("memprofile"); path != "" {
				defer writeHeapProfile(path, logger(c))
			}
			w, err := newWatch(process, logger(c))
			if err != nil {
				return err
			}
			defer w.stop()
			setLogger(c, w.log) // with the web console's copy of the lines
			for _, s := range specs {
				s.logTo(w.log)
			}
			if path := c.String("handler-stats"); path != "" {
				defer writeHandlerStats(path, w.metrics, w.log)
			}
			// Up before the scripts load, so a supervisor's /healthz answers at once.
			w.start(c.Context)
			if len(specs) == 1 {
				return runBot(c, specs[0], w)
			}
			return runBots(c, specs, w)
		},
	}
}

// platformFlags are the flags naming the bot and the platform, shared by run and doctor.
func platformFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "app-id", Usage: "bot AppID", EnvVars: []string{"QQBOT_APP_ID"}},
		&cli.StringFlag{Name: "secret", Usage: "bot AppSecret", EnvVars: []string{"QQBOT_SECRET"}},
		&cli.StringFlag{Name: "token", Usage: "legacy bot token (instead of --secret)", EnvVars: []string{"QQBOT_TOKEN"}},
		&cli.StringFlag{Name: "api", Usage: "REST base URL (default production, or sandbox with --sandbox)", EnvVars: []string{"QQBOT_API"}},
		&cli.StringFlag{Name: "token-url", Usage: "token service base URL (default " + openapi.DefaultTokenURL + ")", EnvVars: []string{"QQBOT_TOKEN_URL"}},
		&cli.BoolFlag{Name: "sandbox", Usage: "use the sandbox API host"},
	}
}

// transportFlags are the flags choosing how events arrive, shared by run and doctor.
func transportFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "transport", Value: transport.WS, Usage: "how events arrive: ws (WebSocket gateway) or webhook (HTTP callbacks)", EnvVars: []string{"LUABOT_TRANSPORT"}},
		&cli.IntFlag{Name: "shards", Usage: "total shard count", DefaultText: "what GET /gateway/bot recommends", EnvVars: []string{"LUABOT_SHARDS"}},
		&cli.StringFlag{Name: "shard-range", Usage: "run only shards FIRST to LAST of COUNT, e.g. 0-3/8", EnvVars: []string{"LUABOT_SHARD_RANGE"}},
		&cli.StringFlag{Name: "listen", Usage: "webhook: address to listen on, e.g. :8443", EnvVars: []string{"LUABOT_LISTEN"}},
		&cli.StringFlag{Name: "tls-cert", Usage: "webhook: TLS certificate file (PEM)", EnvVars: []string{"LUABOT_TLS_CERT"}},
		&cli.StringFlag{Name: "tls-key", Usage: "webhook: TLS key file (PEM)", EnvVars: []string{"LUABOT_TLS_KEY"}},
	}
}

// platformAPI checks the credential flags and makes the REST client; obs, when not nil,
// hears of every exchange (the metrics).
func platformAPI(c opts, obs openapi.Observer, log *slog.Logger) (*openapi.Client, error) {
	appID, secret, token := c.String("app-id"), c.String("secret"), c.String("token")
	switch {
	case appID == "" || (secret == "" && token == ""):
		return nil, usagef("missing credentials: set --app-id (QQBOT_APP_ID) and --secret (QQBOT_SECRET) or --token (QQBOT_TOKEN); to try a bot without an account, use: luabot dev SCRIPT")
	case secret != "" && token != "":
		return nil, usagef("set either --secret (QQBOT_SECRET) or --token (QQBOT_TOKEN), not both")
	}
	api, err := openapi.New(openapi.Config{
		AppID:    appID,
		Secret:   secret,
		Token:    token,
		BaseURL:  c.String("api"),
		Sandbox:  c.Bool("sandbox"),
		TokenURL: c.String("token-url"),
		// Token refresh problems, retries and clock warnings go with the host's lines.
		Logger:       log,
		Observer:     obs,
		RetryBackoff: retryBackoff,
	})
	if err != nil {
		return nil, usagef("%v", err)
	}
	return api, nil
}

// startBackoff and reconnectBackoff override transport.Config.StartBackoff and
// ReconnectBackoff, and retryBackoff openapi.Config.RetryBackoff; tests shorten them.
var startBackoff, reconnectBackoff, retryBackoff time.Duration

// explainRefusal turns the platform refusing the credentials into one line that names the
// flag to fix; other errors pass through.
func explainRefusal(err error, appID string, legacy bool) error {
	var e *openapi.Error
	if !errors.As(err, &e) {
		return err
	}
	why := fmt.Sprintf("code %d: %s", e.Code, e.Message)
	switch {
	case e.Code == openapi.CodeSecretInvalid:
		return fmt.Errorf("the token service refused the AppSecret of app %s (%s): check --secret (QQBOT_SECRET)", appID, why)
	case e.Code == openapi.CodeAppIDInvalid:
		return fmt.Errorf("the token service does not know app %s (%s): check --app-id (QQBOT_APP_ID)", appID, why)
	case e.Status == http.StatusUnauthorized && legacy && e.Code == openapi.CodeLegacyTokenDisabled:
		return fmt.Errorf("the platform no longer accepts legacy bot tokens (%s): use --secret (QQBOT_SECRET) instead of --token", why)
	case e.Status == http.StatusUnauthorized && legacy:
		return fmt.Errorf("the platform refused the bot token of app %s (%s): check --app-id (QQBOT_APP_ID) and --token (QQBOT_TOKEN)", appID, why)
	case e.Status == http.StatusUnauthorized:
		return fmt.Errorf("the platform refused the access token of app %s (%s): check --app-id (QQBOT_APP_ID) and --secret (QQBOT_SECRET)", appID, why)
	}
	return err
}

// transportConfig turns the transport and sharding flags into a transport.Config and has
// the transport check it, so that a mistake is a usage error naming the flags before any
// script loads.
func transportConfig(c opts, secret string) (transport.Config, error) {
	cfg := transport.Config{
		Kind:       c.String("transport"),
		Shards:     c.Int("shards"),
		StatusFile: statusPath(c.String("data")),
		Webhook: gateway.WebhookConfig{Secret: secret, Listen: c.String("listen"),
			TLSCert: c.String("tls-cert"), TLSKey: c.String("tls-key")},
	}
	if r := c.String("shard-range"); r != "" {
		ids, count, err := transport.ParseShardRange(r)
		if err != nil {
			return cfg, usagef("--shard-range: %v", err)
		}
		// Both flags spell the shard count; they must agree.
		if cfg.Shards != 0 && cfg.Shards != count {
			return cfg, usagef("--shards %d disagrees with --shard-range %s", cfg.Shards, r)
		}
		cfg.Shards, cfg.ShardIDs = count, ids
	}
	if c.Bool("share-shards") {
		switch {
		case c.String("store") == "":
			return cfg, usagef("--share-shards needs --store: the leases live in the store the processes share")
		case cfg.Kind == transport.Webhook:
			return cfg, usagef("--share-shards is for --transport ws: webhook instances share no shards")
		}
		cfg.LeaseTTL = c.Duration("shard-lease")
	}
	if err := cfg.Check(); err != nil {
		return cfg, flagError(err)
	}
	return cfg, nil
}

// transportFlagOf names the flag behind each transport.Config field.
var transportFlagOf = map[string]string{
	"Kind":            "--transport",
	"Shards":          "--shards",
	"ShardIDs":        "--shard-range",
	"Webhook.Secret":  "--secret (QQBOT_SECRET)",
	"Webhook.Listen":  "--listen",
	"Webhook.TLSCert": "--tls-cert",
	"Webhook.TLSKey":  "--tls-key",
	"LeaseTTL":        "--shard-lease",
	"Leases":          "--share-shards",
}

// flagError turns a transport.ConfigError into a usage error naming flags; other errors
// pass through.
func flagError(err error) error {
	var ce *transport.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	return usagef("%s", ce.Explain(func(field string) string {
		if flag, ok := transportFlagOf[field]; ok {
			return flag
		}
		return field
	}))
}
