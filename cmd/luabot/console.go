package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/console"
	"github.com/luabot/luabot/transport"
)

// The web console in `luabot dev`: served on a loopback listener of its
// own (a free port by default) until the admin listener takes it over.

var consoleFlag = &cli.StringFlag{
	Name:    "console",
	Value:   "127.0.0.1:0",
	Usage:   "loopback address of the web console (port 0: a free one); off for none",
	EnvVars: []string{"LUABOT_CONSOLE"},
}

// consoleRunFlag is --console on `luabot run`, where it is off unless asked for.
var consoleRunFlag = &cli.StringFlag{
	Name:    "console",
	Usage:   "serve the web console on this loopback address (port 0: a free one)",
	EnvVars: []string{"LUABOT_CONSOLE"},
}

// consoleWanted says whether --console asks for a console.
func consoleWanted(c *cli.Context) bool {
	addr := c.String("console")
	return addr != "" && addr != "off"
}

// mountConsole serves the console's page and API on mux.
func mountConsole(mux *http.ServeMux, c *console.Console) {
	mux.Handle("/", c)
}

// devConsole is a console on its own loopback listener.
type devConsole struct {
	*console.Console
	srv  *http.Server
	done chan struct{}
	URL  string
}

// startConsole listens on addr (loopback only) and serves a console made
// from cfg. It returns nil, nil when addr is "off" or empty.
func startConsole(addr string, cfg console.Config) (*devConsole, error) {
	if addr == "" || addr == "off" {
		return nil, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usagef("--console %s: %v", addr, err)
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, usagef("--console %s: the console has no authentication yet, so it listens on a loopback address only (127.0.0.1:PORT)", addr)
	}
	c, err := console.New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		c.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mountConsole(mux, c)
	d := &devConsole{Console: c, done: make(chan struct{}), URL: "http://" + ln.Addr().String() + "/",
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		defer close(d.done)
		if err := d.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("web console stopped", "err", err)
		}
	}()
	return d, nil
}

// Close ends the open pages' streams, then the listener.
func (d *devConsole) Close() {
	if d == nil {
		return
	}
	d.Console.Close() // ends the event streams, so Shutdown need not wait for them
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := d.srv.Shutdown(ctx); err != nil {
		d.srv.Close()
	}
	<-d.done
}

// gatewayOf reports the bot's transport once serve has made it.
type gatewayOf struct{ b *bot }

func (g gatewayOf) Status() transport.StatusReport {
	if src := g.b.src.Load(); src != nil {
		return src.Status()
	}
	return transport.StatusReport{}
}

// teeLogs copies every log line of the process to a new hub from now on;
// restore puts the previous logger back.
func teeLogs() (hub *console.LogHub, restore func()) {
	prev := slog.Default()
	hub = console.NewLogHub()
	slog.SetDefault(slog.New(console.Tee(prev.Handler(), hub)))
	return hub, func() { slog.SetDefault(prev) }
}
