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
