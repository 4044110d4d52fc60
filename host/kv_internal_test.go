package host

import (
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/kv"
)

func TestKV_HandlerWritesCommitOnlyOnSuccess(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  kv.set("seen", ev.text)
  local mine = kv.get("seen")
  if ev.text == "fail" then error("boom") end
  qq.send("100", "saw " .. mine)
end)
command("show", function(ev) ev:reply("stored " .. tostring(kv.get("seen"))) end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("first"))
	if c := h.nextCall(); c.Body["content"] != "saw first" {
		t.Fatalf("%v", c.Body)
	}
	h.idle()
	h.send("AT_MESSAGE_CREATE", msg("fail"))
	h.logs.waitLog(t, "handler failed", "boom")
	h.send("AT_MESSAGE_CREATE", msg("show"))
	for {
		c := h.nextCall()
		if strings.HasPrefix(c.Body["content"].(string), "stored") {
			if c.Body["content"] != "stored first" {
				t.Fatalf("after a failed handler: %v, want stored first", c.Body["content"])
			}
			break
		}
	}
}

// Two handlers increment the same key while both are parked: both count.
func TestKV_IncrFromConcurrentHandlers(t *testing.T) {
	release := make(chan struct{})
	h := mustHarness(t, `on("message", function(ev)
  if ev.text == "hits" then return end
  kv.incr("hits")
  qq.send("100", "waiting")
end)
command("hits", function(ev) ev:reply("hits " .. tostring(kv.get("hits"))) end)`)
	h.api.respond = func(c apiCall) (json.RawMessage, error) {
		if c.Body["content"] == "waiting" {
			<-release
		}
		return json.RawMessage(`{}`), nil
	}
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("a"))
	h.send("AT_MESSAGE_CREATE", msg("b"))
	h.nextCall()
	h.nextCall()
	close(release)
	h.idle()
	h.send("AT_MESSAGE_CREATE", msg("hits"))
	if c := h.nextCall(); c.Body["content"] != "hits 2" {
		t.Fatalf("got %v, want hits 2", c.Body["content"])
	}
}

func TestKV_TTLScanUpdateAndErrors(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  if ev.text == "setup" then
    kv.set("session", {step = 1}, 60)
    kv.set("score:bob", 2) kv.set("score:amy", 5) kv.set("other", 1)
    qq.send("100", "ok")
  elseif ev.text == "read" then
    local s = kv.get("session")
    local keys = {}
    for k, v in kv.scan("score:") do keys[#keys + 1] = k .. "=" .. v end
    local n = kv.update("score:amy", function(old) return old * 10 end)
    local ok, err = pcall(kv.set, "f", print)
    qq.send("100", (s and tostring(s.step) or "nil") .. " " .. table.concat(keys, ",") .. " " .. n .. " " .. tostring(ok) .. " " .. tostring(err))
  end
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("setup"))
	h.nextCall()
	h.idle()
	h.send("AT_MESSAGE_CREATE", msg("read"))
	c := h.nextCall()
	content := c.Body["content"].(string)
	if !strings.HasPrefix(content, "1 score:amy=5,score:bob=2 50 false") || !strings.Contains(content, "cannot encode a function") {
		t.Fatalf("content = %q", content)
	}
	h.idle()
	h.clock.Advance(61 * time.Second)
	h.send("AT_MESSAGE_CREATE", msg("read"))
	if c := h.nextCall(); !strings.HasPrefix(c.Body["content"].(string), "nil score:amy=50,") {
		t.Fatalf("after TTL: %v", c.Body["content"])
	}
}

func TestKV_SharedNamespaceAcrossScripts(t *testing.T) {
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	deps := scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler)}
	a, err := loadScript(writeScript(t, dir, "a.lua", `kv.open("team").set("flag", "from a") kv.set("own", "a")`), deps)
	if err != nil {
		t.Fatal(err)
	}
	defer a.L.Close()
	b, err := loadScript(writeScript(t, dir, "b.lua", `flag = kv.open("team").get("flag") own = kv.get("own")`), deps)
	if err != nil {
		t.Fatal(err)
	}
	defer b.L.Close()
	if got := b.L.GetGlobal("flag").String(); got != "from a" {
		t.Fatalf("shared flag = %q", got)
	}
	if got := b.L.GetGlobal("own"); got.String() != "nil" {
		t.Fatalf("b sees a's own key: %v", got)
	}
}

// kv.incr commits at once: a handler failing afterwards keeps the
// increment, and a kv.set of the same key made before it is written with
// it. Other pending writes stay handler-scoped.
func TestKV_IncrIsNotUndoneByAFailingHandler(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  if ev.text == "show" then
    ev:reply("n=" .. tostring(kv.get("n")) .. " note=" .. tostring(kv.get("note")))
    return
  end
  kv.set("note", "lost")
  kv.set("n", 10)
  local v = kv.incr("n")
  local u = kv.update("n", function(old) return old * 2 end)
  qq.send("100", v .. " " .. u .. " " .. kv.get("n") .. " " .. kv.get("note"))
  error("boom")
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("go"))
	if c := h.nextCall(); c.Body["content"] != "11 22 22 lost" {
		t.Fatalf("inside the handler: %v", c.Body["content"])
	}
	h.logs.waitLog(t, "handler failed", "boom")
	h.idle()
	h.send("AT_MESSAGE_CREATE", msg("show"))
	if c := h.nextCall(); c.Body["content"] != "n=22 note=nil" {
		t.Fatalf("after the failed handler: %v, want n=22 note=nil", c.Body["content"])
	}
}

// A kv.update function cannot wait (it runs as one Go call) nor make kv
// calls; both are errors the handler catches, and the script's kv keeps
// working (a kv.set there once deadlocked every writer).
func TestKV_UpdateFunctionCannotWaitOrCallKV(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  local ok1, err1 = pcall(kv.update, "k", function() sleep(1) return 1 end)
  local ok2, err2 = pcall(kv.update, "k", function() kv.set("x", 1) return 2 end)
  kv.set("after", "yes")
  qq.send("100", tostring(ok1) .. " " .. tostring(err1) .. " | " .. tostring(ok2) .. " " .. tostring(err2) .. " | " .. kv.incr("n"))
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("a"))
	got := h.nextCall().Body["content"].(string)
	parts := strings.Split(got, " | ")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "false ") || !strings.Contains(parts[0], "cannot be made inside a metamethod, an iterator, a sort/gsub callback or a kv.update function") ||
		!strings.HasPrefix(parts[1], "false ") || !strings.Contains(parts[1], "kv.set cannot be called inside a kv.update function") ||
		parts[2] != "1" {
		t.Fatalf("got %q", got)
	}
	h.send("AT_MESSAGE_CREATE", msg("b"))
	if c := h.nextCall(); !strings.HasSuffix(c.Body["content"].(string), " | 2") {
		t.Fatalf("second event: %v", c.Body["content"])
	}
	h.idle()
	if v, ok, _ := h.s.store.Get(h.s.name, "k"); ok {
		t.Fatalf("k was written: %q", v)
	}
}

// An incr keeps the key's expiry, as Redis INCR does: a rate-limit window
// set with a TTL still ends.
func TestKV_IncrKeepsTheExpiry(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  if ev.text == "start" then kv.set("hits", 0, 60) return end
  qq.send("100", tostring(kv.incr("hits")) .. " " .. tostring(kv.update("hits", function(n) return n + 1 end)))
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("start"))
	h.idle()
	h.send("AT_MESSAGE_CREATE", msg("hit"))
	if c := h.nextCall(); c.Body["content"] != "1 2" {
		t.Fatalf("got %v", c.Body["content"])
	}
	h.idle()
	h.clock.Advance(61 * time.Second)
	h.send("AT_MESSAGE_CREATE", msg("hit"))
	if c := h.nextCall(); c.Body["content"] != "1 2" {
		t.Fatalf("after the TTL: %v, want a fresh count", c.Body["content"])
	}
}
