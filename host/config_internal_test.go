package host

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
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

// The REST client's request line names the path, which a script may have
// built from a secret: it goes through the script's logger, which names the
// script and hides its secrets, not through the client's own.
func TestConfig_SecretInARequestPathIsHiddenInTheRequestLine(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/app/getAppAccessToken" {
			w.Write([]byte(`{"access_token":"AT-0123456789","expires_in":"7200"}`))
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	client := newLogSink()
	api, err := openapi.New(openapi.Config{AppID: "1", Secret: "app-secret", BaseURL: srv.URL, TokenURL: srv.URL,
		Logger: slog.New(client)})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := &harness{t: t, logs: newLogSink(), dir: dir, clock: NewVirtualClock(time.Date(2026, 12, 2, 8, 59, 0, 0, time.UTC))}
	h.s, err = loadScript(writeScript(t, dir, "bot.lua", `
local key = config.require("api_key")
on("message", function(ev)
  local res, err = qq.request("GET", "/users/@me/" .. key)
  log.info("requested", err)
end)`), scriptDeps{api: api, store: store, logger: slog.New(h.logs), limits: Limits{CPU: 3 * time.Second}, clock: h.clock,
		settings: map[string]map[string]bindings.Setting{"bot": {"api_key": {Value: "sk-abcdef123456"}}}})
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("go"))
	// The request line is written before the handler resumes and logs "requested".
	var lines []string
	for done := false; !done; {
		select {
		case r := <-h.logs.records:
			lines = append(lines, recordText(r))
			done = strings.HasPrefix(lines[len(lines)-1], "requested")
		case <-time.After(harnessWait):
			t.Fatalf("the handler did not end; log:\n%s", strings.Join(lines, "\n"))
		}
	}
	all := strings.Join(lines, "\n")
	if !strings.Contains(all, "openapi request") || !strings.Contains(all, "path=/users/@me/***") ||
		!strings.Contains(all, "script=bot") {
		t.Errorf("no request line naming the script with the path redacted in the script's log:\n%s", all)
	}
	close(client.records)
	for r := range client.records {
		all += "\n" + recordText(r)
	}
	if strings.Contains(all, "sk-abcdef123456") {
		t.Errorf("the secret is in the log:\n%s", all)
	}
}
