package main

import (
	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
)

// limitFlags let the operator bound what a script's `-- luabot: cpu=…
// memory=…` header may ask for.
func limitFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.DurationFlag{Name: "max-script-cpu", Usage: "most CPU per handler run a script's header may ask for, e.g. 4s",
			DefaultText: "4 times the default of 1s", EnvVars: []string{"LUABOT_MAX_SCRIPT_CPU"}},
		&cli.IntFlag{Name: "max-script-memory", Usage: "most memory in MiB a script's header may ask for",
			DefaultText: "4 times the default of 64", EnvVars: []string{"LUABOT_MAX_SCRIPT_MEMORY"}},
		&cli.Int64Flag{Name: "kv-quota", Usage: "most MiB of keys and values one kv namespace (a script's own, or a kv.open one) may hold; -1: no limit",
			DefaultText: "64", EnvVars: []string{"LUABOT_KV_QUOTA"}},
		&cli.Int64Flag{Name: "kv-quota-keys", Usage: "most keys one kv namespace may hold; -1: no limit",
			DefaultText: "100000", EnvVars: []string{"LUABOT_KV_QUOTA_KEYS"}},
	}, append(append(httpFlags(), confFlags()...), tzFlag("", "the machine's zone"), langFlag("lang under [bot] in the --config file, else en"))...)
}

// kvQuota reads the quota flags (zero where a command has none: the
// default).
func kvQuota(c opts) (kv.Quota, error) {
	mib, keys := c.Int64("kv-quota"), c.Int64("kv-quota-keys")
	if mib < -1 || mib > 1<<30 {
		return kv.Quota{}, usagef("--kv-quota %d: want MiB (at least 1), or -1 for no limit", mib)
	}
	if keys < -1 {
		return kv.Quota{}, usagef("--kv-quota-keys %d: want a number of keys, or -1 for no limit", keys)
	}
	q := kv.Quota{Bytes: mib << 20, Keys: keys}
	if mib == -1 {
		q.Bytes = -1
	}
	return q, nil
}

// applyLimitFlags copies the limit flags, and the http and --tz flags
// beside them, into cfg.
func applyLimitFlags(c opts, cfg *host.Config) error {
	cpu, mem := c.Duration("max-script-cpu"), c.Int("max-script-memory")
	if cpu < 0 {
		return usagef("--max-script-cpu %s: want a positive duration", cpu)
	}
	if mem < 0 || mem > 64<<10 {
		return usagef("--max-script-memory %d: want MiB between 1 and 65536", mem)
	}
	cfg.MaxCPU, cfg.MaxMemory = cpu, int64(mem)<<20
	loc, err := zoneFlag(c)
	if err != nil {
		return err
	}
	cfg.Location = loc
	return applyHTTPFlags(c, cfg)
}
