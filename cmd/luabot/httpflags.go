package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/outbound"
)

// httpFlags configure the scripts' outbound http module.
func httpFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "http-allow", Usage: "let script NAME reach these hosts with http, e.g. weather=api.example.com,*.example.org (repeatable; adds to the script's own -- luabot: http= header)",
			EnvVars: []string{"LUABOT_HTTP_ALLOW"}},
		&cli.BoolFlag{Name: "http-loopback", Usage: "let scripts reach services on this machine (loopback addresses, also over plain http)",
			EnvVars: []string{"LUABOT_HTTP_LOOPBACK"}},
		&cli.DurationFlag{Name: "http-timeout", Usage: "default timeout of a script's http request, reading the answer included",
			DefaultText: "10s", EnvVars: []string{"LUABOT_HTTP_TIMEOUT"}},
		&cli.IntFlag{Name: "http-max-body", Usage: "most MiB of one http answer a script may read",
			DefaultText: "4", EnvVars: []string{"LUABOT_HTTP_MAX_BODY"}},
	}
}

// applyHTTPFlags builds the outbound client and the operator's grants.
func applyHTTPFlags(c opts, cfg *host.Config) error {
	timeout, maxBody := c.Duration("http-timeout"), c.Int("http-max-body")
	if timeout < 0 {
		return usagef("--http-timeout %s: want a positive duration", timeout)
	}
	if maxBody < 0 || maxBody > 1<<10 {
		return usagef("--http-max-body %d: want MiB between 1 and 1024", maxBody)
	}
	grants := map[string][]string{}
	for _, spec := range c.StringSlice("http-allow") {
		name, hosts, ok := strings.Cut(spec, "=")
		name = strings.TrimSuffix(strings.TrimSpace(name), ".lua")
		if !ok || name == "" || strings.TrimSpace(hosts) == "" {
			return usagef("--http-allow %q: want SCRIPT=host[,host…], e.g. weather=api.example.com", spec)
		}
		for _, h := range strings.Split(hosts, ",") {
			if h = strings.TrimSpace(h); h != "" {
				grants[name] = append(grants[name], h)
			}
		}
	}
	cfg.HTTPGrants = grants
	cfg.HTTP = outbound.New(outbound.Config{
		Timeout:       timeout,
		MaxBody:       int64(maxBody) << 20,
		AllowLoopback: c.Bool("http-loopback"),
	})
	return nil
}
