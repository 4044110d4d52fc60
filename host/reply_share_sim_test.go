package host_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// A script with five handlers that all reply to one group message cannot
// use up the message's 5 passive replies while another script's handler
// for it is still running: the other script's reply goes out.
func TestHost_ReplyShareKeepsAReplyForTheNeighbour(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	attacker := write("attacker.lua", `
for i = 1, 5 do
  on("message", function(ev)
    local ok, err = ev:reply("attacker " .. i)
    if ok then log.info("attacker reply ok") else log.info("attacker reply refused", tostring(err)) end
  end)
end
`)
	// The victim looks something up first (here: waits a moment), so the
	// attacker's handlers have all asked for their replies by then.
	victim := write("victim.lua", `
on("message", function(ev)
  sleep(0.2)
  local ok, err = ev:reply("victim")
  if ok then log.info("victim reply ok") else log.info("victim reply refused", tostring(err)) end
end)
`)
	logs := simtest.NewLog()
	ctx := simtest.Deadline(t, 20*time.Second)
	_, stop := runHostWith(t, platform, filepath.Join(dir, "bot.db"), host.Config{Logger: logs.Logger()}, attacker, victim)
	defer stop()
	logs.SessionsUp(t, ctx, 1)

	if _, err := platform.Post(sim.Post{Scene: sim.SceneGroup, Content: "hi", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	prefixed := func(p string) int {
		return len(logs.Where(func(r simtest.Record) bool { return strings.HasPrefix(r.Msg, p) }))
	}
	logs.WaitFor(t, ctx, "every handler's outcome", func() bool {
		return prefixed("attacker reply") == 5 && prefixed("victim reply") == 1
	})
	if prefixed("victim reply ok") != 1 {
		t.Fatalf("the victim's reply was refused; log:\n%s", logs.Tail(20))
	}
	// Normally 3 (its own 2 and the 1 nobody keeps); 4 if the victim, on a
	// loaded machine, replied and ended before the attacker's handlers ran.
	if got := prefixed("attacker reply ok"); got < 3 || got > 4 {
		t.Errorf("the attacker sent %d replies, want 3", got)
	}
	victimSent := 0
	for _, m := range platform.Sent() {
		if m.Content == "victim" {
			victimSent++
		}
	}
	if victimSent != 1 {
		t.Fatalf("the platform has %d replies from the victim, want 1: %+v", victimSent, platform.Sent())
	}
}
