package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

// The chat's own commands reach every scene: the bot hears the right scene and the
// right speaker, a new name joins the guild, a reaction and a clock jump reach it, and
// a reply that is not to the chat's place or newest line says where and what it answers.
func TestDev_ChatCommandsReachEveryScene(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "where.lua"), []byte(`
on("message", function(ev)
  if ev.text == "two lines" then ev:reply("first\nsecond") return end
  ev:reply(ev.scene .. " " .. (ev.author.username or ev.author.id) .. ": " .. ev.text)
end)
on("MESSAGE_REACTION_ADD", function(ev) qq.send(ev.channel_id, "reacted " .. ev.emoji.id) end)
timer.every(3600, function() qq.send(kv.get("ch") or "", "an hour passed") end)
on("AT_MESSAGE_CREATE", function(ev) kv.set("ch", ev.channel_id) end)
`), 0o644)
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), dir)
	s.expect("luabot dev:")
	say := func(line string) { io.WriteString(s.stdin, line+"\n") }

	say("hello")
	s.expect("bot> guild ")
	say(":c2c")
	say("hi")
	s.expect("bot> c2c ")
	say(":group")
	say("hey")
	s.expect("bot> group ")
	say(":dm")
	say("psst")
	s.expect("bot> dm ")
	say(":in #general")
	say(":as bob")
	say("hi")
	s.expect("bot> guild bob: hi")
	say(":as zoe")
	s.expect("zoe joined the guild")
	say("me again")
	s.expect("bot> guild zoe: me again")
	say("two lines")
	s.expect("bot> first")
	if line := s.expect("second"); line != "   | second" {
		t.Errorf("second line of a reply printed as %q, want it marked", line)
	}
	say(":react 👍")
	s.expect("reacted 128077")
	say(":advance 1h")
	s.expect("the clock is now")
	s.expect("an hour passed")
	say(":frob")
	say("::colon")
	s.expect("bot> guild zoe: :colon")
	if !strings.Contains(s.stderr.String(), "unknown chat command :frob") {
		t.Errorf("stderr does not report the unknown command:\n%s", s.stderr.String())
	}
	say(":help")
	s.expect(":advance 1h")
	s.stdin.Close()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
}

// Pasted lines are answered in order, although the bot answers the first line last
// when they overlap.
func TestDev_PastedLinesAnsweredInOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "slow.lua"), []byte(`
local n = 0
on("message", function(ev)
  n = n + 1
  local busy = (5 - n) * 20000
  local x = 0
  for i = 1, busy do x = x + i end
  ev:reply(ev.text)
end)`), 0o644)
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), dir)
	s.expect("luabot dev:")
	io.WriteString(s.stdin, "one\ntwo\nthree\nfour\n")
	for i, want := range []string{"one", "two", "three", "four"} {
		// A reply that comes after the next line was posted (the chat waits
		// for the bot 3 s at most, which a loaded machine can outlast) names
		// the line it answers; the order is what counts.
		late := fmt.Sprintf("bot> (to line %d %q) %s", i+1, want, want)
		if line := s.expect("bot>"); line != "bot> "+want && line != late {
			t.Fatalf("got %q, want %q", line, "bot> "+want)
		}
	}
}

// unsettled is a bot that never settles: one whose host stopped with an
// event still queued, as happens when dev is stopped while it works.
type unsettled struct{}

func (unsettled) Received() uint64 { return 0 }
func (unsettled) Settled() bool    { return false }

// The chat waits up to 3 s for the bot to settle after each line; once the
// session ends it must stop waiting (it did not, and one dev session in
// ten took 3 s longer to quit).
func TestChat_SettleStopsWhenTheSessionEnds(t *testing.T) {
	t.Parallel()
	platform, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := &chat{platform: platform, host: unsettled{}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.settle(ctx)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second): // settle's own limit is 3 s
		t.Fatal("the chat went on waiting for the bot after the session ended")
	}
}

// settledBot is a bot that has taken every event and has nothing running.
type settledBot struct{}

func (settledBot) Received() uint64 { return 1 << 62 }
func (settledBot) Settled() bool    { return true }

// The chat posts the next pasted line only once the answer to this one is
// printed: a printer running behind would otherwise label that answer as
// one to an earlier line ("(to line 1 ...)").
func TestChat_SettleWaitsForThePrinter(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{})
	api, err := openapi.New(openapi.Config{AppID: platform.AppID(), Secret: platform.Secret(),
		BaseURL: platform.APIURL(), TokenURL: platform.TokenURL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := simtest.Deadline(t, 30*time.Second)
	if _, err := api.PostMessage(ctx, platform.World().Channels[0].ID, &openapi.MessageToCreate{Content: "an answer"}); err != nil {
		t.Fatal(err)
	}
	c := newChat(platform, settledBot{}, nil, io.Discard, io.Discard, slog.New(slog.DiscardHandler))
	unprinted, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if c.settle(unprinted); unprinted.Err() == nil {
		t.Fatal("settled with the bot's answer not yet printed")
	}
	c.shown.Add(1) // the printer wrote it
	printed, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if c.settle(printed); printed.Err() != nil {
		t.Fatal("still not settled once the answer was printed")
	}
}
