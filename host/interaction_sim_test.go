package host_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// pressOnSim clicks a button as bob in scene and waits for the platform to
// record its acknowledgement.
func pressOnSim(t *testing.T, ctx context.Context, platform *sim.Server, scene, data string) sim.Interaction {
	t.Helper()
	in, err := platform.Click(sim.Click{Scene: scene, UserID: "bob", ButtonID: "b1", ButtonData: data})
	if err != nil {
		t.Fatal(err)
	}
	got, err := platform.WaitInteraction(ctx, in.ID)
	if err != nil {
		t.Fatalf("press %q: %v", data, err)
	}
	return got
}

// handlersDecide is a clock for the host and the simulator that stands still, so that
// the acknowledgement's 2.5 s deadline never comes first and the handlers' outcomes
// decide the codes. On the real clock, a handler waiting its turn behind a neighbour
// test's long stretch of Lua (the memory watchdog's one-at-a-time mode: runs.go) was
// once still queued at 2.5 s, and the deadline acknowledged its failing press with
// success. The deadline itself is TestHost_ButtonAcknowledgedAtDeadline's.
func handlersDecide() *host.VirtualClock {
	return host.NewVirtualClock(time.Now()) // near real time: the REST client's reply windows read the real clock
}

// Over the gateway every press is acknowledged once with PUT /interactions/{id}: success
// when the handlers return, failure when one raises, the handler's own code when it calls
// ev:ack (a second ev:ack is a no-op returning false), and success when no handler takes
// the press at all. ev:reply answers in the press's own chat with event_id, and ev.user
// names who pressed in every scene.
func TestHost_ButtonsAcknowledgedOverGateway(t *testing.T) {
	t.Parallel()
	clock := handlersDecide()
	platform := simtest.Start(t, sim.Config{Clock: clock.Now})
	ctx := simtest.Deadline(t, 20*time.Second)
	scripts := writeScripts(t, map[string]string{
		"buttons.lua": `
on("button", function(ev)
  if ev.button_data == "boom" then error("boom") end
  if ev.button_data == "deny" then
    local first = ev:ack(4)
    local second = ev:ack(0)
    ev:reply("acks " .. tostring(first) .. " " .. tostring(second))
    return
  end
  if ev.button_data == "quiet" then return end
  local sent, err = ev:reply(ev.scene .. " " .. ev.button_id .. " " .. ev.button_data .. " by " .. ev.user.id)
  if not sent then error(tostring(err)) end
end)`,
		// Subscribed to the platform name too: both handlers run, one acknowledgement.
		"raw.lua": `on("INTERACTION_CREATE", function(ev) end)`,
	})
	stop := runHost(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{Clock: clock}, scripts...)
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatal(err)
	}
	w := platform.World()
	var bobID, bobOpenID string
	for _, u := range w.Users {
		if u.Username == "bob" {
			bobID, bobOpenID = u.ID, u.OpenID
		}
	}

	sent := 0
	for _, tc := range []struct {
		scene, want string
	}{
		{sim.SceneGuild, "guild b1 yes by " + bobID},
		{sim.SceneGroup, "group b1 yes by " + bobOpenID},
		{sim.SceneC2C, "c2c b1 yes by " + bobOpenID},
	} {
		in := pressOnSim(t, ctx, platform, tc.scene, "yes")
		if in.Via != "rest" || in.Code != 0 || in.Acks != 1 || in.Late {
			t.Errorf("%s: acknowledged %+v; want once, by PUT, code 0, in time", tc.scene, in)
		}
		m, err := platform.WaitSent(ctx, sent)
		if err != nil {
			t.Fatal(err)
		}
		sent++
		if m.Content != tc.want || m.EventID != in.EventID {
			t.Errorf("%s: reply %q with event_id %q; want %q with %q", tc.scene, m.Content, m.EventID, tc.want, in.EventID)
		}
	}

	if in := pressOnSim(t, ctx, platform, sim.SceneC2C, "boom"); in.Code != 1 || in.Acks != 1 {
		t.Errorf("a failing handler: %+v; want code 1, once", in)
	}
	if in := pressOnSim(t, ctx, platform, sim.SceneGroup, "deny"); in.Code != 4 || in.Acks != 1 {
		t.Errorf("ev:ack(4): %+v; want code 4, once", in)
	}
	m, err := platform.WaitSent(ctx, sent)
	if err != nil {
		t.Fatal(err)
	}
	if m.Content != "acks true false" {
		t.Errorf("ev:ack twice returned %q; want true then false", m.Content)
	}
	if in := pressOnSim(t, ctx, platform, sim.SceneGuild, "quiet"); in.Code != 0 || in.Acks != 1 {
		t.Errorf("a handler that does nothing: %+v; want code 0, once", in)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, in := range platform.Interactions() {
		if in.Acks != 1 || in.Late {
			t.Errorf("interaction %s acknowledged %d times, late %v; want once, in time", in.ID, in.Acks, in.Late)
		}
	}
}

// A press whose handler is still running at 2.5 s is acknowledged then, with success, within
// the platform's deadline; the handler's later ev:ack changes nothing.
func TestHost_ButtonAcknowledgedAtDeadline(t *testing.T) {
	t.Parallel()
	// Near real time: the REST client's reply windows read the real clock.
	clock := host.NewVirtualClock(time.Now())
	platform := simtest.Start(t, sim.Config{Clock: clock.Now})
	ctx := simtest.Deadline(t, 20*time.Second)
	scripts := writeScripts(t, map[string]string{"slow.lua": `
on("button", function(ev)
  ev:reply("working")
  sleep(10)
  ev:reply("late ack " .. tostring(ev:ack(1)))
end)`})
	stop := runHost(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{Clock: clock}, scripts...)
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatal(err)
	}
	in, err := platform.Click(sim.Click{Scene: sim.SceneC2C, ButtonID: "b", ButtonData: "slow"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := platform.WaitSent(ctx, 0); err != nil {
		t.Fatal(err)
	}
	// The acknowledgement's deadline and the handler's sleep are both on the clock.
	for clock.Pending() < 2 {
		select {
		case <-ctx.Done():
			t.Fatalf("%d timers on the clock, want 2", clock.Pending())
		case <-time.After(time.Millisecond):
		}
	}
	if got, _ := platform.Interaction(in.ID); got.Acked {
		t.Fatalf("acknowledged before the deadline while the handler runs: %+v", got)
	}
	clock.Advance(2500 * time.Millisecond)
	got, err := platform.WaitInteraction(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Code != 0 || got.Late || got.Latency != 2500*time.Millisecond {
		t.Errorf("acknowledged %+v; want code 0 at 2.5 s, in time", got)
	}
	clock.Advance(10 * time.Second)
	m, err := platform.WaitSent(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Content != "late ack false" {
		t.Errorf("ev:ack after the deadline's ack: %q; want false", m.Content)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got, _ := platform.Interaction(in.ID); got.Acks != 1 {
		t.Errorf("%d acknowledgements, want 1", got.Acks)
	}
}

// Over webhooks the acknowledgement is the answer to the INTERACTION_CREATE callback: it
// carries the handler's code, or failure for a handler that raised, and no PUT is made
// (the platform would ignore it).
func TestHost_ButtonsAcknowledgedInWebhookAnswer(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	clock := handlersDecide()
	platform := simtest.Start(t, sim.Config{WebhookURL: "http://" + addr + "/", Clock: clock.Now})
	ctx := simtest.Deadline(t, 20*time.Second)
	scripts := writeScripts(t, map[string]string{"hook.lua": `
on("button", function(ev)
  if ev.button_data == "boom" then error("boom") end
  ev:ack(tonumber(ev.button_data))
  ev:reply("pressed " .. ev.button_data)
end)`})
	logs := simtest.NewLog()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the bot's log:\n%s", logs.Tail(30))
		}
	})
	_, stop := runHostVia(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{Clock: clock, Logger: logs.Logger()}, transport.Config{
		Kind:    transport.Webhook,
		Webhook: gateway.WebhookConfig{Secret: platform.Secret(), Listen: addr},
	}, scripts...)

	in := pressOnSim(t, ctx, platform, sim.SceneGroup, "2")
	if in.Via != "webhook" || in.Code != 2 || in.Acks != 1 || in.Ignored != 0 || !strings.Contains(in.AckBody, `"op":12`) {
		t.Errorf("acknowledged %+v; want code 2 in the callback's answer, no PUT", in)
	}
	m, err := platform.WaitSent(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Content != "pressed 2" || m.EventID != in.EventID {
		t.Errorf("reply %q to %q; want %q to %q", m.Content, m.EventID, "pressed 2", in.EventID)
	}
	if in := pressOnSim(t, ctx, platform, sim.SceneGuild, "boom"); in.Via != "webhook" || in.Code != 1 {
		t.Errorf("a failing handler over webhook: %+v; want code 1 in the answer", in)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// A press no handler takes (here no script listens for buttons; after a reload, a press on
// a message of the old version is the same) is still acknowledged, with success.
func TestHost_UnhandledPressAcknowledged(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{})
	ctx := simtest.Deadline(t, 20*time.Second)
	scripts := writeScripts(t, map[string]string{"echo.lua": `on("message", function(ev) ev:reply(ev.text) end)`})
	stop := runHost(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{
		Intents: gateway.IntentInteraction | gateway.IntentPublicGuildMessages | gateway.IntentGroupAndC2C,
	}, scripts...)
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if in := pressOnSim(t, ctx, platform, sim.SceneGroup, "old"); in.Code != 0 || in.Acks != 1 || in.Via != "rest" {
		t.Errorf("unhandled press: %+v; want acknowledged once with success", in)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
