package host_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// ev:reply survives a 5xx: before the platform processed the reply (the
// retry delivers it) and after it stored it (the retry is refused as a
// duplicate, which counts as delivered). Either way exactly one reply per
// message reaches the chat and the script sees success.
func TestHost_ReplyAfter503IsDelivered(t *testing.T) {
	t.Parallel() // its own simulator
	platform := simtest.Start(t, sim.Config{})
	dir := t.TempDir()
	script := filepath.Join(dir, "pong.lua")
	if err := os.WriteFile(script, []byte(`
on("message", function(ev)
  local sent, err = ev:reply("pong " .. ev.text)
  if sent then
    log.info("reply ok", ev.text, sent.deduplicated == true)
  else
    log.warn("reply failed", ev.text)
    log.warn(err)
  end
end)
`), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := simtest.NewLog()
	ctx := simtest.Deadline(t, 20*time.Second)
	_, stop := runHostWith(t, platform, filepath.Join(dir, "bot.db"), host.Config{Logger: logs.Logger()}, script)
	defer stop()
	logs.SessionsUp(t, ctx, 1)

	outcome := func(text string) string {
		t.Helper()
		var got string
		logs.WaitFor(t, ctx, "the script's reply to "+text, func() bool {
			for _, msg := range []string{"reply ok " + text + " false", "reply ok " + text + " true", "reply failed " + text} {
				if len(logs.Matching(msg, nil)) > 0 {
					got = msg
					return true
				}
			}
			return false
		})
		return got
	}
	for i, tc := range []struct {
		text  string
		after bool
		want  string
	}{
		{"before", false, "reply ok before false"},
		{"after", true, "reply ok after true"},
	} {
		if err := platform.Inject(sim.Fault{Kind: sim.FaultRESTStatus, Status: http.StatusServiceUnavailable, After: tc.after}); err != nil {
			t.Fatal(err)
		}
		if _, err := platform.Post(sim.Post{Content: tc.text, MentionBot: true}); err != nil {
			t.Fatal(err)
		}
		if got := outcome(tc.text); got != tc.want {
			t.Fatalf("script logged %q, want %q; log:\n%s", got, tc.want, logs.Tail(20))
		}
		sent := platform.Sent()
		if len(sent) != i+1 || sent[i].Content != "pong "+tc.text {
			t.Fatalf("the chat has %+v, want one reply per message", sent)
		}
	}
}
