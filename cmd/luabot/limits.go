package main

import (
	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/host"
)

// limitFlags let the operator bound what a script's `-- luabot: cpu=…
// memory=…` header may ask for.
func limitFlags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "max-script-cpu", Usage: "most CPU per handler run a script's header may ask for, e.g. 4s",
			DefaultText: "4 times the default of 1s", EnvVars: []string{"LUABOT_MAX_SCRIPT_CPU"}},
		&cli.IntFlag{Name: "max-script-memory", Usage: "most memory in MiB a script's header may ask for",
			DefaultText: "4 times the default of 64", EnvVars: []string{"LUABOT_MAX_SCRIPT_MEMORY"}},
	}
}

// applyLimitFlags copies the limit flags into cfg.
func applyLimitFlags(c *cli.Context, cfg *host.Config) error {
	cpu, mem := c.Duration("max-script-cpu"), c.Int("max-script-memory")
	if cpu < 0 {
		return usagef("--max-script-cpu %s: want a positive duration", cpu)
	}
	if mem < 0 || mem > 64<<10 {
		return usagef("--max-script-memory %d: want MiB between 1 and 65536", mem)
	}
	cfg.MaxCPU, cfg.MaxMemory = cpu, int64(mem)<<20
	return nil
}
