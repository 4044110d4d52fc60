package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/chzyer/readline"
	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// replScript is the scratch script the standalone REPL evaluates in.
const replScript = "repl"

func replCommand() *cli.Command {
	return &cli.Command{
		Name:      "repl",
		Usage:     "a Lua prompt with the whole API, on the simulator, the platform, or attached to a running bot",
		ArgsUsage: "[SCRIPT|DIR...]",
		// confFlags: the scripts' settings (--config, --conf), as on run and dev.
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "attach", Usage: "evaluate inside a bot started by luabot run or dev with the same --data"},
			&cli.StringFlag{Name: "script", Usage: "the script to evaluate in (default: repl, or the first script when attached)"},
			&cli.StringFlag{Name: "app-id", Usage: "bot AppID: use the real platform instead of the simulator", EnvVars: []string{"QQBOT_APP_ID"}},
			&cli.StringFlag{Name: "secret", Usage: "bot AppSecret", EnvVars: []string{"QQBOT_SECRET"}},
			&cli.StringFlag{Name: "api", Usage: "REST base URL", EnvVars: []string{"QQBOT_API"}},
			&cli.StringFlag{Name: "token-url", Usage: "token service base URL", EnvVars: []string{"QQBOT_TOKEN_URL"}},
			&cli.BoolFlag{Name: "sandbox", Usage: "use the sandbox API host"},
			&cli.StringFlag{Name: dataFlag.Name, Value: dataFlag.Value, Usage: dataFlag.Usage, EnvVars: dataFlag.EnvVars,
				DefaultText: devData + " on the simulator, " + dataFlag.Value + " with --app-id; attaching, whichever a bot here runs on"},
		}, confFlags()...),
		Action: func(c *cli.Context) error {
			if c.Bool("attach") {
				data := c.String("data")
				if !c.IsSet("data") {
					data = newestOf(controlPath, dataFlag.Value, devData)
				}
				ev, err := dialControl(controlPath(data))
				if err != nil {
					return err
				}
				defer ev.Close()
				return repl(c.Context, ev, c.String("script"), c.App.Reader, c.App.Writer, c.App.ErrWriter)
			}
			return standaloneREPL(c)
		},
	}
}

// controlPath is where run and dev open their control socket: beside the
// kv file, so `repl --attach --data F` finds the bot that uses F.
func controlPath(data string) string { return data + ".sock" }

// evaluator is what the prompt talks to: a host in this process, or one
// in another process through its control socket.
type evaluator interface {
	Eval(ctx context.Context, script, code string) (string, error)
	Complete(script, prefix string) ([]string, error)
	Scripts() []string
}

func standaloneREPL(c *cli.Context) error {
	var api *openapi.Client
	var err error
	if c.String("app-id") != "" {
		api, err = openapi.New(openapi.Config{AppID: c.String("app-id"), Secret: c.String("secret"),
			BaseURL: c.String("api"), Sandbox: c.Bool("sandbox"), TokenURL: c.String("token-url")})
		if err != nil {
			return usagef("%v", err)
		}
	} else {
		if !c.IsSet("data") {
			if err := c.Set("data", devData); err != nil {
				return err
			}
		}
		platform, err := sim.New(sim.Config{Logger: logger(c).With("component", "sim")})
		if err != nil {
			return err
		}
		if err := platform.Start(); err != nil {
			return err
		}
		defer platform.Close()
		api, err = openapi.New(openapi.Config{AppID: platform.AppID(), Secret: platform.Secret(),
			BaseURL: platform.APIURL(), TokenURL: platform.TokenURL()})
		if err != nil {
			return err
		}
		fmt.Fprintf(c.App.ErrWriter, "luabot repl: on the simulator (%s); try qq.me(), qq.guilds(), kv.set(\"k\", 1)\n", platform.APIURL())
	}
	cfg := host.Config{API: api, Logger: logger(c)}
	var h *bot
	if c.NArg() > 0 {
		h, err = loadHostWith(c, cfg)
		if h == nil {
			return err
		}
		reportLoadErrors(c.App.ErrWriter, err)
	} else {
		h, err = openHost(c, cfg)
		if err != nil {
			return err
		}
	}
	defer h.Close()
	wd, _ := os.Getwd()
	if err := h.LoadSource(replScript, filepath.Join(wd, "repl"), ""); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(c.Context)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tcfg := transport.Config{}
		if c.String("app-id") == "" {
			// A fresh simulator: see dev.
			tcfg.Sessions = transport.NewMemorySessions()
		}
		if err := h.serve(ctx, api, tcfg); err != nil && ctx.Err() == nil {
			logger(c).Error("bot stopped", "err", err)
		}
	}()
	defer wg.Wait()
	defer cancel()
	script := c.String("script")
	if script == "" {
		script = replScript
	}
	return repl(ctx, h, script, c.App.Reader, c.App.Writer, c.App.ErrWriter)
}

// repl reads Lua from in and prints each result. Lines that leave a
// function or string open are continued. ":script NAME" switches the VM,
// ":scripts" lists them, ":quit" (or EOF) ends.
func repl(ctx context.Context, ev evaluator, script string, in io.Reader, out, errOut io.Writer) error {
	if script == "" {
		if names := ev.Scripts(); len(names) > 0 {
			script = names[0]
		}
	}
	lines, closeInput := promptLines(in, out, ev, &script)
	defer closeInput()
	var pending strings.Builder
	for {
		prompt := script + "> "
		if pending.Len() > 0 {
			prompt = strings.Repeat(" ", len(script)) + ">> "
		}
		line, err := lines(prompt)
		if errors.Is(err, readline.ErrInterrupt) {
			pending.Reset() // Ctrl-C clears the entry; Ctrl-D quits
			continue
		}
		if err != nil {
			return nil // EOF or Ctrl-D
		}
		if pending.Len() == 0 {
			switch cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " "); cmd {
			case "":
				continue
			case ":quit", ":q":
				return nil
			case ":scripts":
				fmt.Fprintln(out, strings.Join(ev.Scripts(), " "))
				continue
			case ":script":
				if arg == "" {
					fmt.Fprintln(errOut, "usage: :script NAME")
					continue
				}
				if !slices.Contains(ev.Scripts(), arg) {
					fmt.Fprintf(errOut, "no script %q (loaded: %s)\n", arg, strings.Join(ev.Scripts(), ", "))
					continue
				}
				script = arg
				continue
			case ":help":
				fmt.Fprintln(out, ":script NAME  evaluate in another script's VM\n:scripts      list them\n:quit         leave")
				continue
			default:
				// :scirpts would otherwise be Lua, and a syntax error near ':'.
				if len(cmd) > 1 && cmd[0] == ':' && cmd[1] != ':' {
					fmt.Fprintf(errOut, "unknown REPL command %s (:help lists them)\n", cmd)
					continue
				}
			}
		}
		pending.WriteString(line)
		pending.WriteString("\n")
		result, err := ev.Eval(ctx, script, pending.String())
		if errors.Is(err, host.ErrIncomplete) {
			continue
		}
		pending.Reset()
		if result != "" {
			fmt.Fprintln(out, result) // what it printed, even when it then failed
		}
		if err != nil {
			fmt.Fprintln(errOut, "error:", err)
		}
	}
}

// promptLines returns a line reader: readline with history and completion
// on a terminal, a plain scanner otherwise (pipes, tests).
func promptLines(in io.Reader, out io.Writer, ev evaluator, script *string) (func(prompt string) (string, error), func()) {
	if f, ok := in.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
		home, _ := os.UserHomeDir()
		rl, err := readline.NewEx(&readline.Config{
			HistoryFile:  filepath.Join(home, ".luabot_history"),
			AutoComplete: completer{ev: ev, script: script},
			Stdout:       out,
		})
		if err == nil {
			return func(prompt string) (string, error) {
				rl.SetPrompt(prompt)
				return rl.Readline()
			}, func() { rl.Close() }
		}
	}
	sc := bufio.NewScanner(in)
	return func(string) (string, error) {
		if !sc.Scan() {
			return "", io.EOF
		}
		return sc.Text(), nil
	}, func() {}
}

// completer completes globals and module members of the current script.
type completer struct {
	ev     evaluator
	script *string
}

func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	start := pos
	for start > 0 && isIdentRune(line[start-1]) {
		start--
	}
	prefix := string(line[start:pos])
	names, err := c.ev.Complete(*c.script, prefix)
	if err != nil {
		return nil, 0
	}
	out := make([][]rune, 0, len(names))
	for _, n := range names {
		out = append(out, []rune(strings.TrimPrefix(n, prefix)))
	}
	return out, len([]rune(prefix))
}

func isIdentRune(r rune) bool {
	return r == '_' || r == '.' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// controlClient evaluates through a running bot's control socket.
type controlClient struct {
	mu   sync.Mutex
	conn net.Conn
	sc   *bufio.Scanner
}

func dialControl(path string) (*controlClient, error) {
	conn, err := host.DialControl(path)
	if owner := (*host.ControlOwnerError)(nil); errors.As(err, &owner) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("attach: no running luabot with this --data file (%s): %w", path, err)
	}
	sc := bufio.NewScanner(conn)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	return &controlClient{conn: conn, sc: sc}, nil
}

func (c *controlClient) Close() error { return c.conn.Close() }

func (c *controlClient) call(req host.ControlRequest) (host.ControlResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var resp host.ControlResponse
	b, _ := json.Marshal(req)
	if _, err := c.conn.Write(append(b, '\n')); err != nil {
		return resp, fmt.Errorf("attach: %w", err)
	}
	if !c.sc.Scan() {
		return resp, errors.New("attach: the bot closed the connection (refused, or it stopped)")
	}
	err := json.Unmarshal(c.sc.Bytes(), &resp)
	return resp, err
}

func (c *controlClient) Eval(_ context.Context, script, code string) (string, error) {
	resp, err := c.call(host.ControlRequest{Op: "eval", Script: script, Code: code})
	switch {
	case err != nil:
		return "", err
	case resp.Incomplete:
		return "", host.ErrIncomplete
	case resp.Err != "":
		return resp.Out, errors.New(resp.Err)
	}
	return resp.Out, nil
}

func (c *controlClient) Complete(script, prefix string) ([]string, error) {
	resp, err := c.call(host.ControlRequest{Op: "complete", Script: script, Code: prefix})
	if err == nil && resp.Err != "" {
		err = errors.New(resp.Err)
	}
	return resp.Names, err
}

func (c *controlClient) Scripts() []string {
	resp, _ := c.call(host.ControlRequest{Op: "scripts"})
	return resp.Names
}
