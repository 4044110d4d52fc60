package host

import (
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/outbound"
)

// capObserver counts refusals by capability.
type capObserver struct {
	noObserver
	mu     sync.Mutex
	denied []string
}

func (o *capObserver) CapabilityDenied(c string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.denied = append(o.denied, c)
}

func (o *capObserver) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.denied...)
}

type capObservers struct{ s *capObserver }

func (o capObservers) Script(string) ScriptObserver { return o.s }
func (capObservers) Reload(string, string)          {}

// grantHarness loads src as bot.lua under grants, with a virtual clock and
// an observer counting refusals; the store is returned for quota checks.
func grantHarness(t *testing.T, src string, grants *Grants, limits Limits) (*harness, *capObserver, *kv.Store) {
	t.Helper()
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	obs := &capObserver{}
	h := &harness{t: t, api: &fakeAPI{calls: make(chan apiCall, 1024)}, logs: newLogSink(), dir: dir,
		clock: NewVirtualClock(time.Date(2026, 12, 2, 8, 59, 0, 0, time.Local))}
	path := writeScript(t, dir, "bot.lua", src)
	s, err := loadScript(path, scriptDeps{
		api: h.api, store: store, logger: slog.New(h.logs), limits: limits, clock: h.clock,
		capGrants: grants, observer: capObservers{obs}, http: outbound.New(outbound.Config{}),
		grantHint: func(script, c string) string { return "grant " + c + " to " + script },
	})
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	return h, obs, store
}

func grantsOf(g Grant) *Grants { return &Grants{Default: &g} }

// Each call outside the grant returns nil, err with err.capability, which
// pcall does not see (nothing is raised), and nothing reaches the
// platform; what the grant allows still goes through.
func TestGrants_RefusedCallsReturnNilErr(t *testing.T) {
	g := Grant{Send: []string{"channel:100"}}
	h, obs, _ := grantHarness(t, `on("message", function(ev)
  local out = {}
  local function try(name, v, err)
    out[#out+1] = name .. "=" .. (v and "ok" or (err.capability .. (tostring(err):find("grant " .. err.capability .. " to bot", 1, true) and "+hint" or "")))
  end
  try("request", qq.request("GET", "/users/@me"))
  try("kv.open", kv.open("pool"))
  try("pin", qq.pin("100", "m1"))
  try("delete", qq.delete_message("100", "m1"))
  try("other", qq.send("101", {content = "x", msg_id = ev.id}))
  try("group", qq.send_group("G1", {content = "x", msg_id = ev.id}))
  try("active", qq.send("100", "hello"))
  local ok = pcall(qq.request, "GET", "/users/@me")
  try("pcall", ok, {capability = "raised"})
  try("passive", qq.send("100", {content = "fine", msg_id = ev.id}))
  ev:reply(table.concat(out, " "))
end)`, grantsOf(g), Limits{CPU: 3 * time.Second})
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("hi"))
	if c := h.nextCall(); c.Body["content"] != "fine" || c.Path != "/channels/100/messages" {
		t.Fatalf("first call %s %v, want the passive send to channel 100", c.Path, c.Body)
	}
	want := "request=request+hint kv.open=shared_kv+hint pin=admin+hint delete=admin+hint other=send+hint group=send+hint active=active+hint pcall=ok passive=ok"
	if c := h.nextCall(); c.Body["content"] != want {
		t.Fatalf("reply %q\nwant  %q", c.Body["content"], want)
	}
	if got := strings.Join(obs.list(), ","); got != "request,shared_kv,admin,admin,send,send,active,request" {
		t.Errorf("counted %s", got)
	}
}

// With qq.request granted, a request to an administration route still
// needs admin, and a message posted through it obeys the send list.
func TestGrants_RequestIsBoundedLikeTheCalls(t *testing.T) {
	g := FullGrant()
	g.Admin, g.Send = false, []string{"channel:100"}
	h, _, _ := grantHarness(t, `on("message", function(ev)
  local out = {}
  local function try(name, v, err) out[#out+1] = name .. "=" .. (v and "ok" or err.capability) end
  try("pin", qq.request("PUT", "/channels/100/pins/m1"))
  try("mute", qq.request("PATCH", "/guilds/200/members/42/mute", {mute_seconds = "60"}))
  try("post", qq.request("POST", "/channels/101/messages", {content = "x"}))
  ev:reply(table.concat(out, " "))
end)`, grantsOf(g), Limits{CPU: 3 * time.Second})
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("hi"))
	if c := h.nextCall(); c.Body["content"] != "pin=admin mute=admin post=send" {
		t.Fatalf("reply %v", c.Body)
	}
}

// sends_per_minute counts every message (ev:reply included) on the
// script's clock: past the cap a send is refused until a minute has passed
// since the oldest counted one.
func TestGrants_SendsPerMinute(t *testing.T) {
	g := FullGrant()
	g.SendsPerMinute = 2
	h, obs, _ := grantHarness(t, `on("message", function(ev)
  local a = ev:reply("one")
  local b = qq.send("100", "two")
  local c, err = ev:reply("three")
  if not c then qq.request("POST", "/log", {refused = err.capability}) end
end)`, grantsOf(g), Limits{CPU: 3 * time.Second})
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("first"))
	for _, want := range []string{"one", "two"} {
		if c := h.nextCall(); c.Body["content"] != want {
			t.Fatalf("sent %v, want %s", c.Body, want)
		}
	}
	if c := h.nextCall(); c.Path != "/log" || c.Body["refused"] != "sends_per_minute" {
		t.Fatalf("third: %s %v", c.Path, c.Body)
	}
	h.idle()
	h.clock.Advance(61 * time.Second)
	h.send("AT_MESSAGE_CREATE", msg("second"))
	for _, want := range []string{"one", "two"} {
		if c := h.nextCall(); c.Body["content"] != want {
			t.Fatalf("a minute later: sent %v, want %s", c.Body, want)
		}
	}
	if c := h.nextCall(); c.Path != "/log" {
		t.Fatalf("a minute later, third: %s %v", c.Path, c.Body)
	}
	if got := strings.Join(obs.list(), ","); got != "sends_per_minute,sends_per_minute" {
		t.Errorf("counted %s", got)
	}
}

// Refusals are all counted, but logged once a minute per script: the next
// line, a minute later on the script's clock, says how many it did not
// tell of.
func TestGrants_RefusalLoggedOncePerMinute(t *testing.T) {
	g := FullGrant()
	g.Request = false
	h, obs, _ := grantHarness(t, `on("message", function(ev)
  for i = 1, 5 do qq.request("GET", "/users/@me") end
  qq.send("100", "done")
end)`, grantsOf(g), Limits{CPU: 3 * time.Second})
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("a"))
	h.nextCall()
	h.idle()
	lines := refusalLines(h.logs.dump())
	if len(lines) != 1 || !strings.Contains(lines[0], "capability=request") || !strings.Contains(lines[0], "hint=grant request to bot") {
		t.Fatalf("after 5 refusals in a minute: %q", lines)
	}
	h.clock.Advance(30 * time.Second)
	h.send("AT_MESSAGE_CREATE", msg("b"))
	h.nextCall()
	h.idle()
	if lines := refusalLines(h.logs.dump()); len(lines) != 0 {
		t.Fatalf("30 s later: %q", lines)
	}
	h.clock.Advance(31 * time.Second)
	h.send("AT_MESSAGE_CREATE", msg("c"))
	h.nextCall()
	h.idle()
	lines = refusalLines(h.logs.dump())
	if len(lines) != 1 || !strings.Contains(lines[0], "also_refused=9") {
		t.Fatalf("a minute after the first line: %q", lines)
	}
	if n := len(obs.list()); n != 15 {
		t.Errorf("counted %d refusals, want 15", n)
	}
}

func refusalLines(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "capability not granted") {
			out = append(out, l)
		}
	}
	return out
}

// A script's caps= header narrows what the operator grants, and the error
// says it was the header; an unknown name fails the load with a
// suggestion.
func TestGrants_HeaderNarrows(t *testing.T) {
	h, _, _ := grantHarness(t, `-- luabot: caps=send
on("message", function(ev)
  local _, e1 = qq.request("GET", "/users/@me")
  local _, e2 = kv.open("pool")
  local ok = qq.send("100", {content = "x", msg_id = ev.id})
  ev:reply(e1.capability .. " " .. e2.capability .. " " .. tostring(ok ~= nil) .. " | " .. tostring(e1))
end)`, nil, Limits{CPU: 3 * time.Second})
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("hi"))
	h.nextCall()
	c := h.nextCall()
	got, _ := c.Body["content"].(string)
	if !strings.HasPrefix(got, "request shared_kv true | ") || !strings.Contains(got, "the script's own header leaves it out") {
		t.Fatalf("reply %q", got)
	}

	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "t.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, err = loadScript(writeScript(t, dir, "bad.lua", "-- luabot: caps=send,requests\n"), scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), `bad.lua: line 1: unknown capability "requests"; did you mean "request"?`) {
		t.Fatalf("load: %v", err)
	}
}

// header = false: what a header asks for itself (higher limits, http hosts)
// is not given, with a warning; the operator's own grants still hold.
func TestGrants_ConfigForbidsHeaderGrants(t *testing.T) {
	src := `-- luabot: cpu=3 memory=200 http=api.example.com
on("message", function(ev) end)`
	g := FullGrant()
	h, _, _ := grantHarness(t, src, grantsOf(g), Limits{})
	if h.s.limits.CPU != 3*time.Second || h.s.limits.Memory != 200<<20 {
		t.Fatalf("with header = true: limits %v", h.s.limits)
	}
	g.Header = false
	h, _, _ = grantHarness(t, src, grantsOf(g), Limits{})
	if h.s.limits.CPU != defaultCPUBudget || h.s.limits.Memory != defaultMemory {
		t.Fatalf("with header = false: limits %v, want the defaults", h.s.limits)
	}
	log := h.logs.dump()
	for _, want := range []string{"does not let its header raise them", "cpu=3", "asks for http hosts", "api.example.com"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// kv_bytes and kv_keys bound the script's own namespace, not the others.
func TestGrants_KVQuotaPerScript(t *testing.T) {
	g := FullGrant()
	g.KVKeys = 2
	h, _, store := grantHarness(t, `on("message", function(ev)
  local out = {}
  for i = 1, 3 do
    local ok, err = kv.set("k" .. i, "v")
    out[#out+1] = ok and "ok" or (err.message:find("quota of 2 keys", 1, true) and "quota" or err.message)
  end
  local ok = kv.open("pool").set("a", 1) and kv.open("pool").set("b", 1) and kv.open("pool").set("c", 1)
  out[#out+1] = ok and "shared-ok" or "shared-refused"
  qq.send("100", table.concat(out, " "))
end)`, grantsOf(g), Limits{CPU: 3 * time.Second})
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("hi"))
	if c := h.nextCall(); c.Body["content"] != "ok ok quota shared-ok" {
		t.Fatalf("%v", c.Body)
	}
	if err := store.Fits("other", kv.Usage{Keys: 3}); err != nil {
		t.Errorf("another script's namespace: %v", err)
	}
}
