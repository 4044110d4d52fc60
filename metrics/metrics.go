package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/transport"
)

const namespace = "luabot"

// Metrics is the registry and every luabot metric in it. Build it with New, hand it to
// the packages as their Observer, and tell it where to read scrape-time values with
// WatchHost and WatchTransport.
type Metrics struct {
	reg *prometheus.Registry

	events        *prometheus.CounterVec
	eventCache    sync.Map // eventKey → prometheus.Counter
	handlerRuns   *prometheus.CounterVec
	handlerTime   *prometheus.HistogramVec
	restRequests  *prometheus.CounterVec
	restRetries   *prometheus.CounterVec
	restLimited   *prometheus.CounterVec
	restTime      *prometheus.HistogramVec
	reconnects    *prometheus.CounterVec
	heartbeat     *prometheus.HistogramVec
	kvCommits     *prometheus.CounterVec
	kvCommitTime  prometheus.Histogram
	reloads       *prometheus.CounterVec
	capDenied     *prometheus.CounterVec
	inboxDrops    sync.Map // script name → *atomic.Uint64
	hostStats     atomic.Pointer[func() []host.ScriptStats]
	transportStat atomic.Pointer[func() transport.StatusReport]
}

// Interface guards: the observers the packages declare.
var (
	_ host.Observer      = (*Metrics)(nil)
	_ transport.Observer = (*Metrics)(nil)
	_ gateway.Observer   = (*Metrics)(nil)
	_ openapi.Observer   = (*Metrics)(nil)
	_ kv.Observer        = (*Metrics)(nil)

	_ host.CapabilityObserver = (*scriptObserver)(nil)
)

// New builds a registry with the Go runtime and process collectors and every luabot
// metric.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "events_received_total",
		Help: "Events received from the platform, before the dedup window, by shard (\"webhook\" for webhooks) and type (\"other\" for types luabot does not know)."},
		[]string{"shard", "type"})
	m.handlerRuns = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "handler_runs_total",
		Help: "Handler, timer callback and command runs that ended, by script, event and outcome (ok, error, killed_cpu, killed_memory)."},
		[]string{"script", "event", "outcome"})
	m.handlerTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "handler_duration_seconds",
		Help:    "Time from a handler's start to its end, waits on REST calls, sleep and wait_for included, by script.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}},
		[]string{"script"})
	m.restRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "rest_requests_total",
		Help: "REST exchanges (each retry is one) by route template, method and status class (2xx, 4xx, 5xx, or error when no answer came)."},
		[]string{"route", "method", "status"})
	m.restRetries = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "rest_retries_total",
		Help: "REST calls repeated after a 429, a 5xx or a transport failure, by route template and method."},
		[]string{"route", "method"})
	m.restLimited = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "rest_rate_limited_total",
		Help: "REST answers with status 429, by route template and method."},
		[]string{"route", "method"})
	m.restTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "rest_request_duration_seconds",
		Help:    "Time of one REST exchange, by route template and method.",
		Buckets: prometheus.DefBuckets},
		[]string{"route", "method"})
	m.reconnects = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "gateway_reconnects_total",
		Help: "Gateway disconnects by shard and what was decided: resume, identify or fatal."},
		[]string{"shard", "decision"})
	m.heartbeat = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "gateway_heartbeat_rtt_seconds",
		Help:    "Time from a gateway heartbeat to its ACK, by shard.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}},
		[]string{"shard"})
	m.kvCommits = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "kv_commits_total",
		Help: "kv write transactions (handler commits, kv.incr, kv.update, sessions) by result (ok or error)."},
		[]string{"result"})
	m.kvCommitTime = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Name: "kv_commit_duration_seconds",
		Help:    "Time of one kv write transaction, the wait for the write lock and the fsync included.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "reloads_total",
		Help: "Live reloads by script and outcome (ok, failed: the previous version keeps running, removed)."},
		[]string{"script", "outcome"})
	m.capDenied = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "capability_denied_total",
		Help: "Calls refused because the script's grant lacks the capability (send, active, request, shared_kv, admin, sends_per_minute), by script and capability."},
		[]string{"script", "capability"})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.events, m.handlerRuns, m.handlerTime,
		m.restRequests, m.restRetries, m.restLimited, m.restTime,
		m.reconnects, m.heartbeat, m.kvCommits, m.kvCommitTime, m.reloads, m.capDenied,
		scrapeCollector{m},
	)
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the registry itself, for tests and for mounting elsewhere.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// WatchHost makes each scrape read the scripts' memory estimates, pending timers,
// running handlers and queues from stats (host.Host.Stats).
func (m *Metrics) WatchHost(stats func() []host.ScriptStats) { m.hostStats.Store(&stats) }

// WatchTransport makes each scrape read the shards' states and the dedup count from
// status (transport.Source.Status); called again when the source is replaced.
func (m *Metrics) WatchTransport(status func() transport.StatusReport) {
	m.transportStat.Store(&status)
}

// shardLabel names a shard: its id, or "webhook".
func shardLabel(shard int) string {
	if shard == transport.WebhookShard {
		return "webhook"
	}
	return strconv.Itoa(shard)
}

// knownEvents are the event types the platform defines (dispatch.EventTypes): the
// only ones that become label values.
var knownEvents = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range dispatch.EventTypes() {
		m[t] = true
	}
	return m
}()

// handlerEvents are the host's own names for what starts a handler that is not a
// platform event.
var handlerEvents = map[string]bool{"timer": true, "unload": true}

// eventLabel bounds an event type to the known ones.
func eventLabel(t string) string {
	if knownEvents[t] || handlerEvents[t] {
		return t
	}
	return "other"
}

type eventKey struct {
	shard int
	typ   string
}

// Event implements transport.Observer: one event received on shard.
func (m *Metrics) Event(shard int, eventType string) {
	k := eventKey{shard, eventType}
	c, ok := m.eventCache.Load(k)
	if !ok {
		// An unknown type shares the "other" counter; the key is kept per raw type
		// only while the cache is small, so odd types cannot grow it without bound.
		label := eventLabel(eventType)
		counter := m.events.WithLabelValues(shardLabel(shard), label)
		if label == "other" {
			counter.Inc()
			return
		}
		c, _ = m.eventCache.LoadOrStore(k, counter)
	}
	c.(prometheus.Counter).Inc()
}

// Reconnect implements gateway.Observer.
func (m *Metrics) Reconnect(shard int, decision string) {
	m.reconnects.WithLabelValues(shardLabel(shard), decision).Inc()
}

// HeartbeatAck implements gateway.Observer.
func (m *Metrics) HeartbeatAck(shard int, rtt time.Duration) {
	m.heartbeat.WithLabelValues(shardLabel(shard)).Observe(rtt.Seconds())
}

// statusClass is a status code's class label: "2xx"…"5xx", or "error" for no answer.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "error"
	}
	return strconv.Itoa(status/100) + "xx"
}

// Request implements openapi.Observer.
func (m *Metrics) Request(route openapi.Route, status int, took time.Duration) {
	m.restRequests.WithLabelValues(route.Path, route.Method, statusClass(status)).Inc()
	m.restTime.WithLabelValues(route.Path, route.Method).Observe(took.Seconds())
	if status == http.StatusTooManyRequests {
		m.restLimited.WithLabelValues(route.Path, route.Method).Inc()
	}
}

// Retry implements openapi.Observer.
func (m *Metrics) Retry(route openapi.Route, status int) {
	m.restRetries.WithLabelValues(route.Path, route.Method).Inc()
}

// Commit implements kv.Observer.
func (m *Metrics) Commit(took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.kvCommits.WithLabelValues(result).Inc()
	m.kvCommitTime.Observe(took.Seconds())
}

// Reload implements host.Observer.
func (m *Metrics) Reload(script, outcome string) {
	m.reloads.WithLabelValues(script, outcome).Inc()
}

// Script implements host.Observer: the counters of one script version, looked up once.
func (m *Metrics) Script(name string) host.ScriptObserver {
	drops, _ := m.inboxDrops.LoadOrStore(name, new(atomic.Uint64))
	return &scriptObserver{m: m, name: name, took: m.handlerTime.WithLabelValues(name),
		drops: drops.(*atomic.Uint64), runs: map[runKey]prometheus.Counter{}}
}

type runKey struct{ event, outcome string }

// scriptObserver caches one script's labelled counters.
type scriptObserver struct {
	m     *Metrics
	name  string
	took  prometheus.Observer
	drops *atomic.Uint64

	mu   sync.Mutex
	runs map[runKey]prometheus.Counter
}

func (s *scriptObserver) HandlerDone(event, outcome string, took time.Duration) {
	k := runKey{event, outcome}
	s.mu.Lock()
	c, ok := s.runs[k]
	if !ok {
		c = s.m.handlerRuns.WithLabelValues(s.name, eventLabel(event), outcome)
		s.runs[k] = c
	}
	s.mu.Unlock()
	c.Inc()
	s.took.Observe(took.Seconds())
}

func (s *scriptObserver) Dropped() { s.drops.Add(1) }

// CapabilityDenied implements host.CapabilityObserver. Capabilities are a
// handful of fixed names, so the label set stays small; refusals are rare, so
// the lookup is not cached.
func (s *scriptObserver) CapabilityDenied(capability string) {
	s.m.capDenied.WithLabelValues(s.name, capability).Inc()
}
