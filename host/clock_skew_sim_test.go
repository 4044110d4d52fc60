package host_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// A platform whose clock is far from the host's (here the host's clock is the one that is
// wrong, or events are replayed much later) stamps events with timestamps the local clock
// calls ancient or future. Reply windows count from when the events arrive, so the bot
// still answers, and the disagreement is logged once.
func TestHost_RepliesDespiteClockSkew(t *testing.T) {
	for _, skew := range []time.Duration{-8000 * time.Hour, time.Hour} {
		t.Run(skew.String(), func(t *testing.T) {
			t.Parallel()
			platform := simtest.Start(t, sim.Config{Clock: func() time.Time { return time.Now().Add(skew) }})
			dir := t.TempDir()
			script := filepath.Join(dir, "echo.lua")
			if err := os.WriteFile(script, []byte(`
on("message", function(ev)
  local sent, err = ev:reply("re " .. ev.text)
  if not sent then log.warn("reply failed:", err) end
end)
`), 0o600); err != nil {
				t.Fatal(err)
			}
			logs := simtest.NewLog()
			ctx := simtest.Deadline(t, 20*time.Second)
			// The REST client logs to the same place as the host, as luabot run sets it up.
			api, err := openapi.New(openapi.Config{AppID: platform.AppID(), Secret: platform.Secret(),
				BaseURL: platform.APIURL(), TokenURL: platform.TokenURL(), Logger: logs.Logger()})
			if err != nil {
				t.Fatal(err)
			}
			store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "bot.db")})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			h, err := host.New(host.Config{API: api, Store: store, Logger: logs.Logger()})
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Load(script); err != nil {
				t.Fatal(err)
			}
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			src, err := transport.New(transport.Config{API: api, Store: store, Intents: h, Logger: logs.Logger()})
			if err != nil {
				t.Fatal(err)
			}
			go func() { done <- h.Run(runCtx, src) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Run = %v", err)
				}
			}()
			logs.SessionsUp(t, ctx, 1)
			const n = 3
			for i := range n {
				if _, err := platform.Post(sim.Post{Content: strconv.Itoa(i), MentionBot: true}); err != nil {
					t.Fatal(err)
				}
				if _, err := platform.WaitSent(ctx, i); err != nil {
					t.Fatalf("no reply to message %d: %v; log:\n%s", i, err, logs.Tail(20))
				}
			}
			warned := logs.Matching("an event's timestamp and the local clock disagree; reply windows count from when events arrive", nil)
			if skew.Abs() > time.Minute && len(warned) != 1 {
				t.Errorf("%d clock warnings for %d events, want 1; log:\n%s", len(warned), n, logs.Tail(20))
			}
		})
	}
}
