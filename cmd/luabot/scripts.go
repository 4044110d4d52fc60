package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync/atomic"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/transport"
)

// devData is the kv file of `luabot dev` and of `luabot repl` on the
// simulator: their own, so test data typed in the chat never lands in the
// store `luabot run` uses in the same folder.
const devData = "luabot-dev.db"

var devDataFlag = &cli.StringFlag{
	Name:    "data",
	Value:   devData,
	Usage:   "bbolt file for the scripts' kv state while developing (luabot run uses its own)",
	EnvVars: []string{"LUABOT_DEV_DATA"},
}

var dataFlag = &cli.StringFlag{
	Name:    "data",
	Value:   kv.DefaultPath,
	Usage:   "bbolt file for the scripts' kv state",
	EnvVars: []string{"LUABOT_DATA"},
}

// bot is a host and the kv store it runs on, as the commands wire them.
type bot struct {
	*host.Host
	store botStore
	// watch, when set, is told of the transport serve builds (readiness, metrics).
	watch *watch
	src   atomic.Pointer[transport.Source] // set by serve, for the console's overview
	name  string                           // the bot's name in the --config file; "" for the only bot
	log   *slog.Logger                     // its lines, with bot=NAME when it has a name
}

// Close releases the store.
func (b *bot) Close() { b.store.Close() }

// serve runs the scripts on the events of the transport tcfg configures (its API,
// Store, Intents and Logger are filled in here) until ctx ends or the transport stops
// for good.
func (b *bot) serve(ctx context.Context, api *openapi.Client, tcfg transport.Config) error {
	tcfg.API, tcfg.Store, tcfg.Intents, tcfg.Logger = api, b.store, b.Host, b.log
	if b.watch != nil {
		tcfg.Observer = b.watch.metrics
	}
	if a, ok := b.store.(transport.Announcer); ok && tcfg.Leases == nil {
		tcfg.Presence = a // listed by luabot status --store
	}
	src, err := transport.New(tcfg)
	if err != nil {
		return flagError(err)
	}
	if b.watch != nil {
		b.watch.serving(b.name, src)
	}
	b.src.Store(src)
	return b.Run(ctx, src)
}

// shareShards makes the transport claim its shards through leases in the
// shared store, and read the handled-event records again before a shard
// taken over from another process resumes.
func (b *bot) shareShards(tcfg *transport.Config) {
	leaser, ok := b.store.(transport.Leaser)
	if !ok {
		return // transportConfig refused --share-shards without --store
	}
	tcfg.Leases = leaser
	tcfg.OnTakeover = func(shard int) {
		if err := b.ReloadHandled(); err != nil {
			b.log.Warn("handled-event records not read before taking the shard over; its replayed events may run again", "shard_id", shard, "err", err)
		}
	}
}

// loadHostWith opens the store and loads the scripts named on the command
// line into a host built from cfg (Store and Logger are filled in here).
// Load failures are returned alongside a usable bot (with the scripts that
// did load); the caller decides whether they are fatal, and closes the bot.
func loadHostWith(c *cli.Context, cfg host.Config) (*bot, error) {
	if cfg.Logger == nil {
		cfg.Logger = logger(c)
	}
	return loadHost(c, c.Command.Name, c.Args().Slice(), nil, cfg)
}

// scriptFiles lists the script files that paths (files and folders) name,
// or says why there are none: a usage error.
func scriptFiles(o opts, command string, paths []string) ([]string, error) {
	if len(paths) == 0 {
		if o.String("config") != "" {
			return nil, usagef("%s: name at least one script file or folder, or list them with load = [\"…\"] in the --config file", command)
		}
		return nil, usagef("%s: name at least one script file or folder", command)
	}
	files, err := host.ScriptFiles(paths)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return files, nil
}

// loadHost is loadHostWith for one bot whose settings o holds and whose
// scripts are paths; fb is its table of the --config file, if any.
func loadHost(o opts, command string, paths []string, fb *fileBot, cfg host.Config) (*bot, error) {
	files, err := scriptFiles(o, command, paths)
	if err != nil {
		return nil, err
	}
	if err := scriptSettings(o, files, fb, &cfg); err != nil {
		return nil, err
	}
	if cfg.ControlSocket == "" && command != "repl" {
		cfg.ControlSocket = controlPath(o.String("data"))
	}
	b, err := openHost(o, cfg)
	if err != nil {
		return nil, err
	}
	err = b.Load(files...)
	// Compiling and loading many scripts leaves garbage several times the
	// size of what they keep; hand those pages back now rather than
	// whenever the scavenger gets to them, so an idle bot's RSS is its
	// scripts' (issue 12: 100 idle scripts).
	debug.FreeOSMemory()
	return b, err
}

// scriptSettings puts into cfg what the scripts in files load with: the
// limit, http, zone and language flags, their settings (the --config file,
// the environment, --conf) and the file's grants. fb is the bot's table of
// the --config file; nil reads the file's single bot, if there is a file.
func scriptSettings(o opts, files []string, fb *fileBot, cfg *host.Config) error {
	if err := applyLimitFlags(o, cfg); err != nil {
		return err
	}
	if fb == nil {
		var err error
		if fb, err = configBot(o, cfg.Logger); err != nil {
			return err
		}
	}
	if err := applyConfFlags(o, cfg, files, fb); err != nil {
		return err
	}
	if fb != nil {
		// The capabilities the bot's table grants its scripts.
		if err := applyGrants(cfg, fb.grants, fb.path, grantsTable(fb)); err != nil {
			return err
		}
	}
	warnUnknownGrants(cfg.Logger, cfg.Grants, files, o.String("config"))
	return nil
}

// openHost opens the store and makes a host with no scripts yet; its logger
// is cfg.Logger, else slog's default.
func openHost(c opts, cfg host.Config) (*bot, error) {
	// The metrics that observe the host observe its store too.
	kvObs, _ := cfg.Observer.(kv.Observer)
	store, err := openStoreWith(c, kvObs)
	if err != nil {
		return nil, err
	}
	cfg.Store = store
	h, err := host.New(cfg)
	if err != nil {
		store.Close()
		return nil, err
	}
	return &bot{Host: h, store: store, log: cfg.Logger}, nil
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

// configBot is the single bot of the --config file, or nil without one: for
// the commands that take a file but run no bot of it by name (dev, repl,
// replay, and run with flags).
func configBot(o opts, log *slog.Logger) (*fileBot, error) {
	path := o.String("config")
	if path == "" {
		return nil, nil
	}
	f, err := readConfigFile(path)
	if err != nil {
		return nil, err
	}
	fb, err := f.single()
	if err != nil {
		return nil, err
	}
	f.warnPermissions(log.Warn)
	return fb, nil
}
