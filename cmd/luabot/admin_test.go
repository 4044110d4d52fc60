package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// adminURL waits for the "admin listening" line and returns its URL.
func (s *session) adminURL() string {
	s.t.Helper()
	s.waitStderr(`msg="admin listening"`)
	m := regexp.MustCompile(`msg="admin listening" url=(\S+)`).FindStringSubmatch(s.stderr.String())
	if m == nil {
		s.t.Fatalf("no admin URL on stderr:\n%s", s.stderr.String())
	}
	return m[1]
}

// get fetches url with the bearer token (none when empty).
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually polls check every 20 ms until it reports true, failing after 15 s with
// what it last said.
func eventually(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened; last:\n%s", what, last)
		}
		<-tick.C
	}
}

// luabot run --admin against the simulator: /readyz says why it is not ready while the
// token service is down and flips to ready once the shard is connected; after a few
// messages from distinct users /metrics has the series with the expected labels and
// no id in them.
func TestRun_AdminMetricsAndReadiness(t *testing.T) {
	fastStart(t, time.Millisecond)
	platform := simtest.Start(t, sim.Config{})
	// The token service is down until the test lifts it.
	if err := platform.Inject(sim.Fault{Kind: sim.FaultTokenStatus, Status: http.StatusServiceUnavailable, Count: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	s := start(t, "run", "--app-id", platform.AppID(), "--secret", platform.Secret(),
		"--api", platform.APIURL(), "--token-url", platform.TokenURL(), "--admin", "127.0.0.1:0",
		"--data", filepath.Join(t.TempDir(), "k.db"), "../../examples/echo.lua")
	url := s.adminURL()
	if code, body := get(t, url+"/healthz", ""); code != http.StatusOK {
		t.Fatalf("/healthz while starting: %d %s", code, body)
	}
	s.waitStderr("attempt=2")
	code, body := get(t, url+"/readyz", "")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"reason"`) {
		t.Fatalf("/readyz while the token service is down: %d %s", code, body)
	}
	// One more failure, then the token service answers.
	if err := platform.Inject(sim.Fault{Kind: sim.FaultTokenStatus, Status: http.StatusServiceUnavailable, Count: 1}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "/readyz answers 200", func() (bool, string) {
		code, body := get(t, url+"/readyz", "")
		return code == http.StatusOK && strings.Contains(body, `"state": "ready"`), body
	})

	world := platform.World()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	const n = 3
	for i := range n {
		user := world.Members[i%len(world.Members)]
		if _, err := platform.Post(sim.Post{AuthorID: user.ID, Content: "hello", MentionBot: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := platform.WaitSent(ctx, i); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
	}
	// A handler's run, its duration and its REST call are each recorded when
	// they end, not in one step: wait until every series has caught up.
	wants := []string{
		`luabot_handler_runs_total{event="AT_MESSAGE_CREATE",outcome="ok",script="echo"} 3`,
		`luabot_events_received_total{shard="0",type="AT_MESSAGE_CREATE"} 3`,
		`luabot_events_received_total{shard="0",type="READY"} 1`,
		`luabot_handler_duration_seconds_count{script="echo"} 3`,
		`luabot_rest_requests_total{method="POST",route="/channels/{channel_id}/messages",status="2xx"} 3`,
		`luabot_rest_request_duration_seconds_count{method="GET",route="/gateway/bot"}`,
		`luabot_gateway_state{shard="0",state="ready"} 1`,
		`luabot_script_memory_bytes{script="echo"}`,
		`luabot_timers_pending{script="echo"} 0`,
		`luabot_events_dropped_total{reason="duplicate",script=""} 0`,
		`luabot_kv_commits_total{result="ok"}`,
		"go_goroutines", "process_resident_memory_bytes",
	}
	var text string
	eventually(t, "/metrics has every series", func() (bool, string) {
		_, text = get(t, url+"/metrics", "")
		for _, want := range wants {
			if !strings.Contains(text, want) {
				return false, "lacks " + want + " in:\n" + text
			}
		}
		return true, ""
	})
	for _, id := range []string{world.Channels[0].ID, world.Members[0].ID, world.Bot.ID, platform.Secret()} {
		if strings.Contains(text, id) {
			t.Errorf("/metrics contains the id or secret %q", id)
		}
	}
	s.cancel()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
}

// With --admin-token every endpoint wants it; a wrong or missing one gets 401 and the
// log never shows either token.
func TestRun_AdminToken(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{})
	const token, wrong = "adm-Rk29xq", "nope-Vb31"
	s := start(t, "run", "--app-id", platform.AppID(), "--secret", platform.Secret(),
		"--api", platform.APIURL(), "--token-url", platform.TokenURL(),
		"--admin", "127.0.0.1:0", "--admin-token", token,
		"--data", filepath.Join(t.TempDir(), "k.db"), "../../examples/echo.lua")
	url := s.adminURL()
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		if code, _ := get(t, url+path, ""); code != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d", path, code)
		}
		if code, _ := get(t, url+path, wrong); code != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %d", path, code)
		}
	}
	if code, body := get(t, url+"/healthz", token); code != http.StatusOK {
		t.Errorf("/healthz with the token: %d %s", code, body)
	}
	s.waitStderr(`msg="admin request refused"`)
	s.cancel()
	s.exitCode()
	out := s.stderr.String()
	for _, secret := range []string{token, wrong, platform.Secret()} {
		if strings.Contains(out, secret) {
			t.Errorf("stderr shows %q:\n%s", secret, out)
		}
	}
}

// Listening beyond loopback without a token is refused before anything starts, naming
// the flag.
func TestRun_AdminOffLoopbackNeedsAToken(t *testing.T) {
	t.Parallel()
	s := start(t, "run", "--app-id", "1", "--secret", "s", "--admin", "0.0.0.0:0", "--data",
		filepath.Join(t.TempDir(), "k.db"), "../../examples/echo.lua")
	if code := s.exitCode(); code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, s.stderr.String())
	}
	out := s.stderr.String()
	if !strings.Contains(out, "--admin-token") || strings.Contains(out, "Token:") {
		t.Fatalf("stderr does not name the flag (or names the Config field):\n%s", out)
	}
}

// dev opens an admin listener on a free loopback port by itself and says where on
// stderr; stdout stays the chat.
func TestDev_OpensAdminOnLoopback(t *testing.T) {
	t.Parallel()
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "k.db"), "../../examples/echo.lua")
	s.expect("Ctrl-D quits")
	url := s.adminURL()
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("admin URL %q is not loopback", url)
	}
	eventually(t, "/readyz answers 200", func() (bool, string) {
		code, body := get(t, url+"/readyz", "")
		return code == http.StatusOK, body
	})
	if _, err := io.WriteString(s.stdin, "ping\n"); err != nil {
		t.Fatal(err)
	}
	s.expect("bot> ping")
	eventually(t, "/metrics counts the reply", func() (bool, string) {
		_, text := get(t, url+"/metrics", "")
		return strings.Contains(text, `luabot_rest_requests_total{method="POST",route="/channels/{channel_id}/messages",status="2xx"} 1`), text
	})
	s.stdin.Close()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
}
