package host

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/kv"
)

func settingsHarness(t *testing.T, src string, settings map[string]bindings.Setting) (*harness, error) {
	t.Helper()
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &harness{t: t, api: &fakeAPI{calls: make(chan apiCall, 1024)}, logs: newLogSink(), dir: dir,
		clock: NewVirtualClock(time.Date(2026, 12, 2, 8, 59, 0, 0, time.UTC))}
	s, err := loadScript(writeScript(t, dir, "bot.lua", src), scriptDeps{
		api: h.api, store: store, logger: slog.New(h.logs), limits: Limits{CPU: 3 * time.Second},
		clock: h.clock, settings: map[string]map[string]bindings.Setting{"bot": settings},
		settingHint: func(script, key string) string { return "set it with --conf " + script + "." + key + "=…" },
	})
	if err != nil {
		return nil, err
	}
	h.s = s
	return h, nil
}

func TestConfig_GetRequireAndSecrets(t *testing.T) {
	h, err := settingsHarness(t, `
local key = config.require("api_key")
on("message", function(ev)
  if ev.text == "show" then
    qq.send("100", config.get("city") .. " " .. tostring(config.missing) .. " " .. #key .. " " .. table.concat(config.keys(), ","))
  elseif ev.text == "leak" then
    print("the key is " .. key, config.password)
    log.warn("token", config.token)
    error("failed with " .. key)
  end
end)`, map[string]bindings.Setting{
		"city":     {Value: "北京"},
		"api_key":  {Value: "sk-abcdef123456"},
		"token":    {Value: "tok-999"},
		"password": {Value: "hunter2", Secret: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("show"))
	if got := h.nextCall().Body["content"]; got != "北京 nil 15 api_key,city,password,token" {
		t.Fatalf("got %q", got)
	}
	h.send("AT_MESSAGE_CREATE", msg("leak"))
	all := h.logs.waitLog(t, "the key is ***", "***") + "\n" +
		h.logs.waitLog(t, "token ***") + "\n" +
		h.logs.waitLog(t, "handler failed", "failed with ***") + "\n" + h.logs.dump()
	for _, secret := range []string{"sk-abcdef123456", "tok-999", "hunter2"} {
		if strings.Contains(all, secret) {
			t.Errorf("%s in the log:\n%s", secret, all)
		}
	}
	out, err := h.s.evalForTest(t, `config.api_key .. "!"`)
	if err != nil || out != `"***!"` {
		t.Fatalf("repl: %q, %v", out, err)
	}
}

func TestConfig_RequireFailsAtLoadNamingTheSetting(t *testing.T) {
	_, err := settingsHarness(t, `local key = config.require("api_key")`, nil)
	if err == nil || !strings.Contains(err.Error(), `bot.lua:1: config.require("api_key"): setting bot.api_key is not set; set it with --conf bot.api_key=…`) {
		t.Fatalf("err = %v", err)
	}
	_, err = settingsHarness(t, `config.city = "x"`, map[string]bindings.Setting{"city": {Value: "a"}})
	if err == nil || !strings.Contains(err.Error(), "config is read-only") {
		t.Fatalf("err = %v", err)
	}
}

// evalForTest runs code as the REPL would, through a one-script host.
func (s *script) evalForTest(t *testing.T, code string) (string, error) {
	h := &Host{}
	list := []*script{s}
	h.scripts.Store(&list)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return h.Eval(ctx, s.name, code)
}
