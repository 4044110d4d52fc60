package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv/kvredis"
	"github.com/luabot/luabot/transport"
)

// statusPath is where `luabot run --data F` publishes its state: F.status.json. The kv
// file itself is locked by the running process, so status reads this file instead.
func statusPath(data string) string { return data + ".status.json" }

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show the gateway state of each shard, and the intents granted, of the bot running on --data",
		Description: "luabot run and luabot dev rewrite DATA.status.json when a shard's state changes, about once a\n" +
			"second besides, and a last time when they stop; status prints it. The age column tells a live\n" +
			"process from a stopped one. Without --data, status shows whichever of run's and dev's default\n" +
			"files was updated last. With --store, it lists every process of the bot sharing that store, the\n" +
			"shards each holds and its last renewal.",
		Flags: []cli.Flag{dataFlag, storeFlag, configFlag(),
			&cli.StringFlag{Name: "app-id", Usage: "with --store: the bot whose processes to show", EnvVars: []string{"QQBOT_APP_ID"}}},
		Action: func(c *cli.Context) error {
			if path := c.String("config"); path != "" {
				return configStatus(c, path)
			}
			if c.String("store") != "" {
				return clusterStatus(c)
			}
			data := c.String("data")
			if !c.IsSet("data") {
				data = newestOf(statusPath, data, devData)
			}
			return printStatus(c.App.Writer, data)
		},
	}
}

// configStatus prints the status of every bot of the --config file, each
// under a line naming it.
func configStatus(c *cli.Context, path string) error {
	f, err := readConfig(path, false)
	if err != nil {
		return err
	}
	var failed []string
	for i, b := range f.bots {
		data, _ := b.flags["data"].(string)
		if data == "" {
			data = c.String("data")
		}
		if i > 0 {
			fmt.Fprintln(c.App.Writer)
		}
		if b.name != "" {
			fmt.Fprintf(c.App.Writer, "bot %s (%s)\n", b.name, data)
		}
		if err := printStatus(c.App.Writer, data); err != nil {
			if len(f.bots) == 1 {
				return err
			}
			fmt.Fprintf(c.App.Writer, "%v\n", err)
			failed = append(failed, b.name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("no status for bot(s) %s", strings.Join(failed, ", "))
	}
	return nil
}

// printStatus prints the status file of the bot running on data.
func printStatus(w io.Writer, data string) error {
	path := statusPath(data)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no status at %s: is `luabot run --data %s` running (or has it ever run)?", path, data)
	}
	if err != nil {
		return err
	}
	var r transport.StatusReport
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if r.Bot != "" {
		fmt.Fprintf(w, "bot %s: ", r.Bot)
	}
	fmt.Fprintf(w, "pid %d, transport %s, updated %s ago; %d events received, %d duplicates dropped\n",
		r.PID, r.Transport, time.Since(r.Updated).Round(time.Second), r.Received, r.Duplicates)
	var granted gateway.Intent
	for _, s := range r.Shards {
		granted |= s.Intents
	}
	if granted != 0 {
		fmt.Fprintf(w, "intents granted: %s (%d)\n", granted, uint32(granted))
	}
	if r.IntentsNotGranted != 0 {
		fmt.Fprintf(w, "intents not granted (need approval on the QQ open platform): %s; their events (%s) do not arrive\n",
			r.IntentsNotGranted, strings.Join(r.IntentsNotGranted.Events(), ", "))
	}
	if len(r.Shards) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARD\tSTATE\tFOR\tSESSION\tSEQ\tEVENTS\tRESUMES\tIDENTIFIES\tLOST SESSIONS\tLAST")
	for _, s := range r.Shards {
		last := "-"
		if s.LastDecision != "" {
			last = fmt.Sprintf("%s (code %d: %s)", s.LastDecision, s.LastCode, s.LastReason)
		}
		fmt.Fprintf(tw, "%d/%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", s.Shard[0], s.Shard[1], s.State,
			r.Updated.Sub(s.Since).Round(time.Second), s.SessionID, s.Seq, s.Events, s.Resumes, s.Identifies, s.LostSessions, last)
	}
	return tw.Flush()
}

// newestOf returns whichever of the data files named has the most recently
// written companion file (path(name): its status file, its control socket):
// without --data, `luabot status` and `luabot repl --attach` find the bot
// running here, be it `luabot run` or `luabot dev`. The first name wins when
// none has one, so the error names run's file.
func newestOf(path func(string) string, names ...string) string {
	best, bestTime := names[0], time.Time{}
	for _, n := range names {
		if fi, err := os.Stat(path(n)); err == nil && fi.ModTime().After(bestTime) {
			best, bestTime = n, fi.ModTime()
		}
	}
	return best
}

// clusterStatus prints, from the shared store, every live process of the bot
// sharing shards (--share-shards), the shards each holds and when it last
// renewed its leases.
func clusterStatus(c *cli.Context) error {
	cfg, err := storeConfig(c)
	if err != nil {
		return err
	}
	store, err := kvredis.Open(cfg)
	if err != nil {
		return fmt.Errorf("--store %s: %w", cfg.Redacted(), err)
	}
	defer store.Close()
	procs, err := store.Processes()
	if err != nil {
		return err
	}
	w := c.App.Writer
	if len(procs) == 0 {
		fmt.Fprintf(w, "no live process of bot %s shares shards on %s (luabot run --store … --share-shards)\n", c.String("app-id"), cfg.Redacted())
		return nil
	}
	sort.Slice(procs, func(i, j int) bool { return procs[i].Owner < procs[j].Owner })
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROCESS\tSHARDS\tRENEWED")
	for _, p := range procs {
		shards := make([]string, len(p.Shards))
		for i, id := range p.Shards {
			shards[i] = strconv.Itoa(id)
		}
		held := strings.Join(shards, ",")
		if held == "" {
			held = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s ago\n", p.Owner, held, time.Since(p.Renewed).Round(100*time.Millisecond))
	}
	return tw.Flush()
}
