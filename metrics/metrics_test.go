package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/metrics"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/transport"
)

// roundTrip answers every request without a network: 200 {} (429 for every 7th, so the
// rate-limit and retry metrics see traffic too).
type roundTrip struct{ n int }

func (rt *roundTrip) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.n++
	status := http.StatusOK
	if rt.n%7 == 0 {
		status = http.StatusTooManyRequests
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{}`)), Request: req}, nil
}

// scrape fetches /metrics over HTTP.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %v", resp.StatusCode, err)
	}
	return string(b)
}

// 10 000 events from distinct users, each answered over REST with ids in the path and
// handled by a script, leave the number of luabot series where it was after the first
// hundred, and no id in any label.
func TestMetrics_LabelCardinalityBoundedAfter10000DistinctUsers(t *testing.T) {
	m := metrics.New()
	api, err := openapi.New(openapi.Config{AppID: "1", Token: "t", BaseURL: "http://127.0.0.1:1",
		HTTPClient: &http.Client{Transport: &roundTrip{}}, Observer: m, MaxRetries: 1, RetryBackoff: time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	script := m.Script("echo")
	types := []string{"AT_MESSAGE_CREATE", "GROUP_AT_MESSAGE_CREATE", "C2C_MESSAGE_CREATE", "DIRECT_MESSAGE_CREATE"}
	ctx := context.Background()
	event := func(i int) {
		user := fmt.Sprintf("user%07d", i)
		typ := types[i%len(types)]
		if i%50 == 0 {
			typ = "SOMETHING_NEW_" + user // a type luabot does not know, from the wire
		}
		m.Event(i%2, typ)
		paths := []string{
			"/channels/chan" + user + "/messages",
			"/v2/users/" + user + "/messages",
			"/guilds/g1/members/" + user,
			"/custom/" + user + "/endpoint", // qq.request to an endpoint luabot does not declare
		}
		method := []string{"POST", "POST", "GET", "PATCH"}[i%4]
		_ = api.Do(ctx, method, paths[i%4], nil, map[string]string{"content": "hi " + user}, nil)
		outcome := []string{host.OutcomeOK, host.OutcomeError, host.OutcomeKilledCPU}[i%3]
		script.HandlerDone(typ, outcome, time.Duration(i)*time.Microsecond)
		m.Commit(time.Microsecond, nil)
	}
	for i := range 1000 {
		event(i)
	}
	before := seriesCount(t, m)
	for i := 1000; i < 10_000; i++ {
		event(i)
	}
	after := seriesCount(t, m)
	if after != before {
		t.Errorf("luabot series grew from %d to %d with 9 000 more distinct users", before, after)
	}
	if after > 400 {
		t.Errorf("%d luabot series: more than a bounded set of labels could make", after)
	}
	text := scrape(t, m)
	for _, needle := range []string{"user0", "chanuser", "SOMETHING_NEW", "custom", "hi "} {
		if strings.Contains(text, needle) {
			t.Errorf("/metrics contains %q", needle)
		}
	}
	for _, want := range []string{
		`luabot_rest_requests_total{method="POST",route="/channels/{channel_id}/messages",status="2xx"}`,
		`luabot_rest_requests_total{method="POST",route="/v2/users/{openid}/messages",status="2xx"}`,
		`luabot_rest_requests_total{method="PATCH",route="other",status="2xx"}`,
		`luabot_rest_rate_limited_total{method="GET",route="/guilds/{guild_id}/members/{user_id}"}`,
		`luabot_rest_retries_total{method="GET",route="/guilds/{guild_id}/members/{user_id}"}`,
		`luabot_events_received_total{shard="0",type="other"} 200`,
		`luabot_events_received_total{shard="1",type="GROUP_AT_MESSAGE_CREATE"}`,
		`luabot_handler_runs_total{event="other",outcome=`,
		`luabot_handler_runs_total{event="AT_MESSAGE_CREATE",outcome="killed_cpu",script="echo"}`,
		`luabot_handler_duration_seconds_count{script="echo"} 10000`,
		`luabot_kv_commits_total{result="ok"} 10000`,
		"go_goroutines", "process_cpu_seconds_total",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// seriesCount counts the luabot_* series in the registry.
func seriesCount(t *testing.T, m *metrics.Metrics) int {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "luabot_") {
			n += len(f.GetMetric())
			checkLabels(t, f)
		}
	}
	return n
}

func checkLabels(t *testing.T, f *dto.MetricFamily) {
	for _, mt := range f.GetMetric() {
		for _, l := range mt.GetLabel() {
			if strings.Contains(l.GetValue(), "user0") {
				t.Fatalf("%s has label %s=%q", f.GetName(), l.GetName(), l.GetValue())
			}
		}
	}
}

// The values read at scrape time come from the host's and the transport's own
// reports: shard states, dedup drops, memory, timers, inbox drops.
func TestMetrics_ScrapeTimeValues(t *testing.T) {
	m := metrics.New()
	m.WatchHost(func() []host.ScriptStats {
		return []host.ScriptStats{{Name: "quiz", Memory: 4096, Timers: 3, Inflight: 2, Queued: 1}}
	})
	m.WatchTransport(func() transport.StatusReport {
		r := transport.StatusReport{Duplicates: 5}
		r.Shards = append(r.Shards, shardStatus(0, "ready"), shardStatus(1, "backoff"))
		return r
	})
	s := m.Script("quiz")
	s.Dropped()
	s.Dropped()
	m.Reload("quiz", host.ReloadFailed)
	m.Reconnect(1, "resume")
	m.HeartbeatAck(0, 30*time.Millisecond)
	text := scrape(t, m)
	for _, want := range []string{
		`luabot_script_memory_bytes{script="quiz"} 4096`,
		`luabot_timers_pending{script="quiz"} 3`,
		`luabot_handlers_inflight{script="quiz"} 2`,
		`luabot_inbox_queued{script="quiz"} 1`,
		`luabot_events_dropped_total{reason="inbox_full",script="quiz"} 2`,
		`luabot_events_dropped_total{reason="duplicate",script=""} 5`,
		`luabot_gateway_state{shard="0",state="ready"} 1`,
		`luabot_gateway_state{shard="1",state="ready"} 0`,
		`luabot_gateway_state{shard="1",state="backoff"} 1`,
		`luabot_reloads_total{outcome="failed",script="quiz"} 1`,
		`luabot_gateway_reconnects_total{decision="resume",shard="1"} 1`,
		`luabot_gateway_heartbeat_rtt_seconds_count{shard="0"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// HandlerTimes sums up each script's handler durations, slowest mean first, with the
// 99th percentile's bucket bound.
func TestMetrics_HandlerTimes(t *testing.T) {
	m := metrics.New()
	fast, slow := m.Script("fast"), m.Script("slow")
	for i := 0; i < 100; i++ {
		fast.HandlerDone("message", "ok", 2*time.Millisecond)
		slow.HandlerDone("message", "ok", 40*time.Millisecond)
	}
	got := m.HandlerTimes()
	if len(got) != 2 || got[0].Script != "slow" || got[0].Runs != 100 || got[0].MeanMS < 39 || got[0].MeanMS > 41 ||
		got[0].P99MS != 50 || got[1].Script != "fast" || got[1].P99MS != 2.5 {
		t.Fatalf("HandlerTimes = %+v", got)
	}
}
