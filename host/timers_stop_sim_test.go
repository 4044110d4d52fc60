package host_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// A handler still running when the host stops, which sets a timer once its reply returns,
// must not keep the host from stopping: the timer is never scheduled (before the fix it was,
// after the script's timers had been canceled, and shutdown waited for it to fire, forever
// on a virtual clock).
func TestHost_TimerSetWhileStoppingDoesNotHang(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{MessageDelay: 300 * time.Millisecond})
	ctx := simtest.Deadline(t, 20*time.Second)
	clock := host.NewVirtualClock(time.Now())
	scripts := writeScripts(t, map[string]string{"late.lua": `
on("message", function(ev)
  ev:reply("working")
  timer.after(3600, function() end)
end)`})
	h, stop := runHostWith(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{Clock: clock}, scripts...)
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatal(err)
	}
	before := h.Received()
	if _, err := platform.Post(sim.Post{Content: "go", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	for h.Received() == before {
		select {
		case <-ctx.Done():
			t.Fatal("the host did not receive the message")
		case <-time.After(time.Millisecond):
		}
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("the host did not stop: a timer set while stopping holds it")
	}
	if n := len(platform.Sent()); n != 1 {
		t.Errorf("%d replies, want the one the handler sent while the host stopped", n)
	}
}
