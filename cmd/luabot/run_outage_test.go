package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// waitStderr blocks until the session's stderr contains want, or fails after 15 s.
func (s *session) waitStderr(want string) {
	s.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		changed := s.stderr.changed()
		if strings.Contains(s.stderr.String(), want) {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			s.t.Fatalf("stderr never contained %q:\n%s", want, s.stderr.String())
		}
	}
}

// fastStart shortens the wait between start-up attempts for one test.
func fastStart(t *testing.T, d time.Duration) {
	old := startBackoff
	startBackoff = d
	t.Cleanup(func() { startBackoff = old })
}

// An outage of the token service and of GET /gateway/bot while the bot starts: run
// retries, logs each attempt, and connects and replies once the platform is back.
func TestRun_StartsThroughAnOutage(t *testing.T) {
	fastStart(t, time.Millisecond)
	// The REST client's own retries of GET /gateway/bot wait 0.5, 1 and 2 s.
	retryBackoff = time.Millisecond
	t.Cleanup(func() { retryBackoff = 0 })
	platform := simtest.Start(t, sim.Config{})
	const tokenDown = 5
	if err := platform.Inject(sim.Fault{Kind: sim.FaultTokenStatus, Status: http.StatusServiceUnavailable, Count: tokenDown}); err != nil {
		t.Fatal(err)
	}
	// GET /gateway/bot fails once more than the REST client's own 3 retries: the host's
	// start-up loop has to ask again.
	if err := platform.Inject(sim.Fault{Kind: sim.FaultRESTStatus, Status: http.StatusBadGateway, Count: 4}); err != nil {
		t.Fatal(err)
	}
	s := start(t, "run", "--app-id", platform.AppID(), "--secret", platform.Secret(),
		"--api", platform.APIURL(), "--token-url", platform.TokenURL(),
		"--data", filepath.Join(t.TempDir(), "k.db"), "../../examples/echo.lua")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v; stderr:\n%s", err, s.stderr.String())
	}
	if _, err := platform.Post(sim.Post{Content: "back", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if m, err := platform.WaitSent(ctx, 0); err != nil || m.Content != "back" {
		t.Fatalf("reply %q, %v", m.Content, err)
	}
	s.cancel()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
	out := s.stderr.String()
	var tokenLines, gatewayLines int
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, "start-up step failed; retrying") {
			continue
		}
		switch {
		case strings.Contains(line, `step="get access token"`):
			tokenLines++
		case strings.Contains(line, `step="GET /gateway/bot"`):
			gatewayLines++
		}
		if !strings.Contains(line, "attempt=") || !strings.Contains(line, "retry_in=") {
			t.Errorf("retry line lacks attempt or retry_in: %s", line)
		}
	}
	if tokenLines != tokenDown || gatewayLines != 1 {
		t.Errorf("%d token and %d gateway retry lines, want %d and 1; stderr:\n%s", tokenLines, gatewayLines, tokenDown, out)
	}
	if strings.Contains(out, platform.Secret()) {
		t.Fatal("stderr contains the secret")
	}
	if strings.Contains(out, "get gateway: get gateway") {
		t.Error("doubled prefix in an error")
	}
}

// Ctrl-C while run waits for the token service ends it at once, with status 0.
func TestRun_InterruptDuringStartRetry(t *testing.T) {
	fastStart(t, time.Hour) // the retry wait would outlast the test
	platform := simtest.Start(t, sim.Config{})
	if err := platform.Inject(sim.Fault{Kind: sim.FaultTokenStatus, Status: http.StatusServiceUnavailable, Count: 1000}); err != nil {
		t.Fatal(err)
	}
	s := start(t, "run", "--app-id", platform.AppID(), "--secret", platform.Secret(),
		"--api", platform.APIURL(), "--token-url", platform.TokenURL(),
		"--data", filepath.Join(t.TempDir(), "k.db"), "../../examples/echo.lua")
	s.waitStderr("start-up step failed; retrying")
	began := time.Now()
	s.cancel()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("exit took %v after the interrupt", d)
	}
}

// Answers that waiting cannot change end run at once: status 1 and one line naming the
// flag to fix, without the secret.
func TestRun_RefusedCredentialsExitAtOnce(t *testing.T) {
	fastStart(t, time.Hour) // a retry would hang the test
	platform := simtest.Start(t, sim.Config{})
	legacyOff := simtest.Start(t, sim.Config{Platform2025: true})
	tests := []struct {
		name     string
		platform *sim.Server
		creds    []string
		want     []string
		hidden   string
	}{
		{"wrong secret", platform, []string{"--app-id", platform.AppID(), "--secret", "not-the-secret-at-all"},
			[]string{"100016", "--secret"}, "not-the-secret-at-all"},
		{"unknown app id", platform, []string{"--app-id", "999", "--secret", platform.Secret()},
			[]string{"100007", "--app-id"}, platform.Secret()},
		{"wrong legacy token", platform, []string{"--app-id", platform.AppID(), "--token", "not-the-bot-token"},
			[]string{"11244", "--token"}, "not-the-bot-token"},
		{"legacy tokens disabled", legacyOff, []string{"--app-id", legacyOff.AppID(), "--token", legacyOff.BotToken()},
			[]string{"11245", "--secret"}, legacyOff.BotToken()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr syncBuffer
			args := append([]string{"luabot", "run"}, tt.creds...)
			args = append(args, "--api", tt.platform.APIURL(), "--token-url", tt.platform.TokenURL(),
				"--data", filepath.Join(t.TempDir(), "k.db"), "../../examples/echo.lua")
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			code := run(ctx, args, strings.NewReader(""), io.Discard, &stderr)
			if ctx.Err() != nil {
				t.Fatalf("run waited instead of exiting; stderr:\n%s", stderr.String())
			}
			if code != 1 {
				t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr.String())
			}
			var last string
			for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
				if strings.HasPrefix(line, "luabot: ") {
					if last != "" {
						t.Errorf("more than one error line:\n%s", stderr.String())
					}
					last = line
				}
			}
			for _, want := range tt.want {
				if !strings.Contains(last, want) {
					t.Errorf("error line %q lacks %q", last, want)
				}
			}
			if strings.Contains(stderr.String(), "retrying") {
				t.Errorf("a refusal was retried:\n%s", stderr.String())
			}
			if strings.Contains(stderr.String(), tt.hidden) {
				t.Errorf("stderr shows the credential:\n%s", stderr.String())
			}
		})
	}
}
