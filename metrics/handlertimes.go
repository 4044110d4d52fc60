package metrics

import (
	"math"
	"sort"
)

// HandlerTime sums up one script's handler durations, as `luabot bench`
// reports its slowest handlers: how many ran, their mean, and the upper
// bound of the histogram bucket holding the 99th percentile (waits on REST
// calls, sleep and wait_for included, as in handler_duration_seconds).
type HandlerTime struct {
	Script string  `json:"script"`
	Runs   uint64  `json:"runs"`
	MeanMS float64 `json:"mean_ms"`
	P99MS  float64 `json:"p99_at_most_ms"` // -1 when it lies past the last bucket (60 s)
}

// HandlerTimes reads handler_duration_seconds, slowest mean first.
func (m *Metrics) HandlerTimes() []HandlerTime {
	fams, err := m.reg.Gather()
	if err != nil {
		return nil
	}
	var out []HandlerTime
	for _, f := range fams {
		if f.GetName() != namespace+"_handler_duration_seconds" {
			continue
		}
		for _, s := range f.GetMetric() {
			h := s.GetHistogram()
			if h == nil || h.GetSampleCount() == 0 {
				continue
			}
			ht := HandlerTime{Runs: h.GetSampleCount(), MeanMS: h.GetSampleSum() / float64(h.GetSampleCount()) * 1000,
				P99MS: -1}
			for _, l := range s.GetLabel() {
				if l.GetName() == "script" {
					ht.Script = l.GetValue()
				}
			}
			want := uint64(math.Ceil(0.99 * float64(h.GetSampleCount())))
			for _, b := range h.GetBucket() {
				if b.GetCumulativeCount() >= want {
					ht.P99MS = b.GetUpperBound() * 1000
					break
				}
			}
			out = append(out, ht)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MeanMS > out[j].MeanMS })
	return out
}
