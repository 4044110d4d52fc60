package main

import (
	"slices"

	"github.com/luabot/luabot/bench"
)

// On a shared machine one run's figures move by ±15 %, so --runs N runs the
// whole load N times, the bots taking turns in each round, and reports each
// figure's median; luabot's ratios to another bot are taken within each
// round (both ran minutes apart at most) and their median reported, with
// the range.

// medianRow is rows' figures (one bot's, one row per round) as medians;
// its checks are the worst round's, so a failure in any round shows.
func medianRow(rows []benchRow) benchRow {
	out := rows[len(rows)-1] // the last round's handler times
	figure := func(get func(bench.Result) float64) float64 {
		var v []float64
		for _, r := range rows {
			if r.Measured {
				v = append(v, get(r.Result))
			}
		}
		return median(v)
	}
	out.Seconds = figure(func(r bench.Result) float64 { return r.Seconds })
	out.PerSecond = figure(func(r bench.Result) float64 { return r.PerSecond })
	out.P50MS = figure(func(r bench.Result) float64 { return r.P50MS })
	out.P99MS = figure(func(r bench.Result) float64 { return r.P99MS })
	out.MaxMS = figure(func(r bench.Result) float64 { return r.MaxMS })
	out.CPUPerRep = figure(func(r bench.Result) float64 { return r.CPUPerRep })
	out.PeakRSSMB = figure(func(r bench.Result) float64 { return r.PeakRSSMB })
	for _, r := range rows {
		out.Replies = min(out.Replies, r.Replies)
		out.Unanswered = max(out.Unanswered, r.Unanswered)
		out.Duplicates = max(out.Duplicates, r.Duplicates)
		out.Unmatched = max(out.Unmatched, r.Unmatched)
		out.ErrorLines = max(out.ErrorLines, r.ErrorLines)
		out.Measured = out.Measured && r.Measured
		if out.Problem == "" {
			out.Problem, out.LastError = r.Problem, r.LastError
		}
	}
	return out
}

// ratio is luabot's figures over another bot's: the median of the rounds'
// ratios, and the lowest and highest.
type ratio struct {
	Bot       string     `json:"bot"`
	PerSecond [3]float64 `json:"replies_per_second"` // median, lowest, highest
	CPUPerRep [3]float64 `json:"cpu_per_reply"`
	PeakRSS   [3]float64 `json:"peak_rss"`
}

// ratios compares luabot (rounds[i][0]) with each other bot, round by
// round; a bot with no round where both were measured is left out.
func ratios(rounds [][]benchRow) []ratio {
	if len(rounds) == 0 || len(rounds[0]) == 0 || rounds[0][0].Bot != "luabot" {
		return nil
	}
	var out []ratio
	for b := 1; b < len(rounds[0]); b++ {
		var rps, cpu, rss []float64
		for _, round := range rounds {
			l, o := round[0], round[b]
			if !l.Measured || !o.Measured || o.PerSecond <= 0 || o.CPUPerRep <= 0 || o.PeakRSSMB <= 0 {
				continue
			}
			rps = append(rps, l.PerSecond/o.PerSecond)
			cpu = append(cpu, l.CPUPerRep/o.CPUPerRep)
			rss = append(rss, l.PeakRSSMB/o.PeakRSSMB)
		}
		if len(rps) == 0 {
			continue
		}
		out = append(out, ratio{Bot: rounds[0][b].Bot, PerSecond: spread(rps), CPUPerRep: spread(cpu), PeakRSS: spread(rss)})
	}
	return out
}

func spread(v []float64) [3]float64 { return [3]float64{median(v), slices.Min(v), slices.Max(v)} }

// median of v; 0 for none. An even count takes the mean of the middle two.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}
