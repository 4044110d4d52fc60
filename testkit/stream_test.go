package testkit_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/luabot/luabot/testkit"
)

// Streamed replies in C2C: the first write goes at once, later ones are gathered until a
// second has passed, finish sends the rest as the last piece, and the platform shows one
// message; the stream is one of the message's five replies. A handler that fails or returns
// mid-stream has its stream finished by the host, with a warning; outside C2C ev:stream
// returns nil, err.
func TestRun_StreamedReplies(t *testing.T) {
	dir := mustDir(t, map[string]string{
		"streamer.lua": `
on("message", function(ev)
  if ev.text == "story" then
    local s, err = ev:stream()
    if not s then return ev:reply("no stream: " .. tostring(err)) end
    s:write("Once")
    s:write(" upon")
    s:write(" a time")
    sleep(1)
    s:write(",")
    local sent, ferr = s:finish(" the end.")
    local again = s:write("more")
    local ok = 0
    for i = 1, 3 do
      if ev:reply("after " .. i) then ok = ok + 1 end
    end
    ev:reply(tostring(sent ~= nil) .. " " .. tostring(again) .. " " .. ok)
    ev:reply("a sixth reply")
  elseif ev.text == "fail" then
    local s = ev:stream()
    s:write("partial")
    error("boom")
  elseif ev.text == "forget" then
    local s = ev:stream()
    s:write("left")
    s:write(" open")
  end
end)`,
		"streamer_test.lua": `
test("pieces are paced and assembled into one message", function()
  sim.say("c2c", "story")
  sim.advance(1)
  local m = sim.sent(1)
  expect(m.content).to_be("Once upon a time, the end.")
  expect(m.stream).to_be({pieces = 3, finished = true})
  expect(m.body.stream).to_be({state = 1, index = 1})
  -- the stream took one of the five replies: four more, and not a sixth
  expect(sim.sent(-1).content).to_be("true nil 3")
  expect(#sim.sent()).to_be(5)
end)

test("a failing handler's stream is finished", function()
  sim.expect_error("boom")
  sim.say("c2c", "fail")
  expect(sim.sent(1).content).to_be("partial")
  expect(sim.sent(1).stream).to_be({pieces = 2, finished = true})
end)

test("a stream left open is finished", function()
  sim.say("c2c", "forget")
  expect(sim.sent(1).content).to_be("left open")
  expect(sim.sent(1).stream.finished).to_be(true)
end)

test("streams are C2C only", function()
  sim.say("group", "story")
  expect(sim.sent(1).content).to_match("^no stream: .*C2C")
end)`,
	})
	var logs bytes.Buffer
	files, err := testkit.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sum := testkit.Run(context.Background(), testkit.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, files,
		func(r testkit.Result) { lines = append(lines, r.String()) })
	if sum.Failed != 0 || sum.Passed != 4 {
		t.Fatalf("%s", strings.Join(lines, "\n"))
	}
	if n := strings.Count(logs.String(), "streamed reply was left unfinished"); n != 2 {
		t.Errorf("%d warnings about unfinished streams, want 2 (fail, forget); log:\n%s", n, logs.String())
	}
}
