package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/kv/kvredis"
)

// botStore is the kv store a command runs scripts on: the --data file, or
// with --store the Redis server several processes of the bot share.
type botStore interface {
	host.Store
	Close() error
}

var storeFlag = &cli.StringFlag{
	Name:    "store",
	Usage:   "keep kv, sessions and the dedup window on a Redis server shared by several processes of the bot: rediss://[user:password@]host:port/db (TLS; redis:// only to this machine); default the --data file",
	EnvVars: []string{"LUABOT_STORE"},
}

// openStore opens the --data file, or the --store server, for a command
// that runs scripts.
func openStore(c *cli.Context) (botStore, error) { return openStoreWith(c, nil) }

// openStoreWith is openStore with an observer of the file's commits (metrics); nil for none.
func openStoreWith(c opts, obs kv.Observer) (botStore, error) {
	quota, err := kvQuota(c)
	if err != nil {
		return nil, err
	}
	if raw := c.String("store"); raw != "" {
		cfg, err := storeConfig(c)
		if err != nil {
			return nil, err
		}
		cfg.Quota = quota
		store, err := kvredis.Open(cfg)
		if err != nil {
			return nil, fmt.Errorf("--store %s: %w", cfg.Redacted(), err)
		}
		return store, nil
	}
	store, err := kv.Open(kv.Config{Path: c.String("data"), Quota: quota, Observer: obs})
	if err != nil {
		return nil, storeError(err) // not a nil *kv.Store in a non-nil interface
	}
	return store, nil
}

// storeConfig reads --store into a kvredis.Config whose key prefix is the
// bot's app id, so that the processes of one bot share state and other
// bots on the same server do not see it.
func storeConfig(c opts) (kvredis.Config, error) {
	cfg, err := kvredis.ParseURL(c.String("store"))
	if err != nil {
		return cfg, usagef("--store: %v", err)
	}
	app := c.String("app-id")
	if app == "" {
		return cfg, usagef("--store needs --app-id (QQBOT_APP_ID): the bot's keys on the server are named after it")
	}
	cfg.Prefix = "luabot:" + app + ":"
	return cfg, nil
}

// storeError adds to the kv package's errors what only the command line
// knows: the flag that names the file and the commands that help.
func storeError(err error) error {
	var damaged *kv.DamagedError
	switch {
	case errors.As(err, &damaged):
		return fmt.Errorf("%w; the gateway session and dedup window in it can be dropped safely, the scripts' kv data cannot "+
			"(keep copies with `luabot backup`)", err)
	case errors.Is(err, kv.ErrLocked):
		return fmt.Errorf("%w: is another luabot running on it? Stop it, or pick another file with --data", err)
	}
	return err
}

func backupCommand() *cli.Command {
	return &cli.Command{
		Name:      "backup",
		Usage:     "write a consistent copy of the kv file, also while a bot runs on it",
		ArgsUsage: "OUT",
		Description: "A running luabot holds the file locked, so the copy is then written by that process (through\n" +
			"its control socket DATA.sock); otherwise backup opens the file read-only. OUT is replaced\n" +
			"only once the copy is complete. Restore by stopping the bot and copying OUT over DATA.",
		Flags: []cli.Flag{dataFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("backup: name the file to write, e.g. luabot backup luabot-copy.db")
			}
			out, err := filepath.Abs(c.Args().First())
			if err != nil {
				return err
			}
			data := c.String("data")
			n, live, err := backup(data, out)
			if err != nil {
				return err
			}
			from := "file"
			if live {
				from = "running bot"
			}
			fmt.Fprintf(c.App.Writer, "%s: %d bytes, a consistent copy of %s (from the %s)\n", out, n, data, from)
			return nil
		},
	}
}

// backup writes the copy through the running bot when there is one
// (live), else from the file itself.
func backup(data, out string) (n int64, live bool, err error) {
	cl, err := dialControl(controlPath(data))
	if owner := (*host.ControlOwnerError)(nil); errors.As(err, &owner) {
		return 0, false, err
	}
	if err == nil {
		defer cl.Close()
		resp, err := cl.call(host.ControlRequest{Op: "backup", Path: out})
		if err == nil && resp.Err != "" {
			err = errors.New(resp.Err)
		}
		if err != nil {
			return 0, true, fmt.Errorf("backup through the running bot: %w", err)
		}
		n, _ := strconv.ParseInt(resp.Out, 10, 64)
		return n, true, nil
	}
	store, err := openIdle(data)
	if err != nil {
		return 0, false, err
	}
	defer store.Close()
	n, err = store.WriteBackup(out)
	return n, false, err
}

// openIdle opens the kv file of a bot that is not running, read-only.
func openIdle(data string) (*kv.Store, error) {
	if _, err := os.Stat(data); err != nil {
		return nil, fmt.Errorf("no kv file %s (set --data)", data)
	}
	store, err := kv.Open(kv.Config{Path: data, ReadOnly: true, LockTimeout: 500 * time.Millisecond})
	if errors.Is(err, kv.ErrLocked) {
		return nil, fmt.Errorf("%w, which offers no control socket at %s (a `luabot repl`?): stop it and try again", err, controlPath(data))
	}
	return store, storeError(err)
}

func kvCommand() *cli.Command {
	return &cli.Command{
		Name:  "kv",
		Usage: "inspect the kv file",
		Subcommands: []*cli.Command{{
			Name:  "check",
			Usage: "run bbolt's consistency check over the kv file (through the running bot if there is one)",
			Description: "Prints one line per problem and exits 1 if there are any. A sound file prints a summary.\n" +
				"On a damaged file: stop the bot, restore a copy made with `luabot backup`, or move the file aside.",
			Flags: []cli.Flag{dataFlag},
			Action: func(c *cli.Context) error {
				data := c.String("data")
				problems, err := check(data)
				var damaged *kv.DamagedError
				if errors.As(err, &damaged) {
					problems, err = []string{damaged.Cause}, nil
				}
				if err != nil {
					return err
				}
				for _, p := range problems {
					fmt.Fprintf(c.App.Writer, "%s: %s\n", data, p)
				}
				if len(problems) > 0 {
					return fmt.Errorf("%s is damaged (%d problem(s) above): restore a backup or move it aside", data, len(problems))
				}
				fmt.Fprintf(c.App.Writer, "%s: no problems found\n", data)
				return nil
			},
		}},
	}
}

func check(data string) ([]string, error) {
	cl, err := dialControl(controlPath(data))
	if owner := (*host.ControlOwnerError)(nil); errors.As(err, &owner) {
		return nil, err
	}
	if err == nil {
		defer cl.Close()
		resp, err := cl.call(host.ControlRequest{Op: "check"})
		if err == nil && resp.Err != "" {
			err = errors.New(resp.Err)
		}
		if err != nil {
			return nil, fmt.Errorf("check through the running bot: %w", err)
		}
		return resp.Names, nil
	}
	store, err := openIdle(data)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	return store.Check()
}
