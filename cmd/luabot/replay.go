package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/record"
	"github.com/luabot/luabot/sim"
)

// shownDifferences is how many differences replay prints in full.
const shownDifferences = 5

func replayCommand() *cli.Command {
	return &cli.Command{
		Name:      "replay",
		Usage:     "feed a recording (luabot run --record) to scripts on the simulator and compare what they send",
		ArgsUsage: "RECORDING SCRIPT|DIR...",
		// The scripts get the limits, settings, zone and language of luabot run.
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the result as one JSON object"},
		}, limitFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() < 2 {
				return usagef("replay: name a recording and at least one script file or folder")
			}
			files, err := host.ScriptFiles(c.Args().Slice()[1:])
			if err != nil {
				return usagef("%v", err)
			}
			// The scripts load as run loads them: limits, settings and the
			// --config file's grants, which decide what their calls may do.
			hcfg := host.Config{Logger: logger(c)}
			if err := scriptSettings(c, files, nil, &hcfg); err != nil {
				return err
			}
			quota, err := kvQuota(c)
			if err != nil {
				return err
			}
			rec, err := readRecording(c.Args().First())
			if err != nil {
				return err
			}
			res, err := replay(c.Context, rec, files, hcfg, quota)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				err = res.printJSON(c.App.Writer)
			} else {
				res.print(c.App.Writer)
			}
			if err != nil {
				return err
			}
			if rec.stop != nil {
				return fmt.Errorf("the replay stopped early: %w", rec.stop)
			}
			if res.Differing > 0 {
				return exitCode(1)
			}
			return nil
		},
	}
}

// exitCode ends the command with a status and no message (the output said it all).
type exitCode int

func (e exitCode) Error() string { return "" }

// recording is what replay read of a file.
type recording struct {
	events []recordedEvent
	timers map[string][]record.Send // each script's timer sends, in order
	start  time.Time                // the first run's start
	end    time.Time                // the last instant the recording reaches
	stop   error                    // where and why reading stopped early; nil at the end
}

type recordedEvent struct {
	record.Line
	at  time.Time
	run int // which run of the file (each starts with a header)
}

// readRecording reads path up to its end or its first unreadable line (rec.stop).
// Only a file that cannot be opened, or holds no header at all, is an error.
func readRecording(path string) (*recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	defer f.Close()
	r := record.NewReader(f, path)
	rec := &recording{timers: map[string][]record.Send{}}
	var start time.Time
	run := 0
	byN := map[uint64]int{} // this run's event numbers → rec.events
	for {
		l, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if start.IsZero() {
				return nil, err
			}
			rec.stop = err
			break
		}
		at := start.Add(time.Duration(l.AtMS) * time.Millisecond)
		switch l.Kind {
		case record.KindHeader:
			start = *l.Start
			if rec.start.IsZero() {
				rec.start = start
			}
			byN = map[uint64]int{}
			at = start
			run++
		case record.KindEvent:
			byN[l.N] = len(rec.events)
			rec.events = append(rec.events, recordedEvent{Line: l, at: at, run: run})
		case record.KindSend:
			switch i, ok := byN[l.N]; {
			case l.N == 0:
				rec.timers[l.Send.Script] = append(rec.timers[l.Send.Script], *l.Send)
			case ok:
				rec.events[i].Sends = append(rec.events[i].Sends, *l.Send)
			}
			// else: a send of an event the recording dropped; nothing to compare it with.
		}
		if at.After(rec.end) {
			rec.end = at
		}
	}
	if start.IsZero() {
		return nil, fmt.Errorf("%s is empty: not a recording (luabot run --record writes one)", path)
	}
	// An event's line is written when its handlers end: back to the order the host
	// routed them in.
	slices.SortStableFunc(rec.events, func(a, b recordedEvent) int {
		if a.run != b.run {
			return a.run - b.run
		}
		return cmp.Compare(a.N, b.N)
	})
	return rec, nil
}

// replayResult is what replay found.
type replayResult struct {
	Events    int `json:"events"`
	Differing int `json:"differing"` // events, and scripts whose timer sends differ
	// DifferingEvents and DifferingTimerSends count what differs.
	DifferingEvents     int                  `json:"differing_events"`
	DifferingTimerSends int                  `json:"differing_timer_sends"`
	ByType              map[string]*typeDiff `json:"by_type"`
	Differences         []difference         `json:"differences"`
	// VirtualTime is how much recorded time the replay covered.
	VirtualTime string `json:"virtual_time"`
	Stopped     string `json:"stopped,omitempty"`
}

type typeDiff struct {
	Events    int `json:"events"`
	Differing int `json:"differing"`
}

// difference is one send that was recorded and not sent again, sent and not recorded,
// or sent otherwise.
type difference struct {
	Event    int          `json:"event"` // 1-based position in the recording; 0 for timers
	Type     string       `json:"type"`
	At       string       `json:"at"`
	Script   string       `json:"script"`
	Expected *record.Send `json:"expected"`
	Actual   *record.Send `json:"actual"`
}

// replay feeds rec to the scripts in files on a fresh simulator and virtual clock.
// cfg holds the flags' settings and the logger, quota the kv quota flags';
// replay fills in the rest.
func replay(ctx context.Context, rec *recording, files []string, cfg host.Config, quota kv.Quota) (*replayResult, error) {
	start := rec.start
	if start.IsZero() {
		start = time.Now()
	}
	clock := newReplayClock(start)
	platform, err := sim.New(sim.Config{Logger: cfg.Logger.With("component", "sim"), Clock: clock.Now})
	if err != nil {
		return nil, err
	}
	if err := platform.Start(); err != nil {
		return nil, err
	}
	defer platform.Close()
	col := &collector{sent: map[uint64][]record.Send{}, timers: map[string][]record.Send{}}
	calls := &countingTransport{base: http.DefaultTransport, clock: clock}
	api, err := openapi.New(openapi.Config{
		AppID: platform.AppID(), Secret: platform.Secret(), BaseURL: platform.APIURL(), TokenURL: platform.TokenURL(),
		Clock: clock.Now, HTTPClient: &http.Client{Transport: calls}, Logger: cfg.Logger, Observer: col,
	})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "luabot-replay-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "replay.db"), Quota: quota})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	cfg.API, cfg.Store, cfg.Clock, cfg.Observer = api, store, clock, col
	// What still sleeps past the recording's end is not waited for.
	cfg.Drain = time.Millisecond
	h, err := host.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := h.Load(files...); err != nil {
		for _, e := range flatten(err) {
			cfg.Logger.Error("script not loaded", "err", e)
		}
		return nil, fmt.Errorf("%d script(s) failed to load", len(flatten(err)))
	}
	src := &replaySource{rec: rec, h: h, clock: clock, calls: calls}
	if err := h.Run(ctx, src); err != nil {
		return nil, err
	}
	if src.err != nil {
		return nil, src.err
	}
	return col.compare(rec), nil
}

// replaySource delivers the recorded events to the host, moving the virtual clock to
// each one's time and letting the scripts settle in between.
type replaySource struct {
	rec   *recording
	h     *host.Host
	clock *replayClock
	calls *countingTransport
	err   error
}

func (s *replaySource) Start(context.Context) error { return nil }
func (s *replaySource) Flush()                      {}

func (s *replaySource) Run(ctx context.Context, deliver func(dispatch.Event, func())) error {
	for i, ev := range s.rec.events {
		if err := s.advanceTo(ctx, ev.at); err != nil {
			s.err = err
			return nil
		}
		deliver(dispatch.Event{Type: ev.Type, ID: ev.ID, Data: ev.Payload, Received: s.clock.Now()}, nil)
		if err := s.settle(ctx, uint64(i+1)); err != nil {
			s.err = err
			return nil
		}
	}
	if err := s.advanceTo(ctx, s.rec.end); err != nil {
		s.err = err
	}
	return nil
}

// replayStepLimit bounds the timer ticks one stretch between events may fire.
const replayStepLimit = 1_000_000

// advanceTo moves the clock to t one due timer at a time, settling after each, so that
// a timer that reschedules itself fires at every tick.
func (s *replaySource) advanceTo(ctx context.Context, t time.Time) error {
	delivered := s.h.Received()
	for steps := 0; ; steps++ {
		if err := s.settle(ctx, delivered); err != nil {
			return err
		}
		next, ok := s.clock.next()
		if !ok || next.After(t) {
			s.clock.advanceTo(t)
			return s.settle(ctx, delivered)
		}
		if steps == replayStepLimit {
			return fmt.Errorf("more than %d timer ticks between two recorded events", replayStepLimit)
		}
		s.clock.advanceTo(next)
	}
}

// replaySettleWait bounds how long the scripts may stay busy (running Lua or waiting on
// the simulator) after an event or a tick.
const replaySettleWait = 30 * time.Second

// settle waits until the host has every event delivered so far and can do nothing more
// until the clock moves: no handler running, no REST call in flight, no timer due.
func (s *replaySource) settle(ctx context.Context, delivered uint64) error {
	deadline := time.Now().Add(replaySettleWait)
	wait := 50 * time.Microsecond
	last, wasSettled := s.clock.activity.Load(), false
	for {
		now := s.clock.activity.Load()
		settled := s.h.Received() >= delivered && s.calls.inflight.Load() == 0 && s.h.Settled() && !s.clock.dueNow()
		if settled && wasSettled && now == last {
			return nil
		}
		last, wasSettled = now, settled
		if settled {
			continue // confirm once more: a change between the reads shows as activity
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the scripts were still busy %s after an event", replaySettleWait)
		}
		// Nothing signals the end of a handler: poll, backing off so a long handler
		// costs no CPU.
		time.Sleep(wait)
		wait = min(wait*2, 5*time.Millisecond)
	}
}

// collector gathers what the scripts send during a replay (openapi.CallObserver) and
// serves as the host's observer.
type collector struct {
	mu     sync.Mutex
	sent   map[uint64][]record.Send
	timers map[string][]record.Send
}

var _ openapi.CallObserver = (*collector)(nil)

func (c *collector) Call(ctx context.Context, method, path string, body []byte, contentType string) {
	s, ok := sendOf(ctx, method, path, body, contentType)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.n == 0 {
		c.timers[s.Script] = append(c.timers[s.Script], s.Send)
		return
	}
	c.sent[s.n] = append(c.sent[s.n], s.Send)
}

func (c *collector) Request(openapi.Route, int, time.Duration) {}
func (c *collector) Retry(openapi.Route, int)                  {}
func (c *collector) Script(string) host.ScriptObserver         { return quietScript{} }
func (c *collector) Reload(string, string)                     {}
func (quietScript) HandlerDone(string, string, time.Duration)  {}
func (quietScript) Dropped()                                   {}

type quietScript struct{}

// compare lines up what was recorded with what was sent, event by event and script by
// script, in order.
func (c *collector) compare(rec *recording) *replayResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := record.NewMatcher()
	res := &replayResult{Events: len(rec.events), ByType: map[string]*typeDiff{}, Differences: []difference{}}
	if rec.stop != nil {
		res.Stopped = rec.stop.Error()
	}
	res.VirtualTime = rec.end.Sub(rec.start).String()
	run := 0
	for i, ev := range rec.events {
		if ev.run != run {
			// Each run of luabot run hashed with its own key.
			run, m = ev.run, record.NewMatcher()
		}
		td := res.ByType[ev.Type]
		if td == nil {
			td = &typeDiff{}
			res.ByType[ev.Type] = td
		}
		td.Events++
		diffs := diffSends(m, ev.Sends, c.sent[uint64(i+1)])
		if len(diffs) == 0 {
			continue
		}
		td.Differing++
		res.Differing++
		res.DifferingEvents++
		for _, d := range diffs {
			d.Event, d.Type, d.At = i+1, ev.Type, "+"+ev.at.Sub(rec.start).String()
			res.Differences = append(res.Differences, d)
		}
	}
	scripts := slices.Sorted(func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, mm := range []map[string][]record.Send{rec.timers, c.timers} {
			for k := range mm {
				if !seen[k] {
					seen[k] = true
					if !yield(k) {
						return
					}
				}
			}
		}
	})
	for _, s := range scripts {
		diffs := diffSends(m, rec.timers[s], c.timers[s])
		if len(diffs) == 0 {
			continue
		}
		td := res.ByType["timer"]
		if td == nil {
			td = &typeDiff{}
			res.ByType["timer"] = td
		}
		td.Differing++
		res.Differing++
		res.DifferingTimerSends += len(diffs)
		for _, d := range diffs {
			d.Type = "timer"
			res.Differences = append(res.Differences, d)
		}
	}
	return res
}

// diffSends pairs expected and actual sends per script, in order.
func diffSends(m *record.Matcher, expected, actual []record.Send) []difference {
	per := func(sends []record.Send) map[string][]record.Send {
		out := map[string][]record.Send{}
		for _, s := range sends {
			out[s.Script] = append(out[s.Script], s)
		}
		return out
	}
	e, a := per(expected), per(actual)
	names := map[string]bool{}
	for k := range e {
		names[k] = true
	}
	for k := range a {
		names[k] = true
	}
	var out []difference
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range names {
			if !yield(k) {
				return
			}
		}
	}) {
		es, as := e[name], a[name]
		for i := range max(len(es), len(as)) {
			var want, got *record.Send
			if i < len(es) {
				want = &es[i]
			}
			if i < len(as) {
				got = &as[i]
			}
			if want != nil && got != nil && m.Equal(*want, *got) {
				continue
			}
			out = append(out, difference{Script: name, Expected: want, Actual: got})
		}
	}
	return out
}

func (r *replayResult) print(w io.Writer) {
	for i, d := range r.Differences {
		if i == shownDifferences {
			fmt.Fprintf(w, "... and %d more difference(s)\n", len(r.Differences)-shownDifferences)
			break
		}
		if d.Event > 0 {
			fmt.Fprintf(w, "difference %d: event %d (%s) at %s, script %s\n", i+1, d.Event, d.Type, d.At, d.Script)
		} else {
			fmt.Fprintf(w, "difference %d: a timer of script %s\n", i+1, d.Script)
		}
		fmt.Fprintf(w, "  - recorded: %s\n", describeSend(d.Expected))
		fmt.Fprintf(w, "  + replayed: %s\n", describeSend(d.Actual))
		if where := whereSendsDiffer(d.Expected, d.Actual); where != "" {
			fmt.Fprintf(w, "    differs at: %s\n", where)
		}
	}
	if len(r.Differences) > 0 {
		types := make([]string, 0, len(r.ByType))
		for t := range r.ByType {
			types = append(types, t)
		}
		sort.Strings(types)
		for _, t := range types {
			td := r.ByType[t]
			if t == "timer" {
				fmt.Fprintf(w, "  %-26s %d send(s) of %d script(s) differ\n", t, r.DifferingTimerSends, td.Differing)
				continue
			}
			fmt.Fprintf(w, "  %-26s %d of %d event(s) differ\n", t, td.Differing, td.Events)
		}
	}
	var verdict []string
	if r.DifferingEvents > 0 {
		verdict = append(verdict, fmt.Sprintf("%d of them differ", r.DifferingEvents))
	}
	if r.DifferingTimerSends > 0 {
		verdict = append(verdict, fmt.Sprintf("%d timer send(s) differ", r.DifferingTimerSends))
	}
	if len(verdict) == 0 {
		verdict = append(verdict, "no differences")
	}
	fmt.Fprintf(w, "replayed %d event(s) covering %s: %s\n", r.Events, r.VirtualTime, strings.Join(verdict, ", "))
}

func (r *replayResult) printJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// replayClock is a host.VirtualClock that knows when each timer falls due, so a replay
// can move from one due instant to the next and let the scripts settle in between;
// every registration, firing and cancellation counts as activity.
type replayClock struct {
	inner    *host.VirtualClock
	activity atomic.Int64
	mu       sync.Mutex
	due      map[*time.Time]struct{}
}

func newReplayClock(start time.Time) *replayClock {
	return &replayClock{inner: host.NewVirtualClock(start), due: map[*time.Time]struct{}{}}
}

func (c *replayClock) Now() time.Time { return c.inner.Now() }

func (c *replayClock) AfterFunc(d time.Duration, f func()) func() bool {
	at := c.inner.Now().Add(d)
	c.mu.Lock()
	c.due[&at] = struct{}{}
	c.mu.Unlock()
	c.activity.Add(1)
	stop := c.inner.AfterFunc(d, func() {
		f() // hands its work to the host before the entry goes, so settle sees one
		c.forget(&at)
	})
	return func() bool {
		c.forget(&at)
		return stop()
	}
}

func (c *replayClock) forget(at *time.Time) {
	c.mu.Lock()
	delete(c.due, at)
	c.mu.Unlock()
	c.activity.Add(1)
}

func (c *replayClock) next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first time.Time
	for at := range c.due {
		if first.IsZero() || at.Before(first) {
			first = *at
		}
	}
	return first, !first.IsZero()
}

func (c *replayClock) dueNow() bool {
	next, ok := c.next()
	return ok && !next.After(c.Now())
}

// advanceTo moves the clock to t, never back.
func (c *replayClock) advanceTo(t time.Time) {
	c.inner.Advance(max(t.Sub(c.inner.Now()), 0))
}

// countingTransport counts REST calls in flight, so settle knows when a handler waits
// on the simulator.
type countingTransport struct {
	base     http.RoundTripper
	clock    *replayClock
	inflight atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.inflight.Add(1)
	t.clock.activity.Add(1)
	defer func() {
		t.inflight.Add(-1)
		t.clock.activity.Add(1)
	}()
	return t.base.RoundTrip(r)
}

// whereSendsDiffer names the first part of two sends that differs: "method", "path", or
// the body's field ("content", "keyboard.content.rows[0]"); "" when one is missing or
// nothing plain differs (a token the replay did not map consistently).
func whereSendsDiffer(e, a *record.Send) string {
	switch {
	case e == nil || a == nil:
		return ""
	case e.Method != a.Method:
		return "method"
	case e.Path != a.Path:
		return "path"
	}
	var ev, av any
	if json.Unmarshal(e.Body, &ev) != nil || json.Unmarshal(a.Body, &av) != nil {
		return "body"
	}
	return firstDifference("", ev, av)
}

func firstDifference(at string, e, a any) string {
	join := func(k string) string {
		if at == "" {
			return k
		}
		return at + "." + k
	}
	switch e := e.(type) {
	case map[string]any:
		am, ok := a.(map[string]any)
		if !ok {
			return at
		}
		keys := slices.Sorted(maps.Keys(e))
		for k := range am {
			if _, ok := e[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			if d := firstDifference(join(k), e[k], am[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		aa, ok := a.([]any)
		if !ok || len(aa) != len(e) {
			return at
		}
		for i := range e {
			if d := firstDifference(fmt.Sprintf("%s[%d]", at, i), e[i], aa[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if fmt.Sprint(e) != fmt.Sprint(a) {
		if at == "" {
			return "body"
		}
		return at
	}
	return ""
}
