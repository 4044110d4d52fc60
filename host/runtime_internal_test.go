package host

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/bindings"
)

func msg(text string) string {
	return fmt.Sprintf(`{"id":"M-%s","channel_id":"100","guild_id":"200","content":"<@!999> %s","author":{"id":"42","username":"alice"}}`, text, text)
}

func TestTimers_AfterEveryCron(t *testing.T) {
	h := mustHarness(t, `
local ticks = 0
timer.after(5, function() qq.send("100", "after") end)
local every
every = timer.every(10, function()
  ticks = ticks + 1
  qq.send("100", "every " .. ticks)
  if ticks == 2 then every:cancel() end
end)
timer.cron("0 9 * * *", function() qq.send("100", "nine o'clock") end)
`)
	h.start()
	expect := func(want string) {
		t.Helper()
		if c := h.nextCall(); c.Body["content"] != want {
			t.Fatalf("content = %v, want %q", c.Body["content"], want)
		}
		h.idle() // the run is over before the next tick, or that tick is skipped
	}
	h.clock.Advance(5 * time.Second)
	expect("after")
	h.clock.Advance(5 * time.Second)
	expect("every 1")
	h.clock.Advance(10 * time.Second)
	expect("every 2")
	// 08:59:00 + 20 s; cron fires at 09:00. every was cancelled.
	h.clock.Advance(40 * time.Second)
	expect("nine o'clock")
	h.clock.Advance(time.Minute)
	select {
	case c := <-h.api.calls:
		t.Fatalf("unexpected call %v after cancel", c.Body)
	default:
	}
}

// A tick that comes while the previous run is still waiting is skipped,
// so a slow callback does not pile up runs.
func TestTimers_EverySkipsWhileRunning(t *testing.T) {
	release := make(chan struct{})
	h := mustHarness(t, `
local n = 0
timer.every(1, function()
  n = n + 1
  qq.send("100", "run " .. n)
end)`)
	h.api.respond = func(c apiCall) (json.RawMessage, error) {
		if c.Body["content"] == "run 1" {
			<-release
		}
		return json.RawMessage(`{}`), nil
	}
	h.start()
	h.clock.Advance(time.Second)
	if c := h.nextCall(); c.Body["content"] != "run 1" {
		t.Fatalf("first run %v", c.Body)
	}
	// A tick while run 1 is parked is skipped.
	waitPending(t, h.clock)
	h.clock.Advance(time.Second)
	h.logs.waitLog(t, "timer tick skipped")
	close(release)
	// Later ticks run again; the next call is run 2, never a pile-up.
	deadline := time.After(5 * time.Second)
	for {
		waitPending(t, h.clock)
		h.clock.Advance(time.Second)
		select {
		case c := <-h.api.calls:
			if c.Body["content"] != "run 2" {
				t.Fatalf("after release %v, want run 2", c.Body)
			}
			return
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatal("no second run")
		}
	}
}

func TestWaitFor_MatchAndTimeout(t *testing.T) {
	h := mustHarness(t, `
on("message", function(ev)
  if ev.text ~= "quiz" then return end
  ev:reply("2+2?")
  local answer = wait_for("message", function(e) return e.author.id == ev.author.id and e.text ~= "quiz" end, 30)
  if answer then
    ev:reply("you said " .. answer.text)
  end
  ev:reply("again?")
  local none, err = wait_for("message", function(e) return e.text == "never" end, 10)
  ev:reply(tostring(none) .. " " .. tostring(err))
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("quiz"))
	if c := h.nextCall(); c.Body["content"] != "2+2?" {
		t.Fatalf("%v", c.Body)
	}
	waitPending(t, h.clock) // wait_for registered its timeout
	h.send("AT_MESSAGE_CREATE", msg("4"))
	if c := h.nextCall(); c.Body["content"] != "you said 4" {
		t.Fatalf("%v", c.Body)
	}
	if c := h.nextCall(); c.Body["content"] != "again?" {
		t.Fatalf("%v", c.Body)
	}
	waitPending(t, h.clock)
	h.clock.Advance(10 * time.Second)
	if c := h.nextCall(); c.Body["content"] != "nil timeout" {
		t.Fatalf("%v", c.Body)
	}
}

func TestCommands_ArgumentsUsageAndHelp(t *testing.T) {
	h := mustHarness(t, `
command("roll [sides:integer=6]", function(ev, args)
  ev:reply("rolled d" .. args.sides)
end)
command("greet <who:user> [note...]", function(ev, args)
  ev:reply("hi " .. args.who .. " " .. tostring(args.note))
end)
command("help")
`)
	h.s.g.SetHelp(map[string][]bindings.CommandInfo{"x": {{Name: "roll", Usage: "/roll [sides:integer=6]"}}}, []string{"x"})
	h.start()
	tests := []struct{ evType, content, want string }{
		{"AT_MESSAGE_CREATE", "<@!999> roll 20", "rolled d20"},
		{"AT_MESSAGE_CREATE", "<@!999> /roll", "rolled d6"},
		{"MESSAGE_CREATE", "/roll 8", "rolled d8"},
		{"AT_MESSAGE_CREATE", "<@!999> roll many", "Usage: /roll [sides:integer=6] (sides must be a whole number)"},
		{"AT_MESSAGE_CREATE", "<@!999> greet <@!77> nice to meet you", "hi 77 nice to meet you"},
		{"AT_MESSAGE_CREATE", "<@!999> greet", "Usage: /greet <who:user> [note...] (who is missing)"},
		{"C2C_MESSAGE_CREATE", "roll 3", "rolled d3"},
		{"AT_MESSAGE_CREATE", "<@!999> help", "Commands:\n/roll [sides:integer=6]"},
	}
	for i, tt := range tests {
		data := fmt.Sprintf(`{"id":"M%d","channel_id":"100","content":%q,"author":{"id":"42","user_openid":"U"}}`, i, tt.content)
		h.send(tt.evType, data)
		if c := h.nextCall(); c.Body["content"] != tt.want {
			t.Errorf("%s %q: reply %q, want %q", tt.evType, tt.content, c.Body["content"], tt.want)
		}
	}
	// A plain message without / or @ in a guild channel is not a command.
	h.send("MESSAGE_CREATE", `{"id":"Z","channel_id":"100","content":"roll 5"}`)
	h.send("AT_MESSAGE_CREATE", msg("roll 2"))
	if c := h.nextCall(); c.Body["content"] != "rolled d2" {
		t.Fatalf("plain message ran a command: %v", c.Body)
	}
}

func TestCommands_BadUsageStrings(t *testing.T) {
	for _, usage := range []string{"", "roll <sides:float>", "roll [a] <b>", "roll <rest...> [x]", "roll <n:integer=3>", "bad name!", "roll [n:integer=x]"} {
		_, err := newHarness(t, fmt.Sprintf(`command(%q, function() end)`, usage))
		if err == nil || !strings.Contains(err.Error(), "bot.lua:1:") {
			t.Errorf("usage %q: err = %v", usage, err)
		}
	}
}

func TestStrictGlobals(t *testing.T) {
	h := mustHarness(t, `
count = 0
later = nil
on("message", function(ev)
  count = count + 1
  later = "ok"
  if ev.text == "typo" then cuont = 1 end
  qq.send("100", later .. count)
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("x"))
	if c := h.nextCall(); c.Body["content"] != "ok1" {
		t.Fatalf("%v", c.Body)
	}
	h.send("AT_MESSAGE_CREATE", msg("typo"))
	h.logs.waitLog(t, "handler failed", `undeclared global "cuont"`, "bot.lua:7:")
}

func TestInbox_DropsOldestWhenFull(t *testing.T) {
	h, err := newHarnessWith(t, `on("message", function(ev) qq.send("100", ev.text) end)`, Limits{Inbox: 3, CPU: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// The scheduler is not running yet, so the inbox fills.
	for i := range 5 {
		h.send("AT_MESSAGE_CREATE", msg(fmt.Sprint(i)))
	}
	if n := h.s.dropped.Load(); n != 2 {
		t.Fatalf("dropped %d, want 2", n)
	}
	h.logs.waitLog(t, "inbox full")
	h.start()
	got := map[any]bool{}
	for range 3 {
		got[h.nextCall().Body["content"]] = true
	}
	if !got["2"] || !got["3"] || !got["4"] {
		t.Fatalf("handled %v, want the newest three: 2 3 4", got)
	}
}

func TestCPUBudget_CannotBeCaughtByPcall(t *testing.T) {
	h, err := newHarnessWith(t, `on("message", function(ev)
  if ev.text == "spin" then
    local ok = pcall(function() while true do end end)
    qq.send("100", "escaped the budget")
  end
  qq.send("100", "alive")
end)`, spinLimits)
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("spin"))
	h.logs.waitLog(t, "handler killed", "CPU budget")
	h.send("AT_MESSAGE_CREATE", msg("ok"))
	if c := h.nextCall(); c.Body["content"] != "alive" {
		t.Fatalf("content = %v", c.Body["content"])
	}
}

// CPU spent across waits adds up; waiting itself does not count.
func TestCPUBudget_ExcludesWaits(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  for i = 1, 5 do sleep(1) end
  qq.send("100", "slept")
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("x"))
	for range 5 {
		waitPending(t, h.clock)
		h.clock.Advance(time.Second)
	}
	if c := h.nextCall(); c.Body["content"] != "slept" {
		t.Fatalf("content = %v", c.Body["content"])
	}
}

// waitPending waits until the scheduler has registered a timer.
func waitPending(t *testing.T, c *VirtualClock) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for c.Pending() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no timer registered")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestMemory_BombStopsOnlyThatScript(t *testing.T) {
	h, err := newHarnessWith(t, `
big = {}
on("message", function(ev)
  if ev.text == "bomb" then
    local t = {}
    while true do t[#t + 1] = string.rep("x", 1000000) .. #t end
  end
end)`, Limits{Memory: 32 << 20, CPU: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	ctx, cancel := contextWithCancel()
	defer cancel()
	go watchMemory(ctx, func() []*script { return []*script{h.s} })
	h.send("AT_MESSAGE_CREATE", msg("bomb"))
	h.logs.waitLog(t, "script stopped", "memory limit")
}

func TestMemory_SlowLeakIntoGlobalsIsCaught(t *testing.T) {
	h, err := newHarnessWith(t, `
hoard = {}
on("message", function(ev)
  for i = 1, 20000 do hoard[#hoard + 1] = {id = i, name = "member " .. i} end
end)`, Limits{Memory: 2 << 20, CPU: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h.s.handleOnce(msgEvent("x"))
	if h.s.checkMemory(); !h.s.halted.Load() {
		t.Fatalf("estimate %d bytes not over the 2 MiB limit", h.s.estimate())
	}
}

func TestOSTimeFollowsTheScriptClock(t *testing.T) {
	h := mustHarness(t, `command("now", function(ev) ev:reply(os.time() .. " " .. os.date("%H:%M")) end)`)
	h.start()
	h.clock.Advance(2 * time.Minute)
	h.send("AT_MESSAGE_CREATE", msg("now"))
	want := fmt.Sprintf("%d 09:01", h.clock.Now().Unix())
	if c := h.nextCall(); c.Body["content"] != want {
		t.Fatalf("got %v, want %s", c.Body["content"], want)
	}
}

// A script with only commands still subscribes to messages.
func TestCommandsOnlyScriptWantsMessages(t *testing.T) {
	h := mustHarness(t, `command("ping", function(ev) ev:reply("pong") end)`)
	if !slices.Contains(h.s.subscribed, "message") {
		t.Fatalf("subscribed = %v, want message included", h.s.subscribed)
	}
}

func TestFailures_AreRateLimited(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev) error("always") end)`)
	h.start()
	for range failureBurst + 5 {
		h.send("AT_MESSAGE_CREATE", msg("x"))
	}
	h.idle()
	failed := 0
	for _, line := range strings.Split(h.logs.dump(), "\n") {
		if strings.Contains(line, "handler failed") {
			failed++
		}
	}
	if failed != failureBurst {
		t.Fatalf("%d failure lines logged, want %d", failed, failureBurst)
	}
	if h.s.failures.suppressed != 5 {
		t.Fatalf("suppressed = %d, want 5", h.s.failures.suppressed)
	}
}

func TestHandlerFailure_HasTraceback(t *testing.T) {
	h := mustHarness(t, `
local function inner() local x = nil return x.y end
local function middle() local v = inner() return v end
on("message", function(ev)
  middle()
end)`)
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("x"))
	h.logs.waitLog(t, "handler failed", "bot.lua:2: attempt to index", "called from", "bot.lua:3", "bot.lua:5")
}

func TestLimits_PerScriptPragma(t *testing.T) {
	h := mustHarness(t, "-- a bot\n-- luabot: cpu=0.5 memory=16 inbox=7\non('message', function() end)")
	if h.s.limits.CPU != 500*time.Millisecond || h.s.limits.Memory != 16<<20 || h.s.inbox.limit != 7 {
		t.Fatalf("limits = %+v, inbox %d", h.s.limits, h.s.inbox.limit)
	}
	if _, err := newHarness(t, "-- luabot: speed=9\n"); err == nil || !strings.Contains(err.Error(), "unknown limit") {
		t.Fatalf("err = %v", err)
	}
}
