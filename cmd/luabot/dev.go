package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/chzyer/readline"
	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/console"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// devAdmin is where dev's admin listener goes unless told otherwise: a free loopback
// port, printed on stderr.
const devAdmin = "127.0.0.1:0"

func devCommand() *cli.Command {
	return &cli.Command{
		Name:      "dev",
		Usage:     "chat with your scripts on the embedded simulator (no account, no network)",
		ArgsUsage: "SCRIPT|DIR...",
		Flags: append([]cli.Flag{
			devDataFlag,
			&cli.BoolFlag{Name: "no-watch", Usage: "do not reload scripts when their files change"},
		}, append(adminFlags(devAdmin), limitFlags()...)...),
		Action: func(c *cli.Context) error {
			return dev(c, c.App.Reader, c.App.Writer)
		},
	}
}

// dev runs the scripts against an in-process simulator and turns the
// terminal into a chat: each line is posted by a simulated user who
// @-mentions the bot in the first channel; the bot's messages are printed.
func dev(c *cli.Context, in io.Reader, out io.Writer) error {
	// Before anything starts and logs: a chat with no script is a mistake.
	if _, err := scriptFiles(c, c.Command.Name, c.Args().Slice()); err != nil {
		return err
	}
	input := openChatInput(in, out, c.App.ErrWriter)
	defer input.close()
	if input.stderr != c.App.ErrWriter {
		// On a terminal, log lines go through readline, which redraws the
		// line being typed below them.
		level, err := parseLevel(c.String("log-level"))
		if err != nil {
			return err
		}
		setLogger(c, slog.New(slog.NewTextHandler(input.stderr, &slog.HandlerOptions{Level: level})))
	}
	out = input.stdout
	w, err := newWatch(c, logger(c))
	if err != nil {
		return err
	}
	defer w.stop()
	setLogger(c, w.log) // with the web console's copy of the lines
	w.start(c.Context)
	// Made after the console's copy, so its logs view has the simulator's
	// lines too.
	clock := newDevClock()
	platform, err := sim.New(sim.Config{Logger: logger(c).With("component", "sim"), Clock: clock.Now})
	if err != nil {
		return err
	}
	if err := platform.Start(); err != nil {
		return err
	}
	defer platform.Close()
	api, err := openapi.New(openapi.Config{
		AppID:    platform.AppID(),
		Secret:   platform.Secret(),
		BaseURL:  platform.APIURL(),
		TokenURL: platform.TokenURL(),
		Clock:    clock.Now,
		Observer: w.metrics,
	})
	if err != nil {
		return err
	}
	hcfg := host.Config{API: api, Clock: clock, Observer: w.metrics}
	if !c.Bool("no-watch") {
		hcfg.Watch = c.Args().Slice()
	}
	h, err := loadHostWith(c, hcfg)
	if h == nil {
		return err
	}
	defer h.Close()
	// In dev a broken script must not stop the others: report and go on.
	reportLoadErrors(c.App.ErrWriter, err)
	h.watch = w
	w.metrics.WatchHost(h.Stats)
	if err := w.mountConsole(console.Config{Scripts: h.Host, Store: consoleStore(h.store), Gateway: gatewayOf{h}, Platform: platform}); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(c.Context)
	defer cancel()
	var wg sync.WaitGroup
	var runErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		// The embedded simulator is new each run: a session saved by the
		// last run could only be refused, so sessions live in memory.
		runErr = h.serve(ctx, api, transport.Config{Sessions: transport.NewMemorySessions(),
			StatusFile: statusPath(c.String("data"))})
		cancel()
	}()

	world := platform.World()
	channel := world.Channels[0]
	user := world.Members[0]
	talk := newChat(platform, h.Host, clock, out, input.stderr, w.log)
	// The printer outlives the host so replies sent while handlers drain at
	// shutdown are still shown.
	printCtx, stopPrinting := context.WithCancel(context.Background())
	defer stopPrinting()
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		printBotMessages(printCtx, platform, out, talk)
	}()
	finish := func() {
		cancel()
		wg.Wait()
		stopPrinting()
		<-printed
	}

	waitCtx, waitCancel := context.WithTimeout(ctx, 10*time.Second)
	err = platform.WaitSessions(waitCtx, 1)
	waitCancel()
	if err != nil && ctx.Err() == nil {
		finish()
		if runErr != nil {
			return runErr
		}
		return errors.New("the bot did not connect to the simulator within 10s")
	}
	fmt.Fprintf(out, "luabot dev: you are %s in #%s; the bot (%s) answers @-mentions. :help lists chat commands; Ctrl-D quits.\n",
		user.Username, channel.Name, world.Bot.Username)
	// On stderr: where things are, for a second terminal.
	data := c.String("data")
	fmt.Fprintf(c.App.ErrWriter, "luabot dev: kv in %s (luabot repl --attach --data %s evaluates inside this bot); "+
		"simulator control API at %s (GET %s/world, POST %s/messages)\n",
		data, data, platform.ControlURL(), platform.ControlURL(), platform.ControlURL())

	// The reader asks for one line at a time: a chat command changes the
	// prompt of the next line.
	type read struct {
		line string
		err  error
	}
	prompts, reads := make(chan string), make(chan read, 1)
	go func() {
		defer close(reads)
		for p := range prompts {
			line, err := input.next(p)
			reads <- read{line, err}
			if err != nil && !errors.Is(err, readline.ErrInterrupt) {
				return
			}
		}
	}()
	defer close(prompts)
chat:
	for {
		select {
		case prompts <- talk.prompt():
		case <-ctx.Done():
			break chat
		}
		var r read
		select {
		case r = <-reads:
		case <-ctx.Done():
			break chat
		}
		switch {
		case errors.Is(r.err, readline.ErrInterrupt) && strings.TrimSpace(r.line) != "":
			continue // Ctrl-C clears what was typed
		case r.err != nil:
			break chat // Ctrl-D, Ctrl-C on an empty line, or the end of piped input
		}
		if line := strings.TrimSpace(r.line); line != "" {
			talk.handle(ctx, line)
		}
	}
	if ctx.Err() == nil {
		// Input ended (a pipe, or Ctrl-D): let the bot see what was posted
		// before stopping, so the last lines still get their answers.
		settle(ctx, platform, h.Host)
	}
	finish()
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return runErr
	}
	return nil
}

// settle waits, for at most 5 s, until the host has received every event
// the simulator dispatched; the host's shutdown then handles them.
func settle(ctx context.Context, platform *sim.Server, h *host.Host) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for h.Received() < platform.Dispatched() {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// printBotMessages prints what the bot sends, in order, until ctx ends;
// then it prints whatever arrived during shutdown so nothing is lost.
func printBotMessages(ctx context.Context, platform *sim.Server, out io.Writer, talk *chat) {
	i := 0
	for {
		m, err := platform.WaitSent(ctx, i)
		if err != nil {
			break
		}
		io.WriteString(out, talk.format(m))
		talk.shown.Add(1)
		i++
	}
	for _, m := range platform.Sent()[i:] {
		io.WriteString(out, talk.format(m))
		talk.shown.Add(1)
	}
}

// extras names what a message carries besides its text, so that a reply
// made of a picture or a markdown card does not print as an empty line.
func extras(m sim.SentMessage) string {
	var b strings.Builder
	for _, a := range m.Attachments {
		fmt.Fprintf(&b, " [%s %s, %d bytes]", a.ContentType, a.Filename, a.Size)
	}
	var body struct {
		Image    string          `json:"image"`
		Markdown json.RawMessage `json:"markdown"`
		Keyboard json.RawMessage `json:"keyboard"`
		Embed    json.RawMessage `json:"embed"`
		Ark      json.RawMessage `json:"ark"`
		Media    json.RawMessage `json:"media"`
	}
	_ = json.Unmarshal(m.Body, &body) // a body the platform took is JSON; a bad one just shows nothing extra
	if body.Image != "" {
		fmt.Fprintf(&b, " [image %s]", body.Image)
	}
	var md struct {
		Content string `json:"content"`
	}
	if json.Unmarshal(body.Markdown, &md) == nil && md.Content != "" {
		fmt.Fprintf(&b, " [markdown] %s", md.Content)
		body.Markdown = nil
	}
	if labels := buttonLabels(body.Keyboard); labels != "" {
		fmt.Fprintf(&b, " %s", labels)
		body.Keyboard = nil
	}
	for _, part := range []struct {
		name string
		raw  json.RawMessage
	}{{"markdown", body.Markdown}, {"keyboard", body.Keyboard}, {"embed", body.Embed}, {"ark", body.Ark}, {"media", body.Media}} {
		if len(part.raw) > 0 && string(part.raw) != "null" {
			fmt.Fprintf(&b, " [%s]", part.name)
		}
	}
	return b.String()
}
