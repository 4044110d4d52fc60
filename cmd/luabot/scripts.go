package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
)

var dataFlag = &cli.StringFlag{
	Name:    "data",
	Value:   kv.DefaultPath,
	Usage:   "bbolt file for the scripts' kv state",
	EnvVars: []string{"LUABOT_DATA"},
}

// loadHostWith opens the store and loads the scripts named on the command
// line into a host built from cfg (Store and Logger are filled in here).
// Load failures are returned alongside a usable host (with the scripts that
// did load); the caller decides whether they are fatal. The returned close
// function releases the store.
func loadHostWith(c *cli.Context, cfg host.Config) (*host.Host, func(), error) {
	if c.NArg() == 0 {
		return nil, nil, usagef("%s: name at least one script file or folder", c.Command.Name)
	}
	files, err := host.ScriptFiles(c.Args().Slice())
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	if err := applyLimitFlags(c, &cfg); err != nil {
		return nil, nil, err
	}
	if err := applyConfFlags(c, &cfg, files); err != nil {
		return nil, nil, err
	}
	store, err := openStore(c)
	if err != nil {
		return nil, nil, err
	}
	cfg.Store, cfg.Logger = store, slog.Default()
	if cfg.ControlSocket == "" && c.Command.Name != "repl" {
		cfg.ControlSocket = controlPath(c.String("data"))
	}
	h, err := host.New(cfg)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return h, func() { store.Close() }, h.Load(files...)
}

// openHost opens the store and makes a host with no scripts yet.
func openHost(c *cli.Context, cfg host.Config) (*host.Host, func(), error) {
	store, err := openStore(c)
	if err != nil {
		return nil, nil, err
	}
	cfg.Store, cfg.Logger = store, slog.Default()
	h, err := host.New(cfg)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return h, func() { store.Close() }, nil
}

// reportLoadErrors writes one line per script that failed to load.
func reportLoadErrors(w io.Writer, err error) int {
	n := 0
	for _, e := range flatten(err) {
		var le *host.LoadError
		if errors.As(e, &le) {
			fmt.Fprintf(w, "luabot: script not loaded: %v\n", le)
			n++
		}
	}
	return n
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}
