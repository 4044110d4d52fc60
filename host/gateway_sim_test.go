package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// These tests run a whole bot (host, gateway client, scripts) against the simulator's
// fault injection: the reconnect policy of gateway/doc.go seen from the scripts.

// startHost runs a host like runHostWith, and also returns Run's result, so that a test
// can see Run end on its own.
func startHost(t *testing.T, platform *sim.Server, path string, cfg host.Config, scripts ...string) (*bot, <-chan error) {
	t.Helper()
	b, closeStore := newBot(t, platform, path, cfg, transport.Config{}, scripts...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	result := make(chan error, 1)
	go func() {
		err := b.Run(ctx, b.src)
		done <- err
		result <- err
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		closeStore()
	})
	return b, result
}

// recorderScript keeps every message it is handed in kv, numbered in arrival order, and
// answers "done" so that the test knows when everything before it was handled.
const recorderScript = `
on("message", function(ev)
  local n = kv.incr("count")
  kv.set(string.format("seen/%06d", n), ev.event_id .. " " .. ev.text)
  if ev.text == "done" then
    local _, err = ev:reply("done")
    if err then log.warn("reply failed:", err) end
  end
end)
`

// recorded reads what recorderScript kept: the texts in handling order, and how many
// times each event id was handled.
func recorded(t *testing.T, path string) (texts []string, ids map[string]int) {
	t.Helper()
	store, err := kv.Open(kv.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ids = map[string]int{}
	err = store.Scan("recorder", "seen/", func(_ string, val []byte) bool {
		// A value is a format byte, then JSON (bindings/kv.go); these are strings.
		var s string
		if i := bytes.IndexByte(val, '"'); i >= 0 {
			_ = json.Unmarshal(val[i:], &s)
		}
		id, text, _ := strings.Cut(s, " ")
		ids[id]++
		texts = append(texts, text)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return texts, ids
}

// A bot whose script records every message it sees, while the test posts a stream of
// messages and the simulator injects faults at fixed points (one every `every` posts):
// with drops and op 7, every message reaches the script exactly once, in order. With op 9
// mixed in, no message reaches it twice or out of order, the only ones missing were
// posted between an op 9 and the next fault, and each abandoned session is counted
// (Status.LostSessions) and logged with lost_after_seq.
//
// The host's gateway uses the production backoff (0.5–1 s before each reconnect), which
// host.Config does not expose, so this runs 500 messages and 4 faults per case (the
// faults are the point; each message is a kv write under -race);
// gateway's TestClient_Run_SimStreamSurvivesFaults runs 300 faults against the same
// simulator with a fast backoff.
func TestHost_StreamSurvivesSimFaults(t *testing.T) {
	t.Parallel()
	const total, every = 500, 100
	tests := []struct {
		name   string
		faults []string // cycled
	}{
		{"drops and op 7", []string{sim.FaultDrop, sim.FaultReconnect}},
		{"with op 9", []string{sim.FaultDrop, sim.FaultInvalidate, sim.FaultReconnect}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Starts are not paced here (max_concurrency 100): an op 9 would otherwise
			// wait out the 5 s start window; TestHost_ShardsOnSim covers pacing.
			platform := simtest.Start(t, sim.Config{MaxConcurrency: 100})
			dir := t.TempDir()
			script := filepath.Join(dir, "recorder.lua")
			if err := os.WriteFile(script, []byte(recorderScript), 0o600); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "bot.db")
			logs := simtest.NewLog()
			ctx := simtest.Deadline(t, 40*time.Second)
			h, stop := runHostWith(t, platform, path, host.Config{Logger: logs.Logger()}, script)

			injected := 0
			var invalidatedAt []int
			for n := 1; n <= total; n++ {
				if (n-1)%every == 0 {
					// Only fault a connection both sides consider up.
					logs.SessionsUp(t, ctx, injected+1)
					if n > 1 {
						kind := tt.faults[injected%len(tt.faults)]
						if err := platform.Inject(sim.Fault{Kind: kind}); err != nil {
							t.Fatal(err)
						}
						injected++
						if kind == sim.FaultInvalidate {
							invalidatedAt = append(invalidatedAt, n-1)
						}
					}
				}
				// Without a mention, so each post is one event (MESSAGE_CREATE): an
				// @-message is two (AT_MESSAGE_CREATE too), and the posts between faults
				// would then come closer to the simulator's 1000-event replay log.
				if _, err := platform.Post(sim.Post{Content: strconv.Itoa(n)}); err != nil {
					t.Fatal(err)
				}
			}
			logs.SessionsUp(t, ctx, injected+1)
			if _, err := platform.Post(sim.Post{Content: "done"}); err != nil {
				t.Fatal(err)
			}
			if _, err := platform.WaitSent(ctx, 0); err != nil {
				t.Fatalf("no answer to the last message: %v; log:\n%s", err, logs.Tail(20))
			}
			status := h.Status()
			if err := stop(); err != nil {
				t.Fatalf("Run = %v", err)
			}

			texts, ids := recorded(t, path)
			for id, k := range ids {
				if k != 1 {
					t.Errorf("event %s handled %d times", id, k)
				}
			}
			if len(texts) == 0 || texts[len(texts)-1] != "done" {
				t.Fatalf("the script's last message is not %q: %d recorded", "done", len(texts))
			}
			texts = texts[:len(texts)-1]
			last := 0
			have := map[int]bool{}
			for _, s := range texts {
				n, err := strconv.Atoi(s)
				if err != nil || n <= last {
					t.Fatalf("message %q after %d: duplicate or out of order", s, last)
				}
				last = n
				have[n] = true
			}
			var missing []int
			for n := 1; n <= total; n++ {
				if have[n] {
					continue
				}
				missing = append(missing, n)
				ok := false
				for _, f := range invalidatedAt {
					ok = ok || (n > f && n <= f+every)
				}
				if !ok {
					t.Fatalf("message %d never reached the script, and no op 9 preceded it (op 9 after %v); status %+v", n, invalidatedAt, status)
				}
			}
			if len(status.Shards) != 1 {
				t.Fatalf("status %+v", status)
			}
			sh := status.Shards[0]
			if sh.LostSessions != len(invalidatedAt) || sh.Identifies != 1+len(invalidatedAt) || sh.Resumes != injected-len(invalidatedAt) {
				t.Errorf("shard status %+v; want %d lost sessions, %d identifies, %d resumes", sh, len(invalidatedAt), 1+len(invalidatedAt), injected-len(invalidatedAt))
			}
			lost := logs.Matching("gateway disconnected", func(r simtest.Record) bool { return r.Attrs["lost_after_seq"] != "" })
			if len(lost) != len(invalidatedAt) {
				t.Errorf("%d disconnects logged lost_after_seq, want %d (one per op 9)", len(lost), len(invalidatedAt))
			}
			t.Logf("%d posts, %d faults (%d op 9): %d handled, %d lost", total, injected, len(invalidatedAt), len(texts), len(missing))
		})
	}
}

// A close from the platform leads to the action of the policy table, seen from the host:
// 4009 resumes the session, 4006 and 4900 start a new one (logged with lost_after_seq),
// and the fatal codes make host.Run return the *gateway.CloseError naming the fix, with
// the shard's status fatal.
func TestHost_SimCloseCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      sim.Config
		before   *sim.Fault // injected just before fault
		fault    *sim.Fault // nil: the identify itself is refused
		code     int
		decision string
		fix      string
	}{
		{name: "4009 resumes", fault: &sim.Fault{Kind: sim.FaultClose, Code: 4009}, code: 4009, decision: "resume"},
		{name: "4006 identifies", fault: &sim.Fault{Kind: sim.FaultClose, Code: 4006}, code: 4006, decision: "identify"},
		{name: "4900 identifies", fault: &sim.Fault{Kind: sim.FaultClose, Code: 4900}, code: 4900, decision: "identify"},
		// The token the client holds expired: the identify after 4006 is refused with
		// 4004, the client drops the token, fetches a new one and identifies again.
		{name: "4004 refetches the token", before: &sim.Fault{Kind: sim.FaultExpireToken},
			fault: &sim.Fault{Kind: sim.FaultClose, Code: 4006}, code: 4006, decision: "identify"},
		{name: "4014 stops", fault: &sim.Fault{Kind: sim.FaultClose, Code: 4014, Reason: "disallowed intents"}, code: 4014,
			decision: "stop", fix: "remove that handler or get the intent approved"},
		{name: "4915 stops", fault: &sim.Fault{Kind: sim.FaultClose, Code: 4915, Reason: "bot banned"}, code: 4915,
			decision: "stop", fix: "banned"},
		// The real way to meet 4014: the scripts require an intent the bot is not granted
		// (echo's "message" requires @-messages, PUBLIC_GUILD_MESSAGES).
		{name: "4014 at identify stops", cfg: sim.Config{GrantedIntents: sim.IntentGuilds}, code: 4014,
			decision: "stop", fix: "intent approved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.MaxConcurrency = 100 // a new session need not wait out the 5 s start window
			platform := simtest.Start(t, tt.cfg)
			logs := simtest.NewLog()
			ctx := simtest.Deadline(t, 20*time.Second)
			h, result := startHost(t, platform, filepath.Join(t.TempDir(), "bot.db"),
				host.Config{Logger: logs.Logger()}, "../examples/echo.lua")
			var first string
			if tt.fault != nil {
				logs.SessionsUp(t, ctx, 1)
				first = h.Status().Shards[0].SessionID
				if tt.before != nil {
					if err := platform.Inject(*tt.before); err != nil {
						t.Fatal(err)
					}
				}
				if err := platform.Inject(*tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			logs.WaitFor(t, ctx, "the disconnect decision", func() bool { return logs.Count("gateway disconnected") > 0 })
			rec := logs.Matching("gateway disconnected", nil)[0]
			if rec.Attrs["code"] != strconv.Itoa(tt.code) || rec.Attrs["decision"] != tt.decision {
				t.Fatalf("logged %s; want code %d decision %s", rec, tt.code, tt.decision)
			}

			if tt.decision == "stop" {
				var err error
				select {
				case err = <-result:
				case <-ctx.Done():
					t.Fatal("host.Run did not return after a fatal close")
				}
				var ce *gateway.CloseError
				if !errors.As(err, &ce) || ce.Code != tt.code || !strings.Contains(err.Error(), tt.fix) {
					t.Fatalf("host.Run = %v; want a *gateway.CloseError %d naming the fix %q", err, tt.code, tt.fix)
				}
				if rec.Level != slog.LevelError {
					t.Errorf("fatal close logged at %v, want ERROR", rec.Level)
				}
				if sh := h.Status().Shards[0]; sh.State != gateway.StateFatal || sh.LastCode != tt.code || sh.LastDecision != "stop" {
					t.Errorf("shard status %+v", sh)
				}
				return
			}

			// The bot answers on the resumed or new session.
			logs.SessionsUp(t, ctx, 2)
			if _, err := platform.Post(sim.Post{Content: "still there?", MentionBot: true}); err != nil {
				t.Fatal(err)
			}
			if got, err := platform.WaitSent(ctx, 0); err != nil || got.Content != "still there?" {
				t.Fatalf("answer %q, %v", got.Content, err)
			}
			sh := h.Status().Shards[0]
			switch tt.decision {
			case "resume":
				if sh.SessionID != first || sh.Resumes != 1 || sh.Identifies != 1 || sh.LostSessions != 0 {
					t.Errorf("shard status %+v; want session %s resumed", sh, first)
				}
				if rec.Attrs["lost_after_seq"] != "" {
					t.Errorf("a resume logged lost_after_seq: %s", rec)
				}
			case "identify":
				identifies := 2
				if tt.before != nil && tt.before.Kind == sim.FaultExpireToken {
					identifies = 3 // refused with 4004 once
					d := logs.Matching("gateway disconnected", nil)
					if len(d) != 2 || d[1].Attrs["code"] != "4004" || d[1].Attrs["decision"] != "identify" {
						t.Errorf("disconnects %v; want 4004 then identify after %d", d, tt.code)
					}
				}
				if sh.SessionID == first || sh.Identifies != identifies || sh.Resumes != 0 || sh.LostSessions != 1 {
					t.Errorf("shard status %+v; want a new session instead of %s after %d identifies", sh, first, identifies)
				}
				if rec.Attrs["lost_after_seq"] == "" {
					t.Errorf("abandoning session %s did not log lost_after_seq: %s", first, rec)
				}
			}
			if tt.before == nil && (sh.LastCode != tt.code || sh.LastDecision != tt.decision) {
				t.Errorf("shard status %+v; want last code %d, decision %s", sh, tt.code, tt.decision)
			}
			if n := platform.Sessions(); n != 1 {
				t.Errorf("%d identified connections on the platform, want 1", n)
			}
		})
	}
}

// shardOf is the platform's routing rule: (guild_id >> 22) % count (§2.2).
func shardOf(t *testing.T, guildID string, count uint64) int {
	t.Helper()
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return int((id >> 22) % count)
}

// Two shards in one process: both identify, the second only when the start window of
// max_concurrency 1 allows (5 s after the first), and each guild's messages arrive on the
// shard that owns it, exactly once, also across a drop that both shards resume (resumes
// are not paced).
func TestHost_ShardsOnSim(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{Shards: 2}) // MaxConcurrency 1, as on the platform
	ctx := simtest.Deadline(t, 30*time.Second)
	second, err := platform.JoinGuild("second guild")
	if err != nil {
		t.Fatal(err)
	}
	chans, err := simtest.API(t, platform).Channels(ctx, second.ID)
	if err != nil || len(chans) == 0 {
		t.Fatalf("channels of %s: %v %v", second.ID, chans, err)
	}
	w := platform.World()
	guilds := []struct{ id, channel string }{{w.Guild.ID, w.Channels[0].ID}, {second.ID, chans[0].ID}}
	owner := []int{shardOf(t, guilds[0].id, 2), shardOf(t, guilds[1].id, 2)}
	if owner[0] == owner[1] {
		t.Fatalf("both guilds on shard %d; the world no longer splits them", owner[0])
	}

	logs := simtest.NewLog()
	// The platform's window is 5 s; a shorter one shows the same pacing sooner.
	const window = 300 * time.Millisecond
	h, stop := runHostVia(t, platform, filepath.Join(t.TempDir(), "bot.db"),
		host.Config{Logger: logs.Logger()}, transport.Config{Shards: 2, StartWindow: window}, "../examples/echo.lua")
	logs.SessionsUp(t, ctx, 2)
	if err := platform.WaitSessions(ctx, 2); err != nil {
		t.Fatal(err)
	}
	ids := logs.Matching("gateway identifying", nil)
	if len(ids) != 2 || ids[0].Attrs["shard_id"] == ids[1].Attrs["shard_id"] {
		t.Fatalf("identifies: %v", ids)
	}
	// The log lines are written after each start slot is granted, so a
	// first line written late under load shortens the gap (255 ms once, in
	// a whole-suite run); an unpaced start shows a gap near zero (2 ms).
	if gap := ids[1].Time.Sub(ids[0].Time); gap < window/2 {
		t.Errorf("second shard identified %v after the first; max_concurrency 1 allows one start per %v", gap, window)
	}

	// Guild g gets (g+1)*perBatch messages per batch, so that each shard's event count
	// tells which guild's messages it carried.
	const perBatch = 5
	var posted []string
	post := func(batch string) {
		for i := range 2 * perBatch {
			for g, gd := range guilds {
				if i >= (g+1)*perBatch {
					continue
				}
				text := fmt.Sprintf("%s g%d m%d", batch, g, i)
				if _, err := platform.Post(sim.Post{ChannelID: gd.channel, Content: text, MentionBot: true}); err != nil {
					t.Fatal(err)
				}
				posted = append(posted, text)
			}
		}
	}
	post("live")
	platform.DropConnections()
	post("dropped") // logged by the platform, replayed on resume
	logs.SessionsUp(t, ctx, 4)
	post("resumed")
	if _, err := platform.WaitSent(ctx, len(posted)-1); err != nil {
		t.Fatalf("%v; %d answers of %d", err, len(platform.Sent()), len(posted))
	}

	answers := map[string]int{}
	for _, m := range platform.Sent() {
		answers[m.Content]++
		g := 0
		if strings.Contains(m.Content, " g1 ") {
			g = 1
		}
		if m.ChannelID != guilds[g].channel {
			t.Errorf("%q answered in channel %s, want %s", m.Content, m.ChannelID, guilds[g].channel)
		}
	}
	for _, text := range posted {
		if answers[text] != 1 {
			t.Errorf("%q answered %d times, want once", text, answers[text])
		}
	}
	if len(answers) != len(posted) {
		t.Errorf("%d distinct answers to %d messages", len(answers), len(posted))
	}
	st := h.Status()
	if len(st.Shards) != 2 || st.Duplicates != 0 {
		t.Fatalf("status %+v", st)
	}
	for g := range guilds {
		sh := st.Shards[owner[g]]
		// READY, RESUMED and the messages of the guild the shard owns, each once as
		// AT_MESSAGE_CREATE and once as MESSAGE_CREATE (echo's "message" got the
		// private-domain intent, which the simulator grants by default).
		want := 2 + 2*3*(g+1)*perBatch
		if sh.Shard != [2]int{owner[g], 2} || sh.Identifies != 1 || sh.Resumes != 1 || sh.Events != want {
			t.Errorf("shard %d (owns guild %d): %+v; want 1 identify, 1 resume, %d events", owner[g], g, sh, want)
		}
	}
	if got, want := h.Received(), uint64(4+2*len(posted)); got != want {
		t.Errorf("scripts were handed %d events, want %d", got, want)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
}

// A restarted bot with two shards resumes both persisted sessions (no new session, so no
// start to pace) and each shard replays what its guild missed, once.
func TestHost_ShardsResumeAfterRestart(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{Shards: 2, MaxConcurrency: 2})
	ctx := simtest.Deadline(t, 20*time.Second)
	second, err := platform.JoinGuild("second guild")
	if err != nil {
		t.Fatal(err)
	}
	chans, err := simtest.API(t, platform).Channels(ctx, second.ID)
	if err != nil || len(chans) == 0 {
		t.Fatalf("channels of %s: %v %v", second.ID, chans, err)
	}
	channels := []string{platform.World().Channels[0].ID, chans[0].ID}
	path := filepath.Join(t.TempDir(), "bot.db")

	logs := simtest.NewLog()
	first, stop := runHostVia(t, platform, path, host.Config{Logger: logs.Logger()}, transport.Config{Shards: 2}, "../examples/echo.lua")
	logs.SessionsUp(t, ctx, 2)
	for g, ch := range channels {
		if _, err := platform.Post(sim.Post{ChannelID: ch, Content: fmt.Sprintf("up g%d", g), MentionBot: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := platform.WaitSent(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// Both READYs and each message as AT_MESSAGE_CREATE and MESSAGE_CREATE, so that
	// what the restart replays is only what was posted while it was down.
	settle(t, first.Host, 6)
	if err := stop(); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	for g, ch := range channels {
		if _, err := platform.Post(sim.Post{ChannelID: ch, Content: fmt.Sprintf("down g%d", g), MentionBot: true}); err != nil {
			t.Fatal(err)
		}
	}

	logs = simtest.NewLog()
	h, stop := runHostVia(t, platform, path, host.Config{Logger: logs.Logger()}, transport.Config{Shards: 2}, "../examples/echo.lua")
	logs.SessionsUp(t, ctx, 2)
	if _, err := platform.WaitSent(ctx, 3); err != nil {
		t.Fatalf("%v; log:\n%s", err, logs.Tail(20))
	}
	answers := map[string]int{}
	for _, m := range platform.Sent() {
		answers[m.Content]++
	}
	for _, want := range []string{"up g0", "up g1", "down g0", "down g1"} {
		if answers[want] != 1 {
			t.Errorf("%q answered %d times, want once (answers %v)", want, answers[want], answers)
		}
	}
	st := h.Status()
	for _, sh := range st.Shards {
		// RESUMED and the one message its guild missed, as AT_MESSAGE_CREATE and
		// MESSAGE_CREATE.
		if sh.Resumes != 1 || sh.Identifies != 0 || sh.Events != 3 {
			t.Errorf("shard %v: %+v; want its session resumed with one event replayed", sh.Shard, sh)
		}
	}
	if n := logs.Count("gateway session loaded"); n != 2 {
		t.Errorf("%d sessions loaded, want 2", n)
	}
	if err := stop(); err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if n := len(platform.Sent()); n != 4 {
		t.Errorf("%d answers, want 4", n)
	}
}
