package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Settings come from the file, then the environment, then --conf; secrets
// are usable by the script and shown as *** in its log lines.
func TestDev_ConfigSources(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "daily_news.lua"), []byte(`local key = config.require("api_key")
on("message", function(ev)
  print("using " .. key)
  ev:reply(table.concat({config.city, config.units, config.lang, #key}, " "))
end)`), 0o644)
	conf := filepath.Join(t.TempDir(), "luabot.conf")
	os.WriteFile(conf, []byte(`# settings
[bot]
lang = "en"
[scripts.daily_news]
city = "上海"
units = "metric"  # a comment
lang = "zh"
[scripts.daily_news.secret]
api_key = "sk-live-0123456789"
`), 0o644)
	t.Setenv("LUABOT_CONF_DAILY_NEWS_UNITS", "imperial")
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), "--config", conf, "--conf", "daily_news.lang=en", dir)
	s.expect("luabot dev:")
	io.WriteString(s.stdin, "hi\n")
	s.expect("bot> 上海 imperial en 18")
	s.waitStderr("using ***")
	if strings.Contains(s.stderr.String(), "sk-live") {
		t.Fatalf("the secret is in the log:\n%s", s.stderr.String())
	}
}

func TestDev_ConfigRequireNamesWhereToSetIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "weather.lua"), []byte(`local key = config.require("api_key")`), 0o644)
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), dir)
	s.waitStderr("setting weather.api_key is not set")
	for _, want := range []string{`config.require("api_key"): setting weather.api_key is not set`, "--conf weather.api_key=VALUE", "LUABOT_SECRET_WEATHER_API_KEY", "[scripts.weather]"} {
		if !strings.Contains(s.stderr.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, s.stderr.String())
		}
	}
}

// The built-in texts of commands follow lang under [bot] in the --config
// file, --lang wins over it, and a language luabot does not speak is a
// usage error.
func TestDev_CommandsLanguage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dice.lua"), []byte(`command("roll <sides:integer>", function(ev, args) ev:reply("rolled") end)`), 0o644)
	conf := filepath.Join(t.TempDir(), "luabot.conf")
	os.WriteFile(conf, []byte("[bot]\nlang = \"zh\"\n"), 0o644)

	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), "--config", conf, dir)
	s.expect("luabot dev:")
	io.WriteString(s.stdin, "/roll many\n")
	s.expect("bot> 用法：/roll <sides:integer>（sides 必须是整数）")

	s = start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), "--config", conf, "--lang", "en", dir)
	s.expect("luabot dev:")
	io.WriteString(s.stdin, "/roll many\n")
	s.expect("bot> Usage: /roll <sides:integer> (sides must be a whole number)")

	code, _, errOut := runCLI("dev", "--lang", "fr", dir)
	if code != 2 || !strings.Contains(errOut, `--lang "fr": want en or zh`) {
		t.Fatalf("--lang fr: exit %d, stderr %s", code, errOut)
	}
	os.WriteFile(filepath.Join(dir, "dice_test.lua"), []byte(`test("zh", function()
  sim.say("general", "/roll many")
  expect(sim.sent(1).content).to_be("用法：/roll <sides:integer>（sides 必须是整数）")
end)`), 0o644)
	if code, out, errOut := runCLI("test", "--lang", "zh", dir); code != 0 {
		t.Fatalf("test --lang zh: exit %d\n%s%s", code, out, errOut)
	}
}

// A malformed --conf is refused; the value of a secret key is not repeated,
// since the error ends up in logs.
func TestConf_MalformedSecretIsNotEchoed(t *testing.T) {
	t.Parallel()
	dir := mustFiles(t, map[string]string{"weather.lua": `local key = config.get("api_key")`})
	for _, tc := range []struct{ spec, want string }{
		{"weather.api_key:s3cr3t-value", "--conf weather.api_key…: want NAME.key=value"},
		{"api_key=s3cr3t-value", "--conf api_key…: want NAME.key=value"},
		{"weather.token s3cr3t-value", "--conf weather.token…: want NAME.key=value"},
		{"weather.city:s3cr3t-value", `--conf "weather.city:s3cr3t-value": want NAME.key=value`}, // not a secret's name
	} {
		code, _, errOut := runCLI("dev", "--data", filepath.Join(t.TempDir(), "dev.db"), "--conf", tc.spec, dir)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tc.spec, code, errOut, tc.want)
		}
		if strings.Contains(tc.want, "…") && strings.Contains(errOut, "s3cr3t") {
			t.Errorf("%s: the error shows the value: %q", tc.spec, errOut)
		}
	}
}
