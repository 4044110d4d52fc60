package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// twoBotFile writes a config file for two bots on two simulated apps, their
// secrets in environment variables.
func twoBotFile(t *testing.T, alpha, beta *sim.Server, betaSecret string) (path, dir string) {
	t.Helper()
	dir = t.TempDir()
	echo, err := filepath.Abs("../../examples/echo.lua")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALPHA_SECRET", alpha.Secret())
	t.Setenv("BETA_SECRET", betaSecret)
	path = filepath.Join(dir, "luabot.toml")
	doc := fmt.Sprintf(`# two bots in one process
log_level = "info"

[bots.alpha]
app_id = %q
secret = "${ALPHA_SECRET}"
api = %q
token_url = %q
load = [%q]

[bots.beta]
app_id = %q
secret = "${BETA_SECRET}"
api = %q
token_url = %q
load = [%q]
data = "beta.db"
`, alpha.AppID(), alpha.APIURL(), alpha.TokenURL(), echo, beta.AppID(), beta.APIURL(), beta.TokenURL(), echo)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, dir
}

// answers posts text to the platform and waits for the bot's echo.
func answers(t *testing.T, platform *sim.Server, i int, text string, s *session) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v; stderr:\n%s", err, s.stderr.String())
	}
	if _, err := platform.Post(sim.Post{Content: text, MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if m, err := platform.WaitSent(ctx, i); err != nil || m.Content != text {
		t.Fatalf("reply %q, %v; stderr:\n%s", m.Content, err, s.stderr.String())
	}
}

// Two bots of one file run in one process, each on its own app, each
// answering; their log lines carry bot=NAME; status -c names both.
func TestRunConfig_TwoBotsBothAnswer(t *testing.T) {
	alpha, beta := simtest.Start(t, sim.Config{}), simtest.Start(t, sim.Config{})
	path, dir := twoBotFile(t, alpha, beta, beta.Secret())
	s := start(t, "run", "-c", path)
	answers(t, alpha, 0, "to alpha", s)
	answers(t, beta, 0, "to beta", s)
	s.cancel()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
	out := s.stderr.String()
	for _, want := range []string{"bot=alpha", "bot=beta"} {
		if !strings.Contains(out, want) {
			t.Errorf("no log line carries %s:\n%s", want, out)
		}
	}
	for _, secret := range []string{alpha.Secret(), beta.Secret()} {
		if strings.Contains(out, secret) {
			t.Fatal("stderr contains a secret")
		}
	}
	// Each bot has its own data file: alpha's default, beta's named.
	for _, f := range []string{"luabot-alpha.db", "beta.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("data file: %v", err)
		}
	}
	// status reads no secret: the variables the file names need not be set.
	os.Unsetenv("ALPHA_SECRET") // t.Setenv restores it
	code, stdout, errOut := runCLI("status", "-c", path)
	if code != 0 {
		t.Fatalf("status: exit %d\n%s%s", code, stdout, errOut)
	}
	for _, want := range []string{"bot alpha (", "bot alpha: pid", "bot beta (", "bot beta: pid"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("status does not say %q:\n%s", want, stdout)
		}
	}
}

// A bot whose credentials are refused is logged and started again, by name,
// while the other one answers; the process keeps running.
func TestRunConfig_RefusedBotIsRetriedOthersRun(t *testing.T) {
	old := botRetry
	botRetry = 10 * time.Millisecond
	t.Cleanup(func() { botRetry = old })
	alpha, beta := simtest.Start(t, sim.Config{}), simtest.Start(t, sim.Config{})
	path, _ := twoBotFile(t, alpha, beta, "not-the-secret-0123456789")
	s := start(t, "run", "-c", path)
	answers(t, alpha, 0, "still here", s)
	// Two failures of beta's, each logged with its name: it is being retried.
	deadline := time.After(15 * time.Second)
	for strings.Count(s.stderr.String(), "bot stopped") < 2 {
		select {
		case <-s.stderr.changed():
		case <-deadline:
			t.Fatalf("beta not retried; stderr:\n%s", s.stderr.String())
		}
	}
	answers(t, alpha, 1, "and still", s)
	s.cancel()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
	for _, line := range strings.Split(s.stderr.String(), "\n") {
		if strings.Contains(line, "bot stopped") && (!strings.Contains(line, "bot=beta") || !strings.Contains(line, "check secret in [bots.beta] ("+path+":")) {
			t.Errorf("failure line does not name beta and the fix: %s", line)
		}
	}
	if strings.Contains(s.stderr.String(), "not-the-secret") {
		t.Fatal("stderr contains the secret")
	}
}

// A mistake in the file is a usage error (exit 2) naming file:line and the
// fix, found before anything connects: the API address is one nothing
// listens on, so a connection attempt would show as another error.
func TestRunConfig_BadInput(t *testing.T) {
	dir := t.TempDir()
	echo, _ := filepath.Abs("../../examples/echo.lua")
	bot := func(name, extra string) string {
		return fmt.Sprintf("[bots.%s]\napp_id = \"1\"\nsecret = \"${LUABOT_TEST_SECRET}\"\napi = \"http://127.0.0.1:1\"\nload = [%q]\n%s", name, echo, extra)
	}
	t.Setenv("LUABOT_TEST_SECRET", "s3cr3t-value")
	tests := []struct {
		name string
		doc  string
		args []string
		want []string
	}{
		{"syntax", "app_id = \"1\"\n[scripts.weather]\nunits = metric\n", nil,
			[]string{":3: units = metric: text is quoted in TOML: write units = \"metric\""}},
		// An unquoted secret is not repeated: the error goes to logs.
		{"unquoted secret", "app_id = \"1\"\nsecret = s3cr3t-value\n", nil,
			[]string{":2: secret: text is quoted in TOML: write secret = \"…\""}},
		{"unquoted script secret", bot("a", "[bots.a.scripts.weather.secret]\ncity = s3cr3t-value # x\n"), nil,
			[]string{":7: city: text is quoted in TOML"}},
		{"unquoted secret-looking setting", "app_id = \"1\"\n[scripts.weather]\n\"api_key\" = s3cr3t-value\n", nil,
			[]string{":3: \"api_key\": text is quoted in TOML"}},
		{"unquoted admin token", "app_id = \"1\"\n[admin]\ntoken = s3cr3t-value\n", nil,
			[]string{":3: token: text is quoted in TOML"}},
		{"unknown key", bot("a", "scret = \"x\"\n"), nil,
			[]string{":6: unknown key \"scret\" in [bots.a]: did you mean \"secret\"?"}},
		{"unknown top-level key", "app_id = \"1\"\nlog_levl = \"debug\"\n", nil,
			[]string{":2: unknown key \"log_levl\" at the top level: did you mean \"log_level\"?"}},
		{"duplicated bot", bot("a", "") + bot("b", "") + bot("a", ""), nil,
			[]string{":11: bot \"a\" is described twice", "rename one"}},
		{"missing environment variable", bot("a", "") + "[bots.b]\napp_id = \"2\"\nsecret = \"${LUABOT_TEST_NOT_SET}\"\n", nil,
			[]string{":8: bots.b.secret: the environment variable LUABOT_TEST_NOT_SET is not set: export it"}},
		{"shared data file", bot("a", "data = \"x.db\"\n") + bot("b", "data = \"./x.db\"\n"), nil,
			[]string{":12: bots \"a\" and \"b\" share the data file", "(line 6)", "give each bot its own data"}},
		{"shared default data file", "data = \"same.db\"\n" + bot("a", "") + bot("b", ""), nil,
			[]string{":1: bots \"a\" and \"b\" share the data file", "(line 1)"}},
		{"shared store namespace", bot("a", "store = \"redis://127.0.0.1:1/0\"\n") + bot("b", "store = \"redis://127.0.0.1:1/0\"\n"), nil,
			[]string{":12: bots \"a\" and \"b\" share the store namespace of app 1"}},
		{"missing script", "[bots.a]\napp_id = \"1\"\nsecret = \"x\"\nload = [\"nowhere.lua\"]\n", nil,
			[]string{":4: load: script " + filepath.Join(dir, "nowhere.lua") + " does not exist"}},
		{"bad duration", bot("a", "http_timeout = \"soon\"\n"), nil,
			[]string{":6: http_timeout = \"soon\": not a duration"}},
		{"list setting", "app_id = \"1\"\n[scripts.weather]\ntags = [\"a\", \"b\"]\n", nil,
			[]string{":3: scripts.weather.tags: a script's setting is text, not a list: write tags = \"…\""}},
		{"table secret", "app_id = \"1\"\n[scripts.weather.secret]\napi_key = {v = \"s3cr3t-value\"}\n", nil,
			[]string{":3: scripts.weather.secret.api_key: a script's setting is text, not a table"}},
		// Bot b is incomplete only so that, were a's settings not checked, run would stop at once.
		{"list secret of one of several bots", bot("a", "[bots.a.scripts.weather.secret]\napi_key = [\"s3cr3t-value\"]\n") + "[bots.b]\n", nil,
			[]string{":7: bots.a.scripts.weather.secret.api_key: a script's setting is text, not a list"}},
		{"wrong type", bot("a", "shards = \"4\"\n"), nil,
			[]string{":6: bots.a.shards: want a whole number, without quotes, got a TOML string: write shards = 4"}},
		// The fix in TOML's terms, never go-toml's Go types (main.fileKeys.TZ of type string).
		{"number for text", "app_id = \"1\"\ntz = 8\n", nil,
			[]string{":2: tz: want text in quotes, got a TOML integer: write tz = \"8\""}},
		{"number for a secret", "app_id = \"1\"\nsecret = 86420975\n", nil,
			[]string{":2: secret: want text in quotes, got a TOML integer: write secret = \"…\""}},
		{"number for a duration", "app_id = \"1\"\nmax_script_cpu = 4\n", nil,
			[]string{":2: max_script_cpu: want a duration in quotes, got a TOML integer: write max_script_cpu = \"4s\""}},
		{"text for a list", "app_id = \"1\"\nload = \"bots/\"\n", nil,
			[]string{":2: load: want a list, got a TOML string: write load = [\"bots/\"]"}},
		{"bot flag with several bots", bot("a", "") + bot("b", "data = \"b.db\"\n"), []string{"--tz", "UTC"},
			[]string{"--tz (or LUABOT_TZ) sets one bot, but", "describes several (a, b): write tz in each [bots.NAME] table"}},
		{"scripts on the command line with several bots", bot("a", "") + bot("b", "data = \"b.db\"\n"), []string{echo},
			[]string{"describes several bots (a, b): list each bot's scripts with load"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("bad%d.toml", i))
			if err := os.WriteFile(path, []byte(tt.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, errOut := runCLI(append([]string{"run", "-c", path}, tt.args...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr:\n%s", code, errOut)
			}
			for _, want := range tt.want {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr does not say %q:\n%s", want, errOut)
				}
			}
			if !strings.Contains(errOut, path) && !strings.Contains(tt.name, "flag") && !strings.Contains(tt.name, "command line") {
				t.Errorf("stderr does not name the file:\n%s", errOut)
			}
			if strings.Contains(errOut, "s3cr3t-value") {
				t.Fatal("stderr contains the secret")
			}
		})
	}
}

// A secret written in the file itself makes luabot warn when others may
// read the file, naming the file and never the value; doctor -c checks
// each bot, its lines prefixed with the bot's name.
func TestDoctorConfig_InlineSecretAndEveryBot(t *testing.T) {
	alpha, beta := simtest.Start(t, sim.Config{}), simtest.Start(t, sim.Config{})
	path, _ := twoBotFile(t, alpha, beta, beta.Secret())
	doc, _ := os.ReadFile(path)
	inline := strings.Replace(string(doc), "${BETA_SECRET}", beta.Secret(), 1)
	if err := os.WriteFile(path, []byte(inline), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("doctor", "-c", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"alpha: ✓ credentials", "beta: ✓ credentials", "alpha: ✓ REST", "beta: ✓ REST"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor does not say %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "holds a secret inline") || !strings.Contains(errOut, "file="+path) || !strings.Contains(errOut, "mode=0644") {
		t.Errorf("no permission warning naming the file:\n%s", errOut)
	}
	if strings.Contains(out+errOut, beta.Secret()) || strings.Contains(out+errOut, alpha.Secret()) {
		t.Fatal("the secret is in the output")
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, errOut := runCLI("doctor", "-c", path); strings.Contains(errOut, "holds a secret inline") {
		t.Errorf("warned about a 0600 file:\n%s", errOut)
	}
	// All secrets from the environment: no warning whatever the mode.
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, errOut := runCLI("doctor", "-c", path); strings.Contains(errOut, "holds a secret inline") {
		t.Errorf("warned with no inline secret:\n%s", errOut)
	}
}

// A single-bot file: its keys at the top level, its scripts under load; a
// flag given on the command line wins over the file.
func TestRunConfig_SingleBotFlagsOverrideTheFile(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	dir := t.TempDir()
	echo, _ := filepath.Abs("../../examples/echo.lua")
	t.Setenv("SOLO_SECRET", platform.Secret())
	path := filepath.Join(dir, "solo.toml")
	doc := fmt.Sprintf("app_id = %q\nsecret = \"${SOLO_SECRET}\"\napi = \"http://127.0.0.1:1\"\ntoken_url = %q\nload = [%q]\ndata = \"solo.db\"\n",
		platform.AppID(), platform.TokenURL(), echo)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, "run", "--config", path, "--api", platform.APIURL())
	answers(t, platform, 0, "solo", s)
	s.cancel()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "solo.db")); err != nil {
		t.Errorf("the data file is not beside the config file: %v", err)
	}
	if strings.Contains(s.stderr.String(), "bot=") {
		t.Errorf("a single bot's lines carry a bot name:\n%s", s.stderr.String())
	}
}

// A script's setting is text: numbers and true/false are taken as written.
func TestConfigFile_SettingsAreText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.toml")
	doc := "[scripts.w]\ncity = \"上海\"\nlimit = 5\nratio = 0.25\nloud = true\n[scripts.w.secret]\npin = 1234\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := readConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := f.bots[0].scripts["w"]
	want := map[string]any{"city": "上海", "limit": "5", "ratio": "0.25", "loud": "true", "secret": map[string]any{"pin": "1234"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("settings %v, want %v", got, want)
	}
}

// The store URL may hold the server's password: ${NAME} references are
// read as in the other secret keys, and a password written in the file
// makes luabot warn when others may read it.
func TestConfigFile_StoreIsASecretWhenItHoldsAPassword(t *testing.T) {
	t.Setenv("STORE_TEST_PW", "pw-from-env")
	t.Setenv("STORE_TEST_URL", "rediss://bot:pw-from-env@10.0.0.5:6379/0")
	for _, tc := range []struct {
		store, want string
		warn        bool
	}{
		{"rediss://bot:s3cret@10.0.0.5:6379/0", "rediss://bot:s3cret@10.0.0.5:6379/0", true},
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0", false},
		{"rediss://bot@10.0.0.5:6379/0", "rediss://bot@10.0.0.5:6379/0", false},
		{"rediss://bot:${STORE_TEST_PW}@10.0.0.5:6379/0", "rediss://bot:pw-from-env@10.0.0.5:6379/0", false},
		{"${STORE_TEST_URL}", "rediss://bot:pw-from-env@10.0.0.5:6379/0", false},
	} {
		path := filepath.Join(t.TempDir(), "bot.toml")
		if err := os.WriteFile(path, []byte("app_id = \"1\"\nstore = \""+tc.store+"\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := readConfigFile(path)
		if err != nil {
			t.Fatalf("%s: %v", tc.store, err)
		}
		if got := f.bots[0].flags["store"]; got != tc.want {
			t.Errorf("%s: store %q, want %q", tc.store, got, tc.want)
		}
		var warned []string
		f.warnPermissions(func(msg string, args ...any) { warned = append(warned, fmt.Sprint(msg, args)) })
		if (len(warned) > 0) != tc.warn {
			t.Errorf("%s: warnings %q, want a warning: %v", tc.store, warned, tc.warn)
		}
		if strings.Contains(strings.Join(warned, ""), "s3cret") {
			t.Errorf("%s: the warning shows the password: %q", tc.store, warned)
		}
	}
	path := filepath.Join(t.TempDir(), "bot.toml")
	if err := os.WriteFile(path, []byte("app_id = \"1\"\nstore = \"rediss://bot:${STORE_TEST_UNSET}@h:1/0\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readConfigFile(path); err == nil || !strings.Contains(err.Error(), ":2: store: the environment variable STORE_TEST_UNSET is not set") {
		t.Errorf("an unset variable in store: %v", err)
	}
}
