package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/console"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/transport"
)

// botSpec is one bot `luabot run` starts: built from the flags, or from a
// bot of the --config file (with the flags laid over it for a single bot).
type botSpec struct {
	name  string // its [bots.NAME]; "" for the only bot
	o     opts   // its settings
	paths []string
	file  *fileBot     // nil without --config
	path  string       // the --config file
	log   *slog.Logger // logTo sets it
}

// logTo makes s log through base, naming the bot when there are several.
func (s *botSpec) logTo(base *slog.Logger) {
	s.log = base
	if s.name != "" {
		s.log = base.With("bot", s.name)
	}
}

// processFlags are run's flags that are the process's, not a bot's: with
// several bots they still come from the command line.
var processFlags = map[string]bool{"config": true, "admin": true, "admin-token": true, "admin-tls-cert": true,
	"admin-tls-key": true, "watch": true, "cpuprofile": true, "memprofile": true,
	"handler-stats": true}

// runSpecs reads the bots to run from the flags and the --config file, and
// the options of the process (the admin listener). Every mistake in the file
// is reported here, before anything connects.
func runSpecs(c *cli.Context) ([]*botSpec, opts, error) {
	path := c.String("config")
	if path == "" {
		return []*botSpec{{o: c, paths: c.Args().Slice(), log: logger(c)}}, c, nil
	}
	f, err := readConfigFile(path)
	if err != nil {
		return nil, nil, err
	}
	f.warnPermissions(logger(c).Warn)
	if level, ok := f.process["log-level"].(string); ok && !c.IsSet("log-level") {
		l, err := parseLevel(level)
		if err != nil {
			return nil, nil, f.at("log_level", "log_level = %q: want debug, info, warn or error", level)
		}
		setLogger(c, slog.New(slog.NewTextHandler(c.App.ErrWriter, &slog.HandlerOptions{Level: l})))
	}
	process := newFileOpts(c, &fileBot{flags: f.process}, nil)
	if len(f.bots) == 1 && f.bots[0].name == "" {
		fb := f.bots[0]
		paths := c.Args().Slice()
		if len(paths) == 0 {
			paths = fb.load
		}
		return []*botSpec{{o: newFileOpts(c, fb, nil), paths: paths, file: fb, path: path, log: logger(c)}}, process, nil
	}
	names := strings.Join(f.names(), ", ")
	if c.NArg() > 0 {
		return nil, nil, usagef("%s describes several bots (%s): list each bot's scripts with load = [\"…\"] in its [bots.NAME] table, not on the command line", path, names)
	}
	defs := runCommand().Flags // fresh definitions: their defaults, untouched by the environment
	for _, fl := range defs {
		name := fl.Names()[0]
		if processFlags[name] || !c.IsSet(name) {
			continue
		}
		how := "--" + name
		if env := envVarsOf(fl); env != "" {
			how += " (or " + env + ")"
		}
		return nil, nil, usagef("%s sets one bot, but %s describes several (%s): write %s in each [bots.NAME] table instead, or leave it unset",
			how, path, names, strings.ReplaceAll(name, "-", "_"))
	}
	var specs []*botSpec
	for _, fb := range f.bots {
		if len(fb.load) == 0 {
			return nil, nil, f.at(fb.table, "bot %q has no scripts: add load = [\"scripts/\"] (files or folders) to [%s]", fb.name, fb.table)
		}
		s := &botSpec{name: fb.name, o: newFileOpts(nil, fb, defs), paths: fb.load, file: fb, path: path}
		s.logTo(logger(c))
		specs = append(specs, s)
	}
	return specs, process, nil
}

func envVarsOf(f cli.Flag) string {
	if e, ok := f.(interface{ GetEnvVars() []string }); ok {
		return strings.Join(e.GetEnvVars(), ", ")
	}
	return ""
}

// preparedBot is a bot whose scripts are loaded and whose transport is
// configured, not yet connected.
type preparedBot struct {
	*bot
	api  *openapi.Client
	tcfg transport.Config
}

// prepareBot makes the REST client, checks the transport settings and loads
// the scripts of s. Nothing connects yet.
func prepareBot(c *cli.Context, s *botSpec, w *watch, obs observer) (p *preparedBot, err error) {
	defer func() { err = s.keysNotFlags(err) }()
	api, err := platformAPI(s.o, obs, s.log)
	if err != nil {
		return nil, err
	}
	tcfg, err := transportConfig(s.o, s.o.String("secret"))
	if err != nil {
		return nil, err
	}
	tcfg.Name = s.name
	tcfg.StartBackoff, tcfg.ReconnectBackoff = startBackoff, reconnectBackoff
	hcfg := host.Config{API: api, PrivateFiles: []string{tcfg.StatusFile}, Observer: obs, Logger: s.log}
	if c.Bool("watch") {
		hcfg.Watch = s.paths
	}
	b, err := loadHost(s.o, "run", s.paths, s.file, hcfg)
	if b == nil {
		return nil, err
	}
	if n := reportLoadErrors(c.App.ErrWriter, err); n > 0 {
		b.Close()
		if s.name != "" {
			return nil, fmt.Errorf("bot %s: %d script(s) failed to load", s.name, n)
		}
		return nil, fmt.Errorf("%d script(s) failed to load", n)
	}
	b.name, b.watch = s.name, w
	if s.o.Bool("share-shards") {
		b.shareShards(&tcfg)
	}
	return &preparedBot{bot: b, api: api, tcfg: tcfg}, nil
}

// runBot runs the only bot: a refused credential ends the process (exit 1)
// with one line naming what to fix.
func runBot(c *cli.Context, s *botSpec, w *watch) error {
	// The recording keeps the names of the scripts' commands, which only the
	// host, built after the recorder it reports to, knows.
	var loaded atomic.Pointer[host.Host]
	isCommand := func(word string) bool { h := loaded.Load(); return h != nil && h.IsCommand(word) }
	obs, stopRecording, err := startRecording(s.o, s.paths, w.metrics, s.log, isCommand)
	if err != nil {
		return err
	}
	defer stopRecording() // after p.Close: the host has stopped
	p, err := prepareBot(c, s, w, obs)
	if err != nil {
		return err
	}
	defer p.Close()
	loaded.Store(p.Host)
	w.metrics.WatchHost(p.Stats)
	if err := w.mountConsole(console.Config{Scripts: p.Host, Store: consoleStore(p.store), Gateway: gatewayOf{p.bot}}); err != nil {
		return err
	}
	err = p.serve(c.Context, p.api, p.tcfg)
	if errors.Is(err, c.Context.Err()) {
		return nil
	}
	return s.explainRefusal(err)
}

// keysNotFlags rewrites a usage error about a bot of a several-bot file so
// that it names the file's keys (and their lines) instead of flags, which
// that bot does not read.
func (s *botSpec) keysNotFlags(err error) error {
	var ue *usageError
	if s.name == "" || !errors.As(err, &ue) {
		return err
	}
	var keys []string
	for flag := range s.file.flags {
		keys = append(keys, flag)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	msg := ue.msg
	for _, flag := range keys {
		key := strings.ReplaceAll(flag, "-", "_")
		msg = strings.ReplaceAll(msg, "--"+flag, fmt.Sprintf("%s (%s:%d)", key, s.path, s.file.line(key)))
	}
	return usagef("%s", msg)
}

// explainRefusal is explainRefusal naming, for a bot of the --config file,
// the keys to fix rather than the flags.
func (s *botSpec) explainRefusal(err error) error {
	err = explainRefusal(err, s.o.String("app-id"), s.o.String("token") != "")
	if s.file == nil || err == nil {
		return err
	}
	table := "the top level"
	if s.file.table != "" {
		table = "[" + s.file.table + "]"
	}
	key := func(k string) string {
		return fmt.Sprintf("%s in %s (%s:%d)", k, table, s.path, s.file.line(k))
	}
	return errors.New(strings.NewReplacer(
		"--secret (QQBOT_SECRET)", key("secret"),
		"--app-id (QQBOT_APP_ID)", key("app_id"),
		"--token (QQBOT_TOKEN)", key("token"),
	).Replace(err.Error()))
}

// botRetry is the first wait before a bot that stopped (its credentials
// refused, say) is started again while the others run; it doubles up to
// botRetryMax. Tests shorten it.
var botRetry, botRetryMax = 5 * time.Second, 5 * time.Minute

// runBots runs several bots in one process, each with its own REST client,
// token, sessions, scripts and store. Every bot's scripts load before any
// connects; then a bot that stops is logged and started again with backoff
// while the others keep running. It returns when ctx ends.
func runBots(c *cli.Context, specs []*botSpec, w *watch) error {
	if c.String("record") != "" {
		return usagef("--record records one bot: run the bot to record on its own (its flags, or a config file describing it alone)")
	}
	var bots []*preparedBot
	defer func() {
		for _, b := range bots {
			b.Close()
		}
	}()
	for _, s := range specs {
		p, err := prepareBot(c, s, w, w.metrics)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "bot "+s.name+":") {
				err = fmt.Errorf("bot %s: %w", s.name, err)
			}
			var ue *usageError
			if errors.As(err, &ue) {
				return usagef("%v", err)
			}
			return err
		}
		bots = append(bots, p)
		w.bots = append(w.bots, s.name)
	}
	w.metrics.WatchHost(func() []host.ScriptStats {
		// One list for the process: each script named BOT/SCRIPT, so that two
		// bots' scripts of one name stay apart.
		var all []host.ScriptStats
		for _, b := range bots {
			for _, st := range b.Stats() {
				st.Name = b.name + "/" + st.Name
				all = append(all, st)
			}
		}
		sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
		return all
	})
	w.log.Info("running bots", "bots", strings.Join(w.bots, ","), "config", specs[0].path)
	var wg sync.WaitGroup
	for i, p := range bots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keepRunning(c.Context, p, specs[i])
		}()
	}
	wg.Wait()
	return nil
}

// keepRunning serves one of several bots until ctx ends, starting it again
// with backoff each time it stops.
func keepRunning(ctx context.Context, p *preparedBot, s *botSpec) {
	wait := botRetry
	for {
		err := p.serve(ctx, p.api, p.tcfg)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("the transport stopped")
		}
		err = s.explainRefusal(err)
		s.log.Error("bot stopped; the other bots keep running, this one starts again after a pause", "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(wait*2, botRetryMax)
	}
}
