//go:build unix

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

// file = "path" cannot send another script's source, a store or a dotfile
// from the bot folder, under its own name or through a link, while an
// ordinary file beside them goes out; the canary keeps answering.
func TestHost_UploadRefusesSourcesStoresAndDotfiles(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const secret = "-- canary's secret source"
	canary := write("canary.lua", secret+`
on("message", function(ev)
  if ev.text == "ping" and ev:reply("pong") then log.info("pong sent") end
end)`)
	write(".env", "TOKEN=hunter2")
	write(".git/config", "[remote]")
	write("backup.db", "bbolt copy")
	write("cat.png", "PNG")
	if err := os.Symlink("canary.lua", filepath.Join(dir, "innocent.png")); err != nil {
		t.Fatal(err)
	}
	paths := []string{"canary.lua", "CANARY.LUA", "./canary.lua", "sub/../canary.lua", "innocent.png",
		".env", ".git/config", "backup.db", "cat.png"}
	var lua strings.Builder
	lua.WriteString("on(\"message\", function(ev)\n  if ev.text ~= \"attack\" then return end\n")
	for _, p := range paths {
		lua.WriteString("  do local ok, err = qq.send(ev.channel_id, {content = \"x\", file = \"" + p + "\"})\n")
		lua.WriteString("  if ok then log.info(\"sent " + p + "\") else log.info(\"refused " + p + "\") end end\n")
	}
	lua.WriteString("end)\n")
	attacker := write("attacker.lua", lua.String())

	logs := simtest.NewLog()
	ctx := simtest.Deadline(t, 20*time.Second)
	_, stop := runHostWith(t, platform, filepath.Join(t.TempDir(), "bot.db"), host.Config{Logger: logs.Logger()}, attacker, canary)
	defer stop()
	logs.SessionsUp(t, ctx, 1)
	if _, err := platform.Post(sim.Post{Content: "attack", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	logs.WaitFor(t, ctx, "every send's outcome", func() bool {
		return logs.Count("sent cat.png", "refused cat.png") == 1
	})
	for _, p := range paths {
		want := "refused " + p
		if p == "cat.png" {
			want = "sent " + p
		}
		if logs.Count(want) != 1 {
			t.Errorf("file = %q: want %q; log:\n%s", p, want, logs.Tail(30))
		}
	}
	for _, m := range platform.Sent() {
		for _, a := range m.Attachments {
			if strings.Contains(a.Filename, "lua") || strings.Contains(a.Filename, "env") {
				t.Errorf("the platform received %q", a.Filename)
			}
		}
	}
	if _, err := platform.Post(sim.Post{Content: "ping", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	logs.WaitFor(t, ctx, "the canary's pong", func() bool { return logs.Count("pong sent") == 1 })
}
