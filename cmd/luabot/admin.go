package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/admin"
	"github.com/luabot/luabot/console"
	"github.com/luabot/luabot/metrics"
	"github.com/luabot/luabot/transport"
)

// adminFlags are the admin listener's flags; def is the default address ("" keeps the
// listener off unless asked for, as on run).
func adminFlags(def string) []cli.Flag {
	usage := "serve /metrics, /healthz and /readyz on this address, e.g. 127.0.0.1:9090 (off unless set)"
	if def != "" {
		usage = "serve /metrics, /healthz and /readyz on this address (\"off\" for none)"
	}
	return []cli.Flag{
		&cli.StringFlag{Name: "admin", Value: def, Usage: usage, EnvVars: []string{"LUABOT_ADMIN"}},
		&cli.StringFlag{Name: "admin-token", Usage: "bearer token every admin request must carry; required when --admin is not a loopback address",
			EnvVars: []string{"LUABOT_ADMIN_TOKEN"}},
		&cli.StringFlag{Name: "admin-tls-cert", Usage: "TLS certificate (PEM) of the admin listener; required, with --admin-tls-key, when --admin is not a loopback address",
			EnvVars: []string{"LUABOT_ADMIN_TLS_CERT"}},
		&cli.StringFlag{Name: "admin-tls-key", Usage: "TLS key (PEM) of the admin listener", EnvVars: []string{"LUABOT_ADMIN_TLS_KEY"}},
	}
}

// adminConfigFlags names the flag behind each admin.Config field.
var adminConfigFlags = map[string]string{
	"Addr":    "--admin (LUABOT_ADMIN)",
	"Token":   "--admin-token (LUABOT_ADMIN_TOKEN)",
	"TLSCert": "--admin-tls-cert (LUABOT_ADMIN_TLS_CERT)",
	"TLSKey":  "--admin-tls-key (LUABOT_ADMIN_TLS_KEY)",
}

// watch is what one command exposes on its admin listener: the metrics registry, fed
// by every package's observer, and the transport whose shards /readyz reports on.
type watch struct {
	metrics *metrics.Metrics
	source  atomic.Pointer[transport.Source]
	server  *admin.Server // nil when the listener is off

	// The web console at /, with a copy of every line logged through log
	// from when the listener opened; nil when it is off.
	console *console.Console
	logs    *console.LogHub

	// log is the command's logger, copying its lines to logs when there
	// is a listener.
	log *slog.Logger

	token bool // the listener checks a token

	// With several bots (--config), each bot's transport by name; /readyz is
	// ready when every one of them is.
	bots    []string
	sources sync.Map

	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// newWatch builds the metrics registry and, when the flags ask for one, the admin
// listener, bound at once so that a taken port is reported before anything starts. The
// caller calls stop when done.
func newWatch(c opts, log *slog.Logger) (*watch, error) {
	w := &watch{metrics: metrics.New(), log: log}
	addr := c.String("admin")
	if addr == "" || addr == "off" {
		return w, nil
	}
	srv, err := admin.New(admin.Config{Addr: addr, Token: c.String("admin-token"), TLSCert: c.String("admin-tls-cert"),
		TLSKey: c.String("admin-tls-key"), Logger: log.With("component", "admin")})
	if err != nil {
		var ce *admin.ConfigError
		if errors.As(err, &ce) {
			return nil, usagef("%s: %v", adminConfigFlags[ce.Field], adminProblem(ce))
		}
		return nil, err
	}
	mountAdmin(srv, w.metrics, w.readiness)
	if err := srv.Listen(); err != nil {
		return nil, fmt.Errorf("%w (is another luabot using --admin %s?)", err, addr)
	}
	w.server = srv
	// The caller logs through w.log from here on (hosts, transports), so the
	// console's log view sees their lines.
	w.logs = console.NewLogHub()
	w.log = slog.New(console.Tee(log.Handler(), w.logs))
	w.token = c.String("admin-token") != ""
	return w, nil
}

// mountConsole serves the web console at / on the admin listener, if there is one.
func (w *watch) mountConsole(cfg console.Config) error {
	if w.server == nil {
		return nil
	}
	cfg.Logs = w.logs
	// Behind a token every request is checked, so any host name may reach it;
	// without one, only an address or localhost (DNS rebinding).
	cfg.AnyHost = w.token
	cfg.Logger = w.log.With("component", "console")
	web, err := console.New(cfg)
	if err != nil {
		return err
	}
	w.console = web
	w.server.Handle("/", web)
	url := w.server.URL() + "/"
	if w.token {
		// The browser's first visit carries the admin token once, then holds it as a cookie.
		w.log.Info("web console", "url", url, "open_with", "?token=ADMIN_TOKEN")
		return nil
	}
	w.log.Info("web console", "url", url)
	return nil
}

// adminProblem says what is wrong in the flags' terms.
func adminProblem(ce *admin.ConfigError) string {
	if errors.Is(ce.Err, admin.ErrTokenRequired) {
		return "required when --admin is not a loopback address (anyone who can reach the port could read the bot's metrics): " +
			"set a token, or listen on 127.0.0.1"
	}
	if errors.Is(ce.Err, admin.ErrTLSRequired) {
		return "required with --admin-tls-key when --admin is not a loopback address (the token and the pages must not " +
			"cross the network in clear text): give a certificate, or listen on 127.0.0.1"
	}
	return ce.Err.Error()
}

// mountAdmin puts every admin endpoint on the listener: the one place that decides what
// the admin listener serves.
func mountAdmin(srv *admin.Server, m *metrics.Metrics, ready func() (bool, any)) {
	srv.Handle("/metrics", m.Handler())
	srv.Handle("/healthz", admin.Healthz())
	srv.Handle("/readyz", admin.Readyz(ready))
}

// readiness is /readyz: the transport's own report, or not ready before it exists.
func (w *watch) readiness() (bool, any) {
	if len(w.bots) > 0 {
		ready, report := true, map[string]transport.Readiness{}
		for _, name := range w.bots {
			src, ok := w.sources.Load(name)
			if !ok {
				ready = false
				report[name] = transport.Readiness{Reason: "the bot is starting; no transport yet"}
				continue
			}
			r := src.(*transport.Source).Readiness()
			ready = ready && r.Ready
			report[name] = r
		}
		return ready, report
	}
	src := w.source.Load()
	if src == nil {
		r := transport.Readiness{Reason: "the scripts are loading; no transport yet"}
		return false, r
	}
	r := src.Readiness()
	return r.Ready, r
}

// serving is told of the transport once it is built (bot.serve); name is
// the bot's, "" for the only one. With several bots the shard gauges are
// left out of /metrics: their shard labels would collide.
func (w *watch) serving(name string, src *transport.Source) {
	if name != "" {
		w.sources.Store(name, src)
		return
	}
	w.source.Store(src)
	w.metrics.WatchTransport(src.Status)
}

// start serves the admin listener, if any, until stop.
func (w *watch) start(ctx context.Context) {
	if w.server == nil {
		return
	}
	ctx, w.cancel = context.WithCancel(ctx)
	w.log.Info("admin listening", "url", w.server.URL(), "endpoints", "/metrics /healthz /readyz")
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		if err := w.server.Serve(ctx); err != nil {
			w.log.Error("admin listener stopped", "err", err)
		}
	}()
}

// stop ends the admin listener and waits for it.
func (w *watch) stop() {
	if w.console != nil {
		w.console.Close() // ends the pages' event streams, so the listener need not wait for them
	}
	if w.cancel != nil {
		w.cancel()
	}
	w.wg.Wait()
}
