package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/luabot/luabot/gateway"
)

// Descriptions of the metrics read at scrape time from what the host and the
// transport keep.
var (
	droppedDesc = prometheus.NewDesc(namespace+"_events_dropped_total",
		"Events dropped: reason inbox_full (a script's inbox was full; the oldest waiting event went, by script) or duplicate (the dedup window had it already; script empty).",
		[]string{"reason", "script"}, nil)
	stateDesc = prometheus.NewDesc(namespace+"_gateway_state",
		"1 for the state each shard is in now (idle, connecting, identifying, resuming, ready, backoff, stopped, fatal), 0 for the others.",
		[]string{"shard", "state"}, nil)
	memoryDesc = prometheus.NewDesc(namespace+"_script_memory_bytes",
		"The last estimate of what each script keeps reachable between events.",
		[]string{"script"}, nil)
	timersDesc = prometheus.NewDesc(namespace+"_timers_pending",
		"Timers each script has waiting to fire.",
		[]string{"script"}, nil)
	inflightDesc = prometheus.NewDesc(namespace+"_handlers_inflight",
		"Handlers each script has running or parked (waiting on REST, sleep or wait_for).",
		[]string{"script"}, nil)
	queuedDesc = prometheus.NewDesc(namespace+"_inbox_queued",
		"Events and timer ticks waiting in each script's inbox.",
		[]string{"script"}, nil)
)

// gatewayStates are the values a shard's state takes, so that each shard has one
// series per state (1 for the current one) and a state change does not leave a stale
// series behind.
var gatewayStates = []gateway.State{gateway.StateIdle, gateway.StateConnecting, gateway.StateIdentifying,
	gateway.StateResuming, gateway.StateReady, gateway.StateBackoff, gateway.StateStopped, gateway.StateFatal}

// scrapeCollector reads the host's and the transport's state at each scrape.
type scrapeCollector struct{ m *Metrics }

func (c scrapeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{droppedDesc, stateDesc, memoryDesc, timersDesc, inflightDesc, queuedDesc} {
		ch <- d
	}
}

func (c scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.m
	m.inboxDrops.Range(func(k, v any) bool {
		ch <- prometheus.MustNewConstMetric(droppedDesc, prometheus.CounterValue, float64(v.(interface{ Load() uint64 }).Load()), "inbox_full", k.(string))
		return true
	})
	if f := m.transportStat.Load(); f != nil {
		st := (*f)()
		ch <- prometheus.MustNewConstMetric(droppedDesc, prometheus.CounterValue, float64(st.Duplicates), "duplicate", "")
		for _, sh := range st.Shards {
			shard := shardLabel(sh.Shard[0])
			for _, s := range gatewayStates {
				v := 0.0
				if sh.State == s {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(stateDesc, prometheus.GaugeValue, v, shard, string(s))
			}
		}
	}
	if f := m.hostStats.Load(); f != nil {
		for _, s := range (*f)() {
			ch <- prometheus.MustNewConstMetric(memoryDesc, prometheus.GaugeValue, float64(s.Memory), s.Name)
			ch <- prometheus.MustNewConstMetric(timersDesc, prometheus.GaugeValue, float64(s.Timers), s.Name)
			ch <- prometheus.MustNewConstMetric(inflightDesc, prometheus.GaugeValue, float64(s.Inflight), s.Name)
			ch <- prometheus.MustNewConstMetric(queuedDesc, prometheus.GaugeValue, float64(s.Queued), s.Name)
		}
	}
}
