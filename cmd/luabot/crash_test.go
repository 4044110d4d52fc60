//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/sim"
)

// kill -9 at random points while 400 events each do kv.incr and ev:reply,
// restarting on the same data file each time: every event is counted once
// and answered once. The session and dedup window are saved at most once a
// second while kv.incr commits at once, so without the once-per-event
// records the replayed events counted twice.
func TestRun_KillNineCountsEachEventOnce(t *testing.T) {
	killNine(t, killNineCase{
		script: `on("message", function(ev)
  local n = kv.incr("count")
  local ok, err = ev:reply("n=" .. n)
  if not ok and err.code ~= 40054005 then error(tostring(err)) end
end)`,
		post:   func(int) sim.Post { return sim.Post{Scene: sim.SceneGroup, Content: "hi"} },
		sends:  1,
		answer: func(m sim.SentMessage) (string, string) { return m.MsgID, "reply" },
	})
}

// The same in guild channels, with a qq.send after the reply: a handler
// cut short between a send and its end ran again for the replayed event
// and sent again. Each send is now marked before it leaves, and a re-run
// skips it: every event has at most one reply and one active message, and
// only a kill between a mark and its request loses one. (The simulator
// refuses a guild reply's repeated msg_seq, so here only the qq.send was
// doubled before; host's TestSends_ReplayedEventDoesNotSendAgain covers a
// guild reply on a platform that takes it twice.)
func TestRun_KillNineSendsEachGuildMessageOnce(t *testing.T) {
	// A guild channel takes 20 active messages a day: spread the events
	// over enough channels that each gets fewer.
	const channels = 64
	killNine(t, killNineCase{
		script: `on("AT_MESSAGE_CREATE", function(ev)
  local n = kv.incr("count")
  local ok, err = ev:reply("n=" .. n)
  if not ok and err.code ~= 40054005 then error(tostring(err)) end
  assert(qq.send(ev.channel_id, "active " .. ev.id))
end)`,
		setup: func(t *testing.T, platform *sim.Server) []string {
			var ids []string
			for i := range channels {
				g, err := platform.JoinGuild(fmt.Sprint("g", i))
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, platform.Channels(g.ID)[0].ID)
			}
			return ids
		},
		sends: 2,
		// Replies carry their first msg_seq and are never marked: a missing one is a fault.
		marked: func(kind string) string { return map[string]string{"send": "0\x00s0"}[kind] },
		answer: func(m sim.SentMessage) (string, string) {
			if m.MsgID != "" {
				return m.MsgID, "reply"
			}
			return strings.TrimPrefix(m.Content, "active "), "send"
		},
	})
}

type killNineCase struct {
	script string
	// setup prepares the platform before the bot starts; what it returns
	// is passed to post (nil: nothing to prepare).
	setup func(t *testing.T, platform *sim.Server) []string
	// post is the i'th message; nil posts in the setup's channels in turn.
	post func(i int) sim.Post
	// sends is how many messages the script sends per event; answer
	// names the event (its message id) a sent message answers and what
	// kind it is: each event must have each kind once.
	sends  int
	answer func(sim.SentMessage) (event, kind string)
	// marked names the send mark of a kind of answer (its handler's
	// ordinal and send ordinal: "0\x00s1"); nil when no kind is marked.
	// A marked send may be missing, lost to a kill between its mark and
	// its request: then its mark must be in the data file.
	marked func(kind string) string
}

// killNine runs c.script under 400 posted messages, kills it with SIGKILL
// at four random points and restarts it on the same data file, then checks
// that each event was counted once (kv "count") and answered at most once
// by each kind of message, and at least once unless a kill came between
// the send's mark and its request.
func killNine(t *testing.T, c killNineCase) {
	if testing.Short() {
		t.Skip("starts and kills luabot several times")
	}
	t.Parallel() // its own simulator and luabot processes
	// Fewer events than the platform's replay log holds (1000): a bot
	// killed within a second of starting has not saved its sequence number
	// yet (at most once a second), so it resumes from the session's start,
	// and with more than 1000 dispatched the platform would refuse that
	// resume (op 9) and the events in between would be lost, which is not
	// what this test is about.
	const events, window = 400, 100
	platform := simtest.Start(t, sim.Config{})
	var channels []string
	if c.setup != nil {
		channels = c.setup(t, platform)
	}
	if c.post == nil {
		c.post = func(i int) sim.Post {
			return sim.Post{ChannelID: channels[i%len(channels)], Content: "hi", MentionBot: true}
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "count.lua"), []byte(c.script), 0o644)
	data := filepath.Join(t.TempDir(), "bot.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var stderr syncBuffer
	startBot := func() *exec.Cmd {
		cmd := luabotCommand("run", "--app-id", platform.AppID(), "--secret", platform.Secret(),
			"--api", platform.APIURL(), "--token-url", platform.TokenURL(), "--data", data, dir)
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}

	bot := startBot()
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v; stderr:\n%s", err, stderr.String())
	}
	// The users post at most window messages ahead of the answers, and
	// events+window+1 stays under the platform's replay log (1000 events),
	// so it always holds what a restarted bot missed. eventOf maps each message's id to its event's.
	eventOf := make(map[string]string, events+1)
	var order []string
	posted := make(chan error, 1)
	go func() {
		for i := range events {
			if i >= window {
				if _, err := platform.WaitSent(ctx, (i-window)*c.sends); err != nil {
					posted <- err
					return
				}
			}
			m, err := platform.Post(c.post(i))
			if err != nil {
				posted <- err
				return
			}
			eventOf[m.ID] = m.EventID
			order = append(order, m.ID)
		}
		posted <- nil
	}()

	// Kill at four random numbers of answers; two close together kill a bot
	// that is still starting.
	kills := []int{rand.IntN(events - 100), rand.IntN(events - 100), rand.IntN(events - 100), rand.IntN(events - 100)}
	sort.Ints(kills)
	for _, at := range kills {
		if _, err := platform.WaitSent(ctx, at*c.sends); err != nil {
			t.Fatalf("waiting for answer %d: %v; stderr:\n%s", at, err, stderr.String())
		}
		bot.Process.Signal(syscall.SIGKILL)
		bot.Wait()
		bot = startBot()
	}
	if err := <-posted; err != nil {
		t.Fatalf("posting: %v; stderr:\n%s", err, stderr.String())
	}
	// One more message after the kills: once it is answered, the bot has
	// received every event before it, and SIGTERM lets their handlers end.
	last, err := platform.Post(c.post(events))
	if err != nil {
		t.Fatal(err)
	}
	eventOf[last.ID] = last.EventID
	for i, kinds := 0, map[string]bool{}; len(kinds) < c.sends; i++ {
		m, err := platform.WaitSent(ctx, i)
		if err != nil {
			t.Fatalf("the last message was not answered: %v; stderr:\n%s", err, stderr.String())
		}
		if ev, kind := c.answer(m); ev == last.ID {
			kinds[kind] = true
		}
	}
	bot.Process.Signal(syscall.SIGTERM)
	if err := bot.Wait(); err != nil {
		t.Errorf("luabot after SIGTERM: %v", err)
	}

	store, err := kv.Open(kv.Config{Path: data, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	marks := map[string]bool{}
	store.Scan(host.HandledNamespace, "", func(key string, _ []byte) bool {
		marks[key[8:]] = true
		return true
	})

	seen := map[[2]string]int{}
	dup := 0
	for _, m := range platform.Sent() {
		ev, kind := c.answer(m)
		if seen[[2]string{ev, kind}]++; seen[[2]string{ev, kind}] == 2 {
			dup++
		}
	}
	lost, unexplained := 0, 0
	for _, id := range append(order, last.ID) {
		for kind := range c.kinds() {
			if seen[[2]string{id, kind}] > 0 {
				continue
			}
			lost++
			if c.marked == nil || !marks["count\x00"+eventOf[id]+"\x00"+c.marked(kind)] {
				unexplained++
			}
		}
	}
	if dup > 0 || unexplained > 0 {
		t.Errorf("%d answers (event, kind) sent more than once and %d missing without a mark of their send, of %d; want none",
			dup, unexplained, (events+1)*c.sends)
	}
	if lost > len(kills)*window*c.sends {
		t.Errorf("%d answers lost to %d kills; want at most what was in flight", lost, len(kills))
	}
	t.Logf("%d kills: %d answers lost between their mark and their request", len(kills), lost)
	raw, _, err := store.Get("count", "count")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if len(raw) == 0 || json.Unmarshal(raw[1:], &n) != nil || n != events+1 {
		t.Fatalf("count = %q after %d events and %d kills, want %d", raw, events+1, len(kills), events+1)
	}
}

// kinds returns the kinds of answer each event gets.
func (c killNineCase) kinds() map[string]bool {
	if c.sends == 1 {
		return map[string]bool{"reply": true}
	}
	return map[string]bool{"reply": true, "send": true}
}
