package host_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// Answers every message with its type and text.
const everyMessage = `on("message", function(ev)
  local _, err = ev:reply(ev.type .. " " .. ev.text)
  if err then log.warn("reply failed:", err) end
end)`

// settle waits until the host has routed n dispatches and every script is idle, so
// that everything the bot will send has been sent.
func settle(t *testing.T, h *host.Host, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !(h.Received() >= n && h.Idle()) {
		if time.Now().After(deadline) {
			t.Fatalf("host did not settle: received %d of %d, idle %v", h.Received(), n, h.Idle())
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, with a deadline
	}
}

func sentContents(platform *sim.Server) []string {
	var out []string
	for _, m := range platform.Sent() {
		out = append(out, m.Content)
	}
	return out
}

// A bot approved for private-domain messages and DMs gets every message through
// on("message"): MESSAGE_CREATE without a mention, DIRECT_MESSAGE_CREATE, and an
// @-message once although the platform sends it as AT_MESSAGE_CREATE and as
// MESSAGE_CREATE; a handler named MESSAGE_CREATE still gets its own copy.
func TestIntents_MessageGetsEverythingWhenGranted(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{}) // every intent granted
	paths := writeScripts(t, map[string]string{
		"all.lua":   everyMessage,
		"named.lua": `on("MESSAGE_CREATE", function(ev) ev:reply("named " .. ev.text) end)`,
	})
	logs := simtest.NewLog()
	h, _ := runHostWith(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{Logger: logs.Logger()}, paths...)
	ctx := simtest.Deadline(t, 10*time.Second)
	logs.SessionsUp(t, ctx, 1)
	if got, want := h.Status().Shards[0].Intents, gateway.IntentPublicGuildMessages|gateway.IntentGroupAndC2C|gateway.IntentGuildMessages|gateway.IntentDirectMessage; got != want {
		t.Fatalf("identified with %v, want %v", got, want)
	}

	if _, err := platform.Post(sim.Post{Content: "plain"}); err != nil {
		t.Fatal(err)
	}
	if _, err := platform.Post(sim.Post{Scene: sim.SceneDM, Content: "psst"}); err != nil {
		t.Fatal(err)
	}
	if _, err := platform.Post(sim.Post{Content: "hi", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	// READY, MESSAGE_CREATE, DIRECT_MESSAGE_CREATE, AT_MESSAGE_CREATE + MESSAGE_CREATE.
	settle(t, h.Host, 5)
	got := sentContents(platform)
	want := []string{"MESSAGE_CREATE plain", "named plain", "DIRECT_MESSAGE_CREATE psst", "AT_MESSAGE_CREATE hi", "named hi"}
	if !sameSet(got, want) {
		t.Fatalf("sent %q, want %q (in any order)", got, want)
	}
	if n := len(logs.Matching("intents not granted", nil)); n != 0 {
		t.Errorf("%d warnings about intents", n)
	}
}

// A bot without that approval still runs: the platform refuses the first Identify with
// 4014, the bot identifies again without the private-domain intents, says once which
// events the scripts will not get and why, answers @-messages, and its status shows what
// was and was not granted. Reconnects and new sessions ask for the granted set directly.
func TestIntents_NotGrantedStillRuns(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{MaxConcurrency: 100,
		GrantedIntents: sim.IntentGuilds | sim.IntentGuildMembers | sim.IntentPublicGuildMessages | sim.IntentGroupAndC2C})
	paths := writeScripts(t, map[string]string{"all.lua": everyMessage})
	logs := simtest.NewLog()
	h, stop := runHostWith(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{Logger: logs.Logger()}, paths...)
	ctx := simtest.Deadline(t, 20*time.Second)
	logs.SessionsUp(t, ctx, 1)

	if _, err := platform.Post(sim.Post{Content: "plain"}); err != nil { // not delivered: no intent
		t.Fatal(err)
	}
	if _, err := platform.Post(sim.Post{Content: "hi", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	settle(t, h.Host, 2) // READY, AT_MESSAGE_CREATE
	if got := sentContents(platform); len(got) != 1 || got[0] != "AT_MESSAGE_CREATE hi" {
		t.Fatalf("sent %q, want only the answer to the @-message", got)
	}

	warnings := logs.Matching(`intents not granted: on("message") will not receive DIRECT_MESSAGE_CREATE or MESSAGE_CREATE`, nil)
	if len(warnings) != 1 || warnings[0].Level != slog.LevelWarn || !strings.Contains(warnings[0].Attrs["why"], "approval") ||
		warnings[0].Attrs["events"] != "DIRECT_MESSAGE_CREATE,MESSAGE_CREATE" {
		t.Fatalf("warnings %v; want one naming the events and why; log:\n%s", warnings, logs.Tail(30))
	}
	if n := logs.Count("gateway disconnected"); n != 0 {
		t.Errorf("%d disconnect decisions logged; a refused optional intent is no failure", n)
	}
	st := h.Status()
	if st.IntentsNotGranted != gateway.IntentGuildMessages|gateway.IntentDirectMessage ||
		st.Shards[0].Intents != gateway.IntentPublicGuildMessages|gateway.IntentGroupAndC2C {
		t.Fatalf("status: not granted %v, shard intents %v", st.IntentsNotGranted, st.Shards[0].Intents)
	}
	identifies := st.Shards[0].Identifies

	// A new session asks for the granted set at once.
	if err := platform.Inject(sim.Fault{Kind: sim.FaultInvalidate}); err != nil {
		t.Fatal(err)
	}
	logs.SessionsUp(t, ctx, 2)
	if st := h.Status().Shards[0]; st.Identifies != identifies+1 || st.Intents != gateway.IntentPublicGuildMessages|gateway.IntentGroupAndC2C {
		t.Fatalf("after op 9: %+v; want one more identify with the granted set", st)
	}
	if n := len(logs.Matching("gateway intents not permitted; identifying again without some optional ones", nil)); n != identifies-1 {
		t.Errorf("%d negotiation lines, want %d (none after the first READY)", n, identifies-1)
	}

	// A reload that adds another "message" script asks for nothing new: the refused
	// intents stay refused, without another warning. One that subscribes to a new event
	// is told the running session lacks it.
	dir := filepath.Dir(paths[0])
	more := filepath.Join(dir, "more.lua")
	if err := os.WriteFile(more, []byte(everyMessage), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.Reload(more); err != nil {
		t.Fatal(err)
	}
	members := filepath.Join(dir, "members.lua")
	if err := os.WriteFile(members, []byte(`on("GUILD_MEMBER_ADD", function(ev) end)`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.Reload(members); err != nil {
		t.Fatal(err)
	}
	missing := logs.Matching("a reloaded script subscribes to events this session does not receive; restart luabot to get them", nil)
	if len(missing) != 1 || missing[0].Attrs["intent_names"] != "GUILD_MEMBERS" {
		t.Errorf("reload warnings %v; want one, for GUILD_MEMBERS only", missing)
	}
	if n := len(logs.Matching(`intents not granted: on("message") will not receive DIRECT_MESSAGE_CREATE or MESSAGE_CREATE`, nil)); n != 1 {
		t.Errorf("%d warnings about refused intents after the reloads, want still 1", n)
	}

	// Reloads that leave no script subscribing to anything (files saved empty,
	// handlers commented out) want no event this session lacks: the GUILDS the
	// gateway would identify with then is only a stand-in for no intents.
	for _, p := range append([]string{members, more}, paths...) {
		if err := os.WriteFile(p, []byte("-- nothing yet\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := h.Reload(p); err != nil {
			t.Fatal(err)
		}
	}
	if missing := logs.Matching("a reloaded script subscribes to events this session does not receive; restart luabot to get them", nil); len(missing) != 1 {
		t.Errorf("reload warnings %v after every script stopped subscribing; want still the one for GUILD_MEMBERS", missing)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
}

// A guild-only bot, granted nothing beyond what the platform gives every bot, still
// runs with on("message"): group/C2C messages are asked for, not required, so the 4014
// they draw is negotiated away like the private-domain intents.
func TestIntents_GuildOnlyBotStillRuns(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{MaxConcurrency: 100,
		GrantedIntents: sim.IntentGuilds | sim.IntentGuildMembers | sim.IntentPublicGuildMessages})
	paths := writeScripts(t, map[string]string{"all.lua": everyMessage})
	logs := simtest.NewLog()
	h, _ := runHostWith(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{Logger: logs.Logger()}, paths...)
	ctx := simtest.Deadline(t, 30*time.Second)
	logs.SessionsUp(t, ctx, 1)
	if _, err := platform.Post(sim.Post{Content: "hi", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	settle(t, h.Host, 2) // READY, AT_MESSAGE_CREATE
	if got := sentContents(platform); len(got) != 1 || got[0] != "AT_MESSAGE_CREATE hi" {
		t.Fatalf("sent %q, want the answer to the @-message", got)
	}
	st := h.Status()
	if st.Shards[0].Intents != gateway.IntentPublicGuildMessages ||
		st.IntentsNotGranted != gateway.IntentGroupAndC2C|gateway.IntentGuildMessages|gateway.IntentDirectMessage {
		t.Fatalf("status: shard intents %v, not granted %v", st.Shards[0].Intents, st.IntentsNotGranted)
	}
	warnings := logs.Where(func(r simtest.Record) bool { return strings.HasPrefix(r.Msg, "intents not granted") })
	if len(warnings) != 1 || !strings.Contains(warnings[0].Msg, "GROUP_AT_MESSAGE_CREATE") || !strings.Contains(warnings[0].Msg, "C2C_MESSAGE_CREATE") {
		t.Fatalf("warnings %v; want one naming the group and C2C messages too", warnings)
	}
}

// Commands without the DM intent: the start-up log says that they will not
// answer in guild DMs (and names the scripts), rather than failing silently;
// with the intent, a command answers in a DM.
func TestIntents_CommandsInDMsNeedTheDMIntent(t *testing.T) {
	t.Parallel()
	const bot = `command("签到|checkin", function(ev) ev:reply("ok " .. ev.scene) end)`
	t.Run("not granted", func(t *testing.T) {
		t.Parallel()
		platform := simtest.Start(t, sim.Config{MaxConcurrency: 100,
			GrantedIntents: sim.IntentGuilds | sim.IntentGuildMembers | sim.IntentPublicGuildMessages | sim.IntentGroupAndC2C})
		paths := writeScripts(t, map[string]string{"checkin.lua": bot, "echo.lua": everyMessage})
		logs := simtest.NewLog()
		runHostWith(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{Logger: logs.Logger()}, paths...)
		logs.SessionsUp(t, simtest.Deadline(t, 20*time.Second), 1)
		warnings := logs.Matching("commands will not answer in guild DMs: the platform did not grant the DM intent (DIRECT_MESSAGE_CREATE)", nil)
		if len(warnings) != 1 || warnings[0].Attrs["scripts"] != "checkin" || !strings.Contains(warnings[0].Attrs["why"], "approval") {
			t.Fatalf("warnings %v; want one naming the script with commands; log:\n%s", warnings, logs.Tail(30))
		}
	})
	t.Run("granted", func(t *testing.T) {
		t.Parallel()
		platform := simtest.Start(t, sim.Config{})
		paths := writeScripts(t, map[string]string{"checkin.lua": bot})
		logs := simtest.NewLog()
		h, _ := runHostWith(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{Logger: logs.Logger()}, paths...)
		logs.SessionsUp(t, simtest.Deadline(t, 10*time.Second), 1)
		if _, err := platform.Post(sim.Post{Scene: sim.SceneDM, Content: "checkin"}); err != nil {
			t.Fatal(err)
		}
		settle(t, h.Host, 2) // READY, DIRECT_MESSAGE_CREATE
		if got := sentContents(platform); len(got) != 1 || got[0] != "ok dm" {
			t.Fatalf("sent %q, want the command's answer in the DM", got)
		}
		if n := logs.Count("commands will not answer in guild DMs: the platform did not grant the DM intent (DIRECT_MESSAGE_CREATE)"); n != 0 {
			t.Errorf("%d warnings about DMs with the intent granted", n)
		}
	})
}
