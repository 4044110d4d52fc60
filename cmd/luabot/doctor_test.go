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

// The intents check loads the scripts with the settings luabot run gives
// them: from the --config file, the environment and --conf.
func TestDoctor_LoadsScriptsWithTheirSettings(t *testing.T) {
	script := `local key = config.require("api_key")
on("GROUP_AT_MESSAGE_CREATE", function(ev) ev:reply("hi") end)`
	cases := []struct {
		name  string
		files map[string]string
		env   map[string]string
		args  func(dir string) []string
	}{
		{"the config file's secret table", map[string]string{"keyed.lua": script,
			"bot.toml": "load = [\"keyed.lua\"]\n[scripts.keyed.secret]\napi_key = \"${DOCTOR_TEST_KEY}\"\n"},
			map[string]string{"DOCTOR_TEST_KEY": "k1"},
			func(dir string) []string { return []string{"-c", filepath.Join(dir, "bot.toml")} }},
		{"the environment", map[string]string{"keyed.lua": script},
			map[string]string{"LUABOT_SECRET_KEYED_API_KEY": "k2"},
			func(dir string) []string { return []string{filepath.Join(dir, "keyed.lua")} }},
		{"--conf", map[string]string{"keyed.lua": script}, nil,
			func(dir string) []string {
				return []string{"--conf", "keyed.api_key=k3", filepath.Join(dir, "keyed.lua")}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doctorAgainst(t, sim.Config{})
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			dir := mustFiles(t, tc.files)
			code, out, errOut := runCLI(append([]string{"doctor"}, tc.args(dir)...)...)
			if code != 0 {
				t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			wantLines(t, out, map[string]string{"intents: an Identify with GROUP_AND_C2C_EVENT was accepted": "✓"})
		})
	}
	t.Run("a wrong --conf is a usage error before any check", func(t *testing.T) {
		doctorAgainst(t, sim.Config{})
		dir := mustFiles(t, map[string]string{"keyed.lua": script})
		code, out, errOut := runCLI("doctor", "--conf", "nodot", filepath.Join(dir, "keyed.lua"))
		if code != 2 || out != "" || !strings.Contains(errOut, "want NAME.key=value") {
			t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})
}
