package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// doctorAgainst starts a simulator with cfg and points the credential variables at it.
func doctorAgainst(t *testing.T, cfg sim.Config) *sim.Server {
	t.Helper()
	platform := simtest.Start(t, cfg)
	t.Setenv("QQBOT_APP_ID", platform.AppID())
	t.Setenv("QQBOT_SECRET", platform.Secret())
	t.Setenv("QQBOT_API", platform.APIURL())
	t.Setenv("QQBOT_TOKEN_URL", platform.TokenURL())
	return platform
}

// wantLines checks that each want appears in a line of out that starts with its mark.
func wantLines(t *testing.T, out string, want map[string]string) {
	t.Helper()
	for text, mark := range want {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, mark) && strings.Contains(line, text) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %q line containing %q in:\n%s", mark, text, out)
		}
	}
}

func TestDoctor_AllChecksPass(t *testing.T) {
	doctorAgainst(t, sim.Config{})
	code, out, errOut := runCLI("doctor", "../../examples/echo.lua")
	if code != 0 || strings.Contains(out, "✗") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	wantLines(t, out, map[string]string{
		"credentials: the token service issued an access token": "✓",
		"REST: users/@me answers":                               "✓",
		"session starts left today":                             "✓",
		"intents: an Identify with":                             "✓",
		"clock: within":                                         "✓",
	})
}

func TestDoctor_NamesWhatToFix(t *testing.T) {
	t.Run("a wrong AppSecret", func(t *testing.T) {
		doctorAgainst(t, sim.Config{})
		t.Setenv("QQBOT_SECRET", "wrong-secret")
		code, out, _ := runCLI("doctor")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		wantLines(t, out, map[string]string{"check --secret (QQBOT_SECRET)": "✗", "skipped": "·"})
		if strings.Contains(out, "wrong-secret") {
			t.Errorf("the output shows the secret:\n%s", out)
		}
	})
	t.Run("a machine missing from the IP allow-list", func(t *testing.T) {
		doctorAgainst(t, sim.Config{IPAllowList: []string{"203.0.113.7"}})
		code, out, _ := runCLI("doctor")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		wantLines(t, out, map[string]string{"IP allow-list": "✗", "credentials:": "✓"})
	})
	t.Run("an intent the bot was not granted", func(t *testing.T) {
		doctorAgainst(t, sim.Config{GrantedIntents: sim.IntentGuilds | sim.IntentGuildMembers | sim.IntentPublicGuildMessages})
		dir := mustFiles(t, map[string]string{"groups.lua": `on("GROUP_AT_MESSAGE_CREATE", function(ev) ev:reply("hi") end)`})
		code, out, _ := runCLI("doctor", filepath.Join(dir, "groups.lua"))
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		wantLines(t, out, map[string]string{"does not grant GROUP_AND_C2C_EVENT": "✗", "GROUP_AT_MESSAGE_CREATE": "✗"})
	})
	t.Run("a webhook port the platform does not call", func(t *testing.T) {
		doctorAgainst(t, sim.Config{})
		code, out, _ := runCLI("doctor", "--transport", "webhook", "--listen", "127.0.0.1:9999")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		wantLines(t, out, map[string]string{"ports 80, 443, 8080 and 8443 only": "✗"})
	})
}
