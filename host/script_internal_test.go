package host

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
)

// fakeAPI records calls and answers them from respond (default: echo the
// body back after an optional release signal).
type fakeAPI struct {
	calls   chan apiCall
	respond func(call apiCall) (json.RawMessage, error)
}

type apiCall struct {
	Method, Path string
	Query        url.Values
	Body         map[string]any
}

func (f *fakeAPI) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	call := apiCall{Method: method, Path: path, Query: query}
	if in != nil {
		b, _ := json.Marshal(in)
		json.Unmarshal(b, &call.Body)
	}
	select {
	case f.calls <- call:
	case <-ctx.Done():
		return ctx.Err()
	}
	raw := json.RawMessage(`{"id":"m1"}`)
	if f.respond != nil {
		var err error
		if raw, err = f.respond(call); err != nil {
			return err
		}
	}
	*(out.(*json.RawMessage)) = raw
	return nil
}

// logSink is a slog handler that hands records to the test.
type logSink struct {
	records chan slog.Record
	attrs   []slog.Attr
}

func newLogSink() *logSink { return &logSink{records: make(chan slog.Record, 256)} }

func (l *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (l *logSink) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(l.attrs...)
	select {
	case l.records <- r:
	default:
	}
	return nil
}
func (l *logSink) WithAttrs(as []slog.Attr) slog.Handler {
	return &logSink{records: l.records, attrs: append(append([]slog.Attr{}, l.attrs...), as...)}
}
func (l *logSink) WithGroup(string) slog.Handler { return l }

func recordText(r slog.Record) string {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	return b.String()
}

// harnessWait bounds the harness's waits for a log line or an API call, and
// the load budget of the tests that are not about budgets. It only ends a
// test that is failing anyway, so it is far above what the scripts need:
// waits and the load budget are wall time, which -race on a loaded machine
// stretches many times over (constructs.lua's top level took over a minute
// beside the other suites under a load of 8).
const harnessWait = 5 * time.Minute

// waitLog returns the first record whose text contains every part.
func (l *logSink) waitLog(t *testing.T, parts ...string) string {
	t.Helper()
	deadline := time.After(harnessWait)
	for {
		select {
		case r := <-l.records:
			text := recordText(r)
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(text, p)
			}
			if ok {
				return text
			}
		case <-deadline:
			t.Fatalf("no log line containing %q", parts)
		}
	}
}

type harness struct {
	t     *testing.T
	s     *script
	api   *fakeAPI
	logs  *logSink
	dir   string
	clock *VirtualClock
}

func writeScript(t testing.TB, dir, name, src string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// newHarness loads src with a CPU budget generous enough for a loaded CI
// machine (the budget is measured in wall time while Lua runs).
func newHarness(t *testing.T, src string) (*harness, error) {
	t.Helper()
	return newHarnessWith(t, src, Limits{CPU: 3 * time.Second})
}

// spinLimits is for tests that want a handler killed quickly.
var spinLimits = Limits{CPU: 200 * time.Millisecond}

func newHarnessWith(t *testing.T, src string, limits Limits) (*harness, error) {
	t.Helper()
	return newHarnessIn(t, t.TempDir(), src, limits, 0)
}

// newHarnessIn is newHarnessWith for a bot.lua written into dir, beside
// files the test put there, with the top level's wall-time budget
// (0: the default).
func newHarnessIn(t *testing.T, dir, src string, limits Limits, loadBudget time.Duration) (*harness, error) {
	t.Helper()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &harness{t: t, api: &fakeAPI{calls: make(chan apiCall, 1024)}, logs: newLogSink(), dir: dir,
		clock: NewVirtualClock(time.Date(2026, 12, 2, 8, 59, 0, 0, time.Local))}
	path := writeScript(t, dir, "bot.lua", src)
	s, err := loadScript(path, scriptDeps{
		api: h.api, store: store, logger: slog.New(h.logs), limits: limits, clock: h.clock,
		loadBudget: cmp.Or(loadBudget, harnessWait), // tests of the load budget set their own
	})
	if err != nil {
		return nil, err
	}
	h.s = s
	return h, nil
}

func mustHarness(t *testing.T, src string) *harness {
	t.Helper()
	h, err := newHarness(t, src)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// start runs the scheduler until the test ends.
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.s.markStarted()
	go func() {
		defer close(h.s.done)
		h.s.run(ctx, time.Second)
	}()
	h.t.Cleanup(func() {
		cancel()
		<-h.s.done
	})
}

func (h *harness) send(evType, data string) {
	h.s.deliver(gateway.Event{Type: evType, ID: evType + ":1", Data: json.RawMessage(data)})
}

func (h *harness) nextCall() apiCall {
	h.t.Helper()
	select {
	case c := <-h.api.calls:
		return c
	case <-time.After(harnessWait):
		h.t.Fatalf("no API call; log:\n%s", h.logs.dump())
	}
	return apiCall{}
}

// dump returns the log lines not consumed yet, for failure messages.
func (l *logSink) dump() string {
	var b strings.Builder
	for {
		select {
		case r := <-l.records:
			b.WriteString(recordText(r) + "\n")
		default:
			return b.String()
		}
	}
}

const atMessage = `{"id":"MSG1","channel_id":"100","guild_id":"200","content":"<@!999> hello there ","author":{"id":"1","username":"alice"}}`

func TestScript_ReplyIsPassiveInSameChannel(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev) ev:reply(ev.text) ev:reply("again") end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", atMessage)
	c := h.nextCall()
	if c.Method != "POST" || c.Path != "/channels/100/messages" {
		t.Fatalf("call = %s %s", c.Method, c.Path)
	}
	if c.Body["content"] != "hello there" || c.Body["msg_id"] != "MSG1" || c.Body["msg_seq"] != float64(1) {
		t.Fatalf("body = %v", c.Body)
	}
	if c2 := h.nextCall(); c2.Body["msg_seq"] != float64(2) {
		t.Fatalf("second reply msg_seq = %v, want 2", c2.Body["msg_seq"])
	}
}

func TestScript_ReplyRoutesByScene(t *testing.T) {
	tests := []struct {
		name, evType, data, path, idKey string
	}{
		{"dm", "DIRECT_MESSAGE_CREATE", `{"id":"D1","guild_id":"55","channel_id":"66","content":"hi"}`, "/dms/55/messages", "msg_id"},
		{"group", "GROUP_AT_MESSAGE_CREATE", `{"id":"G1","group_openid":"ABC","content":" hi","author":{"member_openid":"X"}}`, "/v2/groups/ABC/messages", "msg_id"},
		{"c2c", "C2C_MESSAGE_CREATE", `{"id":"C1","content":"hi","author":{"user_openid":"U1","id":"U1"}}`, "/v2/users/U1/messages", "msg_id"},
		{"member event", "GUILD_MEMBER_ADD", `{"guild_id":"55","channel_id":"66","user":{"id":"7"}}`, "/channels/66/messages", "event_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustHarness(t, fmt.Sprintf(`on(%q, function(ev) ev:reply("ok") end)`, tt.evType))
			h.start()
			h.send(tt.evType, tt.data)
			c := h.nextCall()
			if c.Path != tt.path || c.Body[tt.idKey] == nil {
				t.Fatalf("call = %s %v, want %s with %s", c.Path, c.Body, tt.path, tt.idKey)
			}
		})
	}
}

func TestScript_EventFields(t *testing.T) {
	h := mustHarness(t, `
on("message", function(ev)
  local raw = ev:raw()
  local keys = 0
  for _ in pairs(raw) do keys = keys + 1 end
  qq.send("100", table.concat({ev.type, ev.event_id, ev.scene, ev.text, ev.author.username, tostring(keys)}, "|"))
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", atMessage)
	c := h.nextCall()
	if want := "AT_MESSAGE_CREATE|AT_MESSAGE_CREATE:1|guild|hello there|alice|5"; c.Body["content"] != want {
		t.Fatalf("content = %v, want %s", c.Body["content"], want)
	}
}

// A slow call must not hold up the next event: the first handler waits on
// an API call that is only released after the second event was handled.
func TestScript_WaitingHandlerDoesNotBlockOthers(t *testing.T) {
	release := make(chan struct{})
	h := mustHarness(t, `on("message", function(ev)
  local m, err = qq.send("100", ev.text)
  if ev.text == "slow" then qq.send("100", "slow done") end
end)`)
	h.api.respond = func(c apiCall) (json.RawMessage, error) {
		if c.Body["content"] == "slow" {
			<-release
		}
		return json.RawMessage(`{"id":"x"}`), nil
	}
	h.start()
	h.send("AT_MESSAGE_CREATE", `{"id":"1","channel_id":"100","content":"slow"}`)
	if c := h.nextCall(); c.Body["content"] != "slow" {
		t.Fatalf("first call %v", c.Body)
	}
	h.send("AT_MESSAGE_CREATE", `{"id":"2","channel_id":"100","content":"fast"}`)
	if c := h.nextCall(); c.Body["content"] != "fast" {
		t.Fatalf("second call %v, want fast while slow is in flight", c.Body)
	}
	close(release)
	if c := h.nextCall(); c.Body["content"] != "slow done" {
		t.Fatalf("third call %v", c.Body)
	}
}

func TestScript_ResultsAndErrorsReachLua(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  local me, err = qq.me()
  if ev.text == "me" then qq.send("100", me.username .. "/" .. tostring(err)) end
  if ev.text == "fail" then qq.send("100", tostring(me) .. "/" .. err.message .. "/" .. tostring(err)) end
end)`)
	var failing atomic.Bool
	h.api.respond = func(c apiCall) (json.RawMessage, error) {
		if failing.Load() && c.Path == "/users/@me" {
			return nil, errors.New("connection refused")
		}
		return json.RawMessage(`{"id":"9","username":"botty"}`), nil
	}
	h.start()
	h.send("AT_MESSAGE_CREATE", `{"id":"1","channel_id":"100","content":"me"}`)
	h.nextCall() // qq.me
	if c := h.nextCall(); c.Body["content"] != "botty/nil" {
		t.Fatalf("content = %v", c.Body["content"])
	}
	failing.Store(true)
	h.send("AT_MESSAGE_CREATE", `{"id":"2","channel_id":"100","content":"fail"}`)
	h.nextCall()
	if c := h.nextCall(); c.Body["content"] != "nil/connection refused/connection refused" {
		t.Fatalf("content = %v", c.Body["content"])
	}
}

func TestScript_FailingHandlerIsLoggedAndBotKeepsServing(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  if ev.text == "boom" then
    error("kaboom")
  end
  qq.send("100", "still here")
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", `{"id":"1","channel_id":"100","content":"boom"}`)
	h.logs.waitLog(t, "handler failed", "bot.lua:3: kaboom", "script=bot")
	h.send("AT_MESSAGE_CREATE", `{"id":"2","channel_id":"100","content":"ok"}`)
	if c := h.nextCall(); c.Body["content"] != "still here" {
		t.Fatalf("content = %v", c.Body["content"])
	}
}

func TestScript_EndlessLoopIsKilled(t *testing.T) {
	h, err := newHarnessWith(t, `on("message", function(ev)
  if ev.text == "spin" then while true do end end
  qq.send("100", "alive")
end)`, spinLimits)
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	h.send("AT_MESSAGE_CREATE", `{"id":"1","channel_id":"100","content":"spin"}`)
	h.logs.waitLog(t, "handler killed", "script=bot")
	h.send("AT_MESSAGE_CREATE", `{"id":"2","channel_id":"100","content":"ok"}`)
	if c := h.nextCall(); c.Body["content"] != "alive" {
		t.Fatalf("content = %v", c.Body["content"])
	}
}

func TestScript_WaitingCallsNeedAHandler(t *testing.T) {
	_, err := newHarness(t, "local x = 1\nqq.me()")
	if err == nil || !strings.Contains(err.Error(), "bot.lua:2:") || !strings.Contains(err.Error(), "inside an event handler") {
		t.Fatalf("load error = %v", err)
	}
}

// Waiting calls work inside pcall, xpcall and the script's own coroutines:
// the prelude passes the wait up to the host and the results back down.
func TestScript_WaitsInsidePcallAndCoroutines(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  local ok, me = pcall(qq.me)
  local ok2, me2 = xpcall(function() return qq.me() end, function(e) return "handled " .. e end)
  local co = coroutine.wrap(function(a)
    local m = qq.me()
    local b = coroutine.yield(a + 1)
    return m.username .. b
  end)
  local first = co(1)
  local second = co("!")
  local okErr, e = pcall(function() local m = qq.me() error("after wait") end)
  qq.send("100", table.concat({tostring(ok), me.username, tostring(ok2), me2.username, first, second, tostring(okErr), e}, " "))
end)`)
	h.api.respond = func(c apiCall) (json.RawMessage, error) {
		return json.RawMessage(`{"username":"botty"}`), nil
	}
	h.start()
	h.send("AT_MESSAGE_CREATE", `{"id":"1","channel_id":"100","content":"x"}`)
	for range 4 {
		if c := h.nextCall(); c.Path != "/users/@me" {
			t.Fatalf("call %s, want /users/@me", c.Path)
		}
	}
	c := h.nextCall()
	content, _ := c.Body["content"].(string)
	want := "true botty true botty 2 botty! false "
	if !strings.HasPrefix(content, want) || !strings.HasSuffix(content, "bot.lua:11: after wait") {
		t.Fatalf("content = %q, want %q... bot.lua:11: after wait", content, want)
	}
}

// A wait inside a metamethod or an iterator cannot work in gopher-lua; it
// must fail cleanly rather than corrupt the VM, and the bot keeps serving.
func TestScript_WaitInsideMetamethodFailsCleanly(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  if ev.text == "meta" then
    local t = setmetatable({}, {__index = function() return qq.me() end})
    local x = t.anything
  elseif ev.text == "iter" then
    for x in function() return qq.me() end do end
  elseif ev.text == "sort" then
    local t = {3, 1, 2}
    table.sort(t, function(a, b) sleep(0) return a < b end)
  end
  qq.send("100", "alive " .. ev.text)
end)`)
	h.start()
	for _, kind := range []string{"meta", "iter", "sort"} {
		h.send("AT_MESSAGE_CREATE", `{"id":"1","channel_id":"100","content":"`+kind+`"}`)
		h.logs.waitLog(t, "handler failed", "cannot be made inside a metamethod")
	}
	h.send("AT_MESSAGE_CREATE", `{"id":"2","channel_id":"100","content":"ok"}`)
	if c := h.nextCall(); c.Body["content"] != "alive ok" {
		t.Fatalf("content = %v", c.Body["content"])
	}
}

func TestScript_MisuseNamesScriptLine(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  qq.send(100, "x")
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", `{"id":"1","channel_id":"100","content":"x"}`)
	h.logs.waitLog(t, "handler failed", "bot.lua:2:", "channel_id")
}

func TestScript_YieldOutsideCoroutineFailsHandler(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  if ev.text == "y" then coroutine.yield() end
  qq.send("100", "fine")
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", `{"id":"1","channel_id":"100","content":"y"}`)
	h.logs.waitLog(t, "handler failed", "coroutine.yield")
	h.send("AT_MESSAGE_CREATE", `{"id":"2","channel_id":"100","content":"n"}`)
	if c := h.nextCall(); c.Body["content"] != "fine" {
		t.Fatalf("content = %v", c.Body["content"])
	}
}

func TestScript_SyntaxErrorNamesFileLine(t *testing.T) {
	_, err := newHarness(t, "on('message', function(ev)\n  local x = = 1\nend)")
	if err == nil || !strings.Contains(err.Error(), "bot.lua:2:") {
		t.Fatalf("err = %v, want bot.lua:2:", err)
	}
}

func TestScript_LoadTimeLoopIsStopped(t *testing.T) {
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	path := writeScript(t, dir, "bot.lua", "while true do end")
	start := time.Now()
	_, err = loadScript(path, scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler),
		loadBudget: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "endless loop") || !strings.Contains(err.Error(), "100ms") {
		t.Fatalf("err = %v, want an endless loop after 100ms", err)
	}
	// The budget is the one configured, not the 5 s default.
	if d := time.Since(start); d >= defaultLoadBudget {
		t.Errorf("load took %v, the configured budget was 100ms", d)
	}
}

func TestHost_LoadBudgetReachesScripts(t *testing.T) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &Host{cfg: Config{Store: store, LoadBudget: 250 * time.Millisecond}}
	if got := h.deps().loadBudget; got != 250*time.Millisecond {
		t.Errorf("deps().loadBudget = %v, want Config.LoadBudget", got)
	}
}

func TestSandbox_UnsafeLibrariesAreGone(t *testing.T) {
	h := mustHarness(t, `
gone = {}
for _, name in ipairs({"io", "debug", "dofile", "loadfile", "newproxy", "module"}) do
  gone[name] = _G[name] == nil
end
gone["os.execute"] = os.execute == nil
gone["os.exit"] = os.exit == nil
gone["os.getenv"] = os.getenv == nil
gone["os.remove"] = os.remove == nil
gone["string.dump"] = string.dump == nil
has_time = type(os.time()) == "number"
rep_ok, rep_err = pcall(string.rep, "x", 1e9)
`)
	gone := h.s.L.GetGlobal("gone").(*lua.LTable)
	gone.ForEach(func(k, v lua.LValue) {
		if v != lua.LTrue {
			t.Errorf("%s is available in the sandbox", k)
		}
	})
	if h.s.L.GetGlobal("has_time") != lua.LTrue {
		t.Error("os.time is missing")
	}
	if h.s.L.GetGlobal("rep_ok") != lua.LFalse {
		t.Error("string.rep of 1 GB succeeded")
	}
}

func TestSandbox_RequireStaysInScriptFolder(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "bot", "lib"), 0o755)
	writeScript(t, dir, "secret.lua", `return "outside"`)
	writeScript(t, filepath.Join(dir, "bot"), "util.lua", `return {answer = 42}`)
	writeScript(t, filepath.Join(dir, "bot", "lib"), "deep.lua", `return "deep"`)
	os.Symlink(filepath.Join(dir, "secret.lua"), filepath.Join(dir, "bot", "link.lua"))
	path := writeScript(t, filepath.Join(dir, "bot"), "main.lua", `
answer = require("util").answer
deep = require("lib.deep")
same = require("util") == require("util")
ok_up, err_up = pcall(require, "../secret")
ok_abs, err_abs = pcall(require, "/etc/passwd")
ok_link, err_link = pcall(require, "link")
ok_missing, err_missing = pcall(function() return require("nope") end)
`)
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s, err := loadScript(path, scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.L.Close()
	get := func(name string) string { return s.L.GetGlobal(name).String() }
	if get("answer") != "42" || get("deep") != "deep" || get("same") != "true" {
		t.Fatalf("answer=%s deep=%s same=%s", get("answer"), get("deep"), get("same"))
	}
	for _, name := range []string{"up", "abs", "link", "missing"} {
		if get("ok_"+name) != "false" {
			t.Errorf("require %s succeeded", name)
		}
	}
	if !strings.Contains(get("err_missing"), "main.lua:8:") {
		t.Errorf("missing-module error %q does not name main.lua:8", get("err_missing"))
	}
}

func TestScript_KVRoundTrip(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  local n = kv.get("visits") or 0
  kv.set("visits", n + 1)
  kv.set("profile", {name = "alice", tags = json.array({}), big = "12345678901234567890"})
  local p = kv.get("profile")
  qq.send("100", tostring(kv.get("visits")) .. " " .. p.name .. " " .. json.encode(p.tags) .. " " .. p.big)
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", `{"id":"1","channel_id":"100","content":"x"}`)
	if c := h.nextCall(); c.Body["content"] != "1 alice [] 12345678901234567890" {
		t.Fatalf("content = %v", c.Body["content"])
	}
	// The first handler's writes commit when it ends, after qq.send returns.
	h.idle()
	h.send("AT_MESSAGE_CREATE", `{"id":"2","channel_id":"100","content":"x"}`)
	if c := h.nextCall(); !strings.HasPrefix(c.Body["content"].(string), "2 ") {
		t.Fatalf("content = %v", c.Body["content"])
	}
}

func TestScript_UnknownEventSuggests(t *testing.T) {
	_, err := newHarness(t, `on("AT_MESSAGE_CRATE", function() end)`)
	if err == nil || !strings.Contains(err.Error(), `did you mean "AT_MESSAGE_CREATE"`) || !strings.Contains(err.Error(), "bot.lua:1:") {
		t.Fatalf("err = %v", err)
	}
}

func TestScript_ShutdownFinishesHandlersThenRunsUnload(t *testing.T) {
	release := make(chan struct{})
	h := mustHarness(t, `
on("message", function(ev) qq.send("100", "first") qq.send("100", "second") end)
on("unload", function() log.info("unloading") end)`)
	h.api.respond = func(c apiCall) (json.RawMessage, error) {
		if c.Body["content"] == "first" {
			<-release
		}
		return json.RawMessage(`{"id":"x"}`), nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.s.run(ctx, 5*time.Second)
	}()
	h.send("AT_MESSAGE_CREATE", `{"id":"1","channel_id":"100","content":"x"}`)
	h.nextCall()
	cancel()
	close(release)
	if c := h.nextCall(); c.Body["content"] != "second" {
		t.Fatalf("in-flight handler did not finish: %v", c.Body)
	}
	h.logs.waitLog(t, "unloading")
	<-done
}

func writeFile(tb testing.TB, path, src string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

func msgEvent(text string) gateway.Event {
	return gateway.Event{Type: "AT_MESSAGE_CREATE", ID: "AT_MESSAGE_CREATE:1", Data: json.RawMessage(msg(text))}
}

// handleOnce dispatches ev on the test goroutine, for handlers that finish
// without waiting.
func (s *script) handleOnce(ev gateway.Event) { s.dispatch(ev) }

// idle waits until the script has no queued event and no running handler.
func (h *harness) idle() {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.s.queued.Load() > 0 || h.s.inflight.Load() > 0 {
		if time.Now().After(deadline) {
			h.t.Fatal("script did not become idle")
		}
		time.Sleep(time.Millisecond)
	}
}

// A send whose results the script drops is still made, and the next one
// whose results it keeps gets the answer as a table (bindings skips the
// decode only for the first).
func TestScript_DroppedAndKeptSendResults(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  ev:reply("dropped")
  qq.send("100", "dropped too")
  local sent = ev:reply("kept")
  local m, err = qq.send("100", "kept too")
  qq.send("100", "ids " .. sent.id .. " " .. m.id .. " " .. tostring(err))
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", atMessage)
	for _, want := range []string{"dropped", "dropped too", "kept", "kept too", "ids m1 m1 nil"} {
		if c := h.nextCall(); c.Body["content"] != want {
			t.Fatalf("call %v, want content %q; log:\n%s", c.Body, want, h.logs.dump())
		}
	}
}

// A call site that wants more results than a waiting call returned gets
// nils for the rest (gopher-lua alone leaves Go nils there after a resume,
// which crash later): the async shim in bindings pads them.
func TestScript_ResultsPaddedAfterAWait(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  local a, b, c = qq.send("100", "fails")
  local d, e, f = qq.send("100", "works")
  qq.send("100", type(a) .. " " .. type(b) .. " " .. type(c) .. " " .. type(d) .. " " .. type(e) .. " " .. type(f))
end)`)
	h.api.respond = func(c apiCall) (json.RawMessage, error) {
		if c.Body["content"] == "fails" {
			return nil, errors.New("refused")
		}
		return json.RawMessage(`{"id":"m1"}`), nil
	}
	h.start()
	h.send("AT_MESSAGE_CREATE", atMessage)
	h.nextCall()
	h.nextCall()
	if c := h.nextCall(); c.Body["content"] != "nil table nil table nil nil" {
		t.Fatalf("types = %v; log:\n%s", c.Body["content"], h.logs.dump())
	}
}
