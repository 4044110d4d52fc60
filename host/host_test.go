package host_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

// startBot runs the host with scripts against a fresh simulator and waits
// until the bot's gateway session is up.
func startBot(t *testing.T, cfg sim.Config, scripts ...string) *sim.Server {
	t.Helper()
	platform := simtest.Start(t, cfg)
	stop := runHost(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{}, scripts...)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	if err := platform.WaitSessions(simtest.Deadline(t, 10*time.Second), 1); err != nil {
		t.Fatalf("bot did not connect: %v", err)
	}
	return platform
}

func TestEcho_RepliesInSameChannelWithMsgID(t *testing.T) {
	platform := startBot(t, sim.Config{}, "../examples/echo.lua")
	ch := platform.World().Channels[1]
	posted, err := platform.Post(sim.Post{ChannelID: ch.ID, Content: "hello", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := platform.WaitSent(simtest.Deadline(t, 10*time.Second), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Content != "hello" || got.ChannelID != ch.ID || got.MsgID != posted.ID {
		t.Fatalf("reply = %q in %s with msg_id %q; want %q in %s with msg_id %q",
			got.Content, got.ChannelID, got.MsgID, "hello", ch.ID, posted.ID)
	}
	if !strings.HasPrefix(got.Authorization, "QQBot ") || len(got.Authorization) <= len("QQBot ") {
		t.Fatalf("Authorization = %q, want QQBot <access token>", got.Authorization)
	}
	if got.UnionAppID != platform.AppID() {
		t.Fatalf("X-Union-Appid = %q, want %q", got.UnionAppID, platform.AppID())
	}
}

// With every message POST held 100 ms by the platform, 100 events answered
// one after another would take 10 s; handlers that wait concurrently finish
// in about one delay.
func TestHost_SlowRepliesDoNotBlockOtherEvents(t *testing.T) {
	platform := startBot(t, sim.Config{MessageDelay: 100 * time.Millisecond}, "../examples/echo.lua")
	const n = 100
	for i := range n {
		if _, err := platform.Post(sim.Post{Content: fmt.Sprint("msg ", i), MentionBot: true}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := simtest.Deadline(t, 3*time.Second)
	if _, err := platform.WaitSent(ctx, n-1); err != nil {
		t.Fatalf("%d of %d replies within 3 s: %v", len(platform.Sent()), n, err)
	}
	seen := map[string]bool{}
	for _, m := range platform.Sent() {
		seen[m.Content] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct replies, want %d", len(seen), n)
	}
}

func TestHost_ReconnectsAfterDroppedConnection(t *testing.T) {
	platform := startBot(t, sim.Config{}, "../examples/echo.lua")
	platform.DropConnections()
	// The old session may still be counted until the server notices the drop;
	// a post is only answered once the new session is identified.
	ctx := simtest.Deadline(t, 15*time.Second)
	for i := 0; ; i++ {
		if err := platform.WaitSessions(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := platform.Post(sim.Post{Content: "are you back?", MentionBot: true}); err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := platform.WaitSent(short, 0)
		cancel()
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatal("no reply after the connection was dropped")
		}
	}
}

func TestHost_LoadKeepsGoodScripts(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.lua")
	bad := filepath.Join(dir, "bad.lua")
	os.WriteFile(good, []byte(`on("message", function(ev) ev:reply("good") end)`), 0o644)
	os.WriteFile(bad, []byte("on('message', function(ev)\n  ev:reply(\nend)"), 0o644)
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	api, err := openapi.New(openapi.Config{AppID: "1", Secret: "s", BaseURL: "http://127.0.0.1:1", TokenURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := host.New(host.Config{API: api, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	err = h.Load(good, bad)
	if err == nil || !strings.Contains(err.Error(), "bad.lua:3:") {
		t.Fatalf("Load error = %v, want one naming bad.lua:3", err)
	}
	if got := h.Scripts(); len(got) != 1 || got[0] != "good" {
		t.Fatalf("loaded %v, want [good]", got)
	}
}

func TestScriptFiles_FolderSkipsTests(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.lua", "a.lua", "a_test.lua", "notes.txt"} {
		os.WriteFile(filepath.Join(dir, name), nil, 0o644)
	}
	files, err := host.ScriptFiles([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || filepath.Base(files[0]) != "a.lua" || filepath.Base(files[1]) != "b.lua" {
		t.Fatalf("files = %v", files)
	}
	if _, err := host.ScriptFiles([]string{filepath.Join(dir, "missing.lua")}); err == nil {
		t.Fatal("missing file accepted")
	}
	// A test or an editor's declaration file named on its own is refused,
	// saying what it is, instead of loading as a bot that fails.
	os.WriteFile(filepath.Join(dir, "luabot.d.lua"), nil, 0o644)
	for file, want := range map[string]string{
		"a_test.lua":   "is a test, not a script: run it with luabot test",
		"luabot.d.lua": "holds type annotations for editors, not a script",
	} {
		_, err := host.ScriptFiles([]string{filepath.Join(dir, file)})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ScriptFiles(%s): %v, want an error saying %q", file, err, want)
		}
	}
}

func TestIntentsFor(t *testing.T) {
	got := host.IntentsFor([]string{"message", "READY", "GUILD_MEMBER_ADD"})
	// Group/C2C messages are optional for "message" (WantedIntentsFor): required is
	// only what every bot is granted.
	want := uint32(1<<30 | 1<<1)
	if uint32(got) != want {
		t.Fatalf("IntentsFor = %d, want %d", got, want)
	}
}
