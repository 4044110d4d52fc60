package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/bench"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/metrics"
)

func benchCommand() *cli.Command {
	return &cli.Command{
		Name:      "bench",
		Usage:     "measure scripts under a message load on the simulator",
		ArgsUsage: "SCRIPT|DIR...",
		Description: "Starts the simulator and `luabot run` in their own processes, posts --events messages\n" +
			"(at most --window unanswered, or --rate per second), checks that each gets exactly one reply,\n" +
			"and prints replies/s, event→reply latency, the bot's CPU per reply and peak RSS.\n" +
			"--compare runs the same load against a bare Go client (gorilla/websocket + net/http, a\n" +
			"goroutine per reply): a baseline for the cheapest client possible, not a product. With\n" +
			"--botgo PATH it also runs an echo bot on the official Go SDK, built from sim/conformance:\n" +
			"  (cd sim/conformance && go build -o /tmp/botgo-echo ./cmd/botgo-echo)",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "events", Value: 2000, Usage: "messages to post"},
			&cli.IntFlag{Name: "window", Value: 100, Usage: "unanswered messages at most (0: no limit)"},
			&cli.Float64Flag{Name: "rate", Usage: "post this many messages per second instead of filling the window"},
			&cli.DurationFlag{Name: "latency", Usage: "delay every REST answer of the simulator by this much"},
			&cli.StringFlag{Name: "scene", Value: "guild", Usage: "guild, group, c2c or dm"},
			&cli.StringFlag{Name: "text", Value: "ping", Usage: "the messages' text"},
			&cli.DurationFlag{Name: "reply-timeout", Value: 5 * time.Second, Usage: "give up when no reply came for this long"},
			&cli.BoolFlag{Name: "compare", Usage: "also run the load against a bare Go client, for ratios"},
			&cli.IntFlag{Name: "runs", Value: 1, Usage: "run the whole load this many times, the bots taking turns, and print the medians"},
			&cli.StringFlag{Name: "botgo", Usage: "with --compare: also run the load against this echo bot on the official Go SDK (sim/conformance/cmd/botgo-echo)", EnvVars: []string{"LUABOT_BENCH_BOTGO"}},
			&cli.BoolFlag{Name: "json", Usage: "print the results as JSON"},
			&cli.StringFlag{Name: "cpuprofile", Hidden: true, Usage: "write the luabot run's CPU profile (pprof) to this file"},
			&cli.StringFlag{Name: "memprofile", Hidden: true, Usage: "write the luabot run's heap profile (pprof) at its exit to this file"},
		},
		Action: benchAction,
	}
}

type benchRow struct {
	Bot string `json:"bot"`
	bench.Result
	// Handlers are luabot's scripts, slowest mean handler time first.
	Handlers []metrics.HandlerTime `json:"handlers,omitempty"`
}

func benchAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("bench: name at least one script file or folder")
	}
	scripts, err := host.ScriptFiles(c.Args().Slice())
	if err != nil {
		return usagef("%v", err)
	}
	switch c.String("scene") {
	case "guild", "group", "c2c", "dm":
	default:
		return usagef("--scene %q: want guild, group, c2c or dm", c.String("scene"))
	}
	if c.Int("events") < 1 || c.Int("runs") < 1 || c.Int("window") < 0 || c.Float64("rate") < 0 || c.Duration("latency") < 0 {
		return usagef("--events and --runs must be at least 1; --window, --rate and --latency not negative")
	}
	if p := c.String("memprofile"); p != "" {
		if err := c.Set("memprofile", absPath(p)); err != nil {
			return err
		}
	}
	if p := c.String("cpuprofile"); p != "" {
		if err := c.Set("cpuprofile", absPath(p)); err != nil {
			return err
		}
	}
	// The bot runs in a scratch folder, so it gets absolute paths.
	for i, f := range scripts {
		if scripts[i], err = filepath.Abs(f); err != nil {
			return err
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "luabot-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	stderr := c.App.ErrWriter
	cfg := bench.Config{
		SimCommand:   []string{exe, "--log-level", "error", "sim"},
		Dir:          dir,
		Events:       c.Int("events"),
		Window:       c.Int("window"),
		Rate:         c.Float64("rate"),
		Latency:      c.Duration("latency"),
		Scene:        c.String("scene"),
		Text:         c.String("text"),
		ReplyTimeout: c.Duration("reply-timeout"),
	}
	cfg.BotEnv = func(s bench.Sim) []string { return benchEnv(s.Secret, os.Environ()) }
	statsFile := filepath.Join(dir, "handlers.json")
	targets := []struct {
		name string
		cmd  func(bench.Sim) []string
	}{{"luabot", func(s bench.Sim) []string {
		args := []string{exe, "--log-level", "warn", "run", "--app-id", s.AppID,
			"--api", s.APIURL, "--token-url", s.TokenURL, "--data", dir + "/bench.db", "--handler-stats", statsFile}
		if p := c.String("cpuprofile"); p != "" {
			args = append(args, "--cpuprofile", p)
		}
		if p := c.String("memprofile"); p != "" {
			args = append(args, "--memprofile", p)
		}
		return append(args, scripts...)
	}}}
	if c.Bool("compare") {
		targets = append(targets, struct {
			name string
			cmd  func(bench.Sim) []string
		}{"bare", func(s bench.Sim) []string {
			return []string{exe, "bench-bare", "--app-id", s.AppID, "--api", s.APIURL, "--token-url", s.TokenURL}
		}})
		if botgo := c.String("botgo"); botgo != "" {
			if _, err := os.Stat(botgo); err != nil {
				return usagef("--botgo %s: %v (build it: cd sim/conformance && go build -o %s ./cmd/botgo-echo)", botgo, err, botgo)
			}
			targets = append(targets, struct {
				name string
				cmd  func(bench.Sim) []string
			}{"botgo", func(s bench.Sim) []string {
				return []string{absPath(botgo), "-app-id", s.AppID, "-api", s.APIURL, "-token-url", s.TokenURL}
			}})
		}
	}
	runs := c.Int("runs")
	rounds := make([][]benchRow, 0, runs)
	failed := false
	// A round in which a bot failed its checks ends the runs: its figures
	// mean nothing, and a bot that never replies would wait out the reply
	// timeout again in every round.
	for i := 0; i < runs && !failed; i++ {
		rounds = append(rounds, nil)
		for _, t := range targets {
			name := t.name
			if runs > 1 {
				name = fmt.Sprintf("%s %d/%d", t.name, i+1, runs)
			}
			cfg.BotCommand = t.cmd
			cfg.Progress = progress(stderr, name, cfg.Events)
			res, err := bench.Run(c.Context, cfg)
			if err != nil {
				return fmt.Errorf("bench %s: %w", name, err)
			}
			endProgress(stderr)
			if res.Problem != "" {
				fmt.Fprintf(stderr, "luabot bench: %s: %s\n", name, res.Problem)
			}
			failed = failed || res.Problem != ""
			row := benchRow{Bot: t.name, Result: res}
			if t.name == "luabot" {
				row.Handlers = readHandlerStats(statsFile)
			}
			rounds[i] = append(rounds[i], row)
		}
	}
	if failed && len(rounds) < runs {
		fmt.Fprintf(stderr, "luabot bench: stopped after round %d of %d: a bot failed its checks\n", len(rounds), runs)
	}
	rows := rounds[0]
	if len(rounds) > 1 {
		rows = make([]benchRow, len(targets))
		for b := range rows {
			var mine []benchRow
			for _, round := range rounds {
				mine = append(mine, round[b])
			}
			rows[b] = medianRow(mine)
		}
	}
	w := c.App.Writer
	if c.Bool("json") {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		if err := e.Encode(map[string]any{"events": cfg.Events, "window": cfg.Window, "rate": cfg.Rate,
			"latency_ms": cfg.Latency.Milliseconds(), "scene": cfg.Scene, "runs": len(rounds), "results": rows,
			"rounds": rounds, "ratios": ratios(rounds)}); err != nil {
			return err
		}
	} else {
		printBench(w, cfg, len(rounds), rows, ratios(rounds))
	}
	if failed {
		return fmt.Errorf("the checks failed; see the lines above")
	}
	return nil
}

func printBench(w io.Writer, cfg bench.Config, runs int, rows []benchRow, ratios []ratio) {
	load := fmt.Sprintf("window %d", cfg.Window)
	if cfg.Rate > 0 {
		load = fmt.Sprintf("rate %g/s", cfg.Rate)
	}
	fmt.Fprintf(w, "%d %s events, %s, REST latency %v", cfg.Events, cfg.Scene, load, cfg.Latency)
	if runs > 1 {
		fmt.Fprintf(w, "; medians of %d runs, the bots taking turns", runs)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-8s %9s %9s %9s %9s %9s %11s %9s %8s\n", "bot", "replies", "replies/s", "p50 ms", "p99 ms", "max ms", "CPU µs/rep", "peak MB", "checked")
	for _, r := range rows {
		if !r.Measured {
			fmt.Fprintf(w, "%-8s not measured (see above)\n", r.Bot)
			continue
		}
		checked := "ok"
		if r.Problem != "" {
			checked = "FAILED"
		}
		fmt.Fprintf(w, "%-8s %9d %9.0f %9.1f %9.1f %9.1f %11.0f %9.1f %8s\n", r.Bot, r.Replies, r.PerSecond, r.P50MS, r.P99MS, r.MaxMS, r.CPUPerRep, r.PeakRSSMB, checked)
	}
	// Every other bot as a ratio of luabot's figures to its own, within each
	// round; with several rounds the median and the range.
	show := func(v [3]float64) string {
		if runs == 1 {
			return fmt.Sprintf("%.2f×", v[0])
		}
		return fmt.Sprintf("%.2f× (%.2f–%.2f)", v[0], v[1], v[2])
	}
	for _, r := range ratios {
		fmt.Fprintf(w, "luabot/%s: replies/s %s, CPU per reply %s, peak RSS %s\n", r.Bot, show(r.PerSecond), show(r.CPUPerRep), show(r.PeakRSS))
	}
	for _, r := range rows {
		if r.Bot != "luabot" {
			continue
		}
		if len(r.Handlers) == 0 {
			fmt.Fprintln(w, "slowest handlers: none recorded")
			continue
		}
		fmt.Fprintln(w, "slowest handlers (start to end, REST waits included):")
		for _, h := range r.Handlers[:min(5, len(r.Handlers))] {
			p99 := fmt.Sprintf("≤ %g ms", h.P99MS)
			if h.P99MS < 0 {
				p99 = "over 60 s"
			}
			fmt.Fprintf(w, "  %-20s %8d runs  mean %7.1f ms  p99 %s\n", h.Script, h.Runs, h.MeanMS, p99)
		}
	}
}

// writeHandlerStats writes each script's handler times as JSON, for bench.
func writeHandlerStats(path string, m *metrics.Metrics, log *slog.Logger) {
	b, err := json.Marshal(m.HandlerTimes())
	if err == nil {
		err = os.WriteFile(path, b, 0o600)
	}
	if err != nil {
		log.Warn("handler stats not written", "path", path, "err", err)
	}
}

// readHandlerStats reads what writeHandlerStats wrote; nil when the bot wrote nothing.
func readHandlerStats(path string) []metrics.HandlerTime {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []metrics.HandlerTime
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// progress shows a bar on a terminal and a plain line per quarter otherwise.
func progress(w io.Writer, name string, events int) func(posted, answered int) {
	if isTerminal(w) {
		return func(posted, answered int) {
			const width = 30
			n := answered * width / events
			bar := fmt.Sprintf("%-*s", width, strings.Repeat("#", n))
			fmt.Fprintf(w, "\r%-6s [%s] %d/%d answered", name, bar, answered, events)
		}
	}
	shown := 0 // quarters reported
	return func(posted, answered int) {
		if q := answered * 4 / events; q > shown {
			shown = q
			fmt.Fprintf(w, "%s: %d/%d answered\n", name, answered, events)
		}
	}
}

func endProgress(w io.Writer) {
	if isTerminal(w) {
		fmt.Fprintln(w)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// benchEnv is the environment of the bots bench starts: this process's
// without the QQBOT_ variables the user may have set for a bot of their own
// (QQBOT_TOKEN beside the simulator's secret stopped luabot run with "set
// either --secret or --token"), and with the simulator's AppSecret as
// QQBOT_SECRET, which luabot run, bench-bare and botgo-echo read: on their
// command lines any local user could read it.
func benchEnv(secret string, environ []string) []string {
	env := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "QQBOT_") {
			env = append(env, kv)
		}
	}
	return append(env, "QQBOT_SECRET="+secret)
}
