package main

import (
	"strings"
	"time"
	_ "time/tzdata" // --tz works on machines without a zoneinfo database

	"github.com/urfave/cli/v2"
)

// tzFlag is the bot's time zone: os.date, os.time with a table, timer.cron
// and (for luabot test) the virtual clock all read it.
func tzFlag(def, defText string) cli.Flag {
	return &cli.StringFlag{Name: "tz", Value: def, DefaultText: defText,
		Usage:   "the bot's time zone for os.date, os.time and timer.cron, e.g. Asia/Shanghai (QQ's users mostly live in UTC+8)",
		EnvVars: []string{"LUABOT_TZ"}}
}

// zoneFlag reads --tz; empty (or a command without the flag) is the
// machine's zone.
func zoneFlag(c opts) (*time.Location, error) {
	name := strings.TrimSpace(c.String("tz"))
	if name == "" || strings.EqualFold(name, "local") {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, usagef("--tz %q: not a time zone; use a name such as Asia/Shanghai or UTC", name)
	}
	return loc, nil
}
