package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/luabot/luabot/bench"
)

// benchChildEnv makes the test binary behave as luabot: bench re-executes
// its own binary for the simulator and the bot.
const benchChildEnv = "LUABOT_BENCH_TEST_CHILD"

func benchScript(t *testing.T, src string) string {
	t.Helper()
	return filepath.Join(mustFiles(t, map[string]string{"bot.lua": src}), "bot.lua")
}

func TestBench_NoScripts(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI("bench")
	if code != 2 || stdout != "" || !strings.Contains(stderr, "name at least one script") {
		t.Fatalf("code %d, stdout %q, stderr %q; want 2 and a line asking for scripts", code, stdout, stderr)
	}
	script := benchScript(t, `on("AT_MESSAGE_CREATE", function(ev) ev:reply(ev.content) end)`)
	for _, runs := range []string{"0", "-1"} {
		code, stdout, stderr := runCLI("bench", "--runs", runs, script)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "--runs must be at least 1") {
			t.Errorf("--runs %s: code %d, stdout %q, stderr %q; want 2 and a line naming --runs", runs, code, stdout, stderr)
		}
	}
}

func TestBench_BadInput(t *testing.T) {
	// The reply timeout is waited out in full by the first two cases. A bot
	// that never replies cannot be told apart sooner, so 500ms proves as much
	// as 2s; the erroring bot keeps 2s so its error line surely arrives first
	// on a loaded machine.
	tests := []struct {
		name, src, timeout string
		want               []string
	}{
		// With --runs, the first failed round ends the runs.
		{"never replies", `on("AT_MESSAGE_CREATE", function(ev) end)`, "500ms",
			[]string{"no reply to the first event within 500ms and no error logged", "stopped after round 1 of 3"}},
		{"errors on every event", `on("AT_MESSAGE_CREATE", function(ev) error("boom") end)`, "2s",
			[]string{"no reply to the first event within 2s", "error line(s)", "bot.lua:1: boom"}},
		{"replies twice", `on("AT_MESSAGE_CREATE", function(ev) ev:reply("a") ev:reply("b") end)`, "2s",
			[]string{"replied more than once to some events"}},
	}
	t.Parallel() // bench runs its bot and simulator as child processes and waits on them
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			script := benchScript(t, tt.src)
			code, stdout, stderr := runChild(t, "bench", "--events", "50", "--reply-timeout", tt.timeout, "--runs", "3", script)
			if code != 1 {
				t.Fatalf("code %d; want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if !strings.Contains(stdout, "FAILED") && !strings.Contains(stdout, "not measured") {
				t.Errorf("the table does not say the run failed:\n%s", stdout)
			}
		})
	}
}

func TestBench_EchoJSONWithCompare(t *testing.T) {
	t.Parallel() // bench runs its bot and simulator as child processes and waits on them
	script := benchScript(t, `on("AT_MESSAGE_CREATE", function(ev) ev:reply(ev.content) end)`)
	code, stdout, stderr := runChild(t, "bench", "--events", "200", "--window", "20", "--compare", "--runs", "2", "--json", script)
	if code != 0 {
		t.Fatalf("code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	type row struct {
		Bot       string  `json:"bot"`
		Replies   int     `json:"replies"`
		PerSecond float64 `json:"replies_per_second"`
		CPU       float64 `json:"cpu_us_per_reply"`
		RSS       float64 `json:"peak_rss_mb"`
		Measured  bool    `json:"measured"`
	}
	var out struct {
		Events int     `json:"events"`
		Runs   int     `json:"runs"`
		Rounds [][]row `json:"rounds"`
		Ratios []struct {
			Bot       string     `json:"bot"`
			PerSecond [3]float64 `json:"replies_per_second"`
			CPU       [3]float64 `json:"cpu_per_reply"`
		} `json:"ratios"`
		Results []struct {
			Bot        string  `json:"bot"`
			Replies    int     `json:"replies"`
			Unanswered int     `json:"unanswered"`
			Duplicates int     `json:"duplicates"`
			Unmatched  int     `json:"unmatched"`
			PerSecond  float64 `json:"replies_per_second"`
			P50        float64 `json:"p50_ms"`
			P99        float64 `json:"p99_ms"`
			Max        float64 `json:"max_ms"`
			CPU        float64 `json:"cpu_us_per_reply"`
			RSS        float64 `json:"peak_rss_mb"`
			Measured   bool    `json:"measured"`
			Problem    string  `json:"problem"`
			Handlers   []struct {
				Script string  `json:"script"`
				Runs   int     `json:"runs"`
				MeanMS float64 `json:"mean_ms"`
			} `json:"handlers"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if out.Events != 200 || len(out.Results) != 2 || out.Results[0].Bot != "luabot" || out.Results[1].Bot != "bare" {
		t.Fatalf("want 200 events and rows luabot, bare:\n%s", stdout)
	}
	// Two rounds, the bots taking turns in each; the rows are their medians
	// (of two: the middle), the ratios taken round by round.
	if out.Runs != 2 || len(out.Rounds) != 2 || len(out.Ratios) != 1 || out.Ratios[0].Bot != "bare" {
		t.Fatalf("want 2 rounds and a ratio to bare:\n%s", stdout)
	}
	for b, r := range out.Results {
		x, y := out.Rounds[0][b], out.Rounds[1][b]
		if x.Bot != r.Bot || y.Bot != r.Bot || !x.Measured || !y.Measured {
			t.Fatalf("round rows for %s: %+v, %+v", r.Bot, x, y)
		}
		if mid := (x.CPU + y.CPU) / 2; math.Abs(r.CPU-mid) > 1e-9 {
			t.Errorf("%s: CPU per reply %v, want the median of %v and %v", r.Bot, r.CPU, x.CPU, y.CPU)
		}
	}
	lo, hi := out.Rounds[0][0].PerSecond/out.Rounds[0][1].PerSecond, out.Rounds[1][0].PerSecond/out.Rounds[1][1].PerSecond
	if got := out.Ratios[0].PerSecond; math.Abs(got[0]-(lo+hi)/2) > 1e-9 || got[1] != min(lo, hi) || got[2] != max(lo, hi) {
		t.Errorf("replies/s ratio %v, want the median, lowest and highest of %v and %v", got, lo, hi)
	}
	// The handlers' times come from the bot itself (its metrics, written when it stops).
	if h := out.Results[0].Handlers; len(h) != 1 || h[0].Script != filepath.Base(strings.TrimSuffix(script, ".lua")) ||
		h[0].Runs < 200 || h[0].MeanMS <= 0 {
		t.Errorf("luabot's slowest handlers: %+v; want the script's 200 or more runs", h)
	}
	for _, r := range out.Results {
		if !r.Measured || r.Problem != "" || r.Replies != 200 || r.Unanswered != 0 || r.Duplicates != 0 || r.Unmatched != 0 {
			t.Errorf("%s: want every one of 200 events answered once, got %+v", r.Bot, r)
		}
		if r.PerSecond <= 0 || r.P50 <= 0 || r.P50 > r.P99 || r.P99 > r.Max {
			t.Errorf("%s: figures out of shape: %+v", r.Bot, r)
		}
		if r.RSS <= 0 {
			t.Errorf("%s: no peak RSS from /proc: %+v", r.Bot, r)
		}
	}
}

// Across rounds a bot's row shows each figure's median and its worst
// round's checks: a round that failed is not hidden by two that passed.
func TestBench_MedianRowKeepsTheWorstChecks(t *testing.T) {
	round := func(rps, cpu float64, replies int, problem string) benchRow {
		return benchRow{Bot: "luabot", Result: bench.Result{Events: 10, Replies: replies, Unanswered: 10 - replies,
			PerSecond: rps, CPUPerRep: cpu, Measured: true, Problem: problem}}
	}
	got := medianRow([]benchRow{round(300, 20, 10, ""), round(100, 40, 7, "no reply to 3 events"), round(200, 30, 10, "")})
	if got.PerSecond != 200 || got.CPUPerRep != 30 {
		t.Errorf("figures %v replies/s, %v µs: want the medians 200 and 30", got.PerSecond, got.CPUPerRep)
	}
	if got.Replies != 7 || got.Unanswered != 3 || got.Problem != "no reply to 3 events" {
		t.Errorf("checks %d replies, %d unanswered, problem %q: want the failed round's", got.Replies, got.Unanswered, got.Problem)
	}
}

// The bots bench starts get the simulator's secret in their environment,
// not on their command line, and none of the user's own QQBOT_ settings:
// with QQBOT_TOKEN exported, luabot run refused the simulator's secret
// beside it, and every bench failed its checks.
func TestBench_BotEnvironment(t *testing.T) {
	t.Parallel()
	got := benchEnv("s3cret", []string{"PATH=/usr/bin", "QQBOT_TOKEN=mine", "QQBOT_API=https://api.sgroup.qq.com", "HOME=/home/alice", "QQBOT_SECRET=real"})
	want := []string{"PATH=/usr/bin", "HOME=/home/alice", "QQBOT_SECRET=s3cret"}
	if !slices.Equal(got, want) {
		t.Errorf("benchEnv = %q, want %q", got, want)
	}
}
