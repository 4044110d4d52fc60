package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// luabot run with a config file that takes qq.request away from every
// script but the canary: the guest's call returns nil, err naming the
// capability and how the operator grants it, the canary's call still
// works, /metrics counts each refusal, and the log has one line for the
// three refusals of the same minute.
func TestRun_CapabilityDenied(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{})
	scripts := mustFiles(t, map[string]string{
		"guest.lua": `on("message", function(ev)
  local me, err = qq.request("GET", "/users/@me")
  if me then return ev:reply("guest: request allowed") end
  ev:reply("guest: " .. err.capability .. " | " .. tostring(err))
end)`,
		"canary.lua": `on("message", function(ev)
  local me, err = qq.request("GET", "/users/@me")
  ev:reply("canary: " .. (me and "ok " .. me.id or tostring(err)))
end)`,
	})
	conf := filepath.Join(t.TempDir(), "luabot.toml")
	os.WriteFile(conf, []byte(`[grants.default]
request = false

[grants.canary]
request = true

[grants.canery]
admin = false
`), 0o600)
	s := start(t, "run", "--app-id", platform.AppID(), "--secret", platform.Secret(),
		"--api", platform.APIURL(), "--token-url", platform.TokenURL(), "--admin", "127.0.0.1:0",
		"--config", conf, "--data", filepath.Join(t.TempDir(), "k.db"), scripts)
	url := s.adminURL()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v; stderr:\n%s", err, s.stderr.String())
	}
	const n = 3
	var guest, canary []string
	for i := range n {
		if _, err := platform.Post(sim.Post{Content: "hi", MentionBot: true}); err != nil {
			t.Fatal(err)
		}
		for j := range 2 {
			m, err := platform.WaitSent(ctx, 2*i+j)
			if err != nil {
				t.Fatalf("reply %d: %v; stderr:\n%s", 2*i+j, err, s.stderr.String())
			}
			if strings.HasPrefix(m.Content, "guest:") {
				guest = append(guest, m.Content)
			} else {
				canary = append(canary, m.Content)
			}
		}
	}
	if len(guest) != n || len(canary) != n {
		t.Fatalf("guest %q, canary %q", guest, canary)
	}
	for _, g := range guest {
		if !strings.HasPrefix(g, "guest: request | ") || !strings.Contains(g, "request = true under [grants.guest]") &&
			!strings.Contains(g, "request = true under [grants.default]") || !strings.Contains(g, conf) {
			t.Errorf("guest's error: %q", g)
		}
	}
	world := platform.World()
	for _, c := range canary {
		if c != "canary: ok "+world.Bot.ID {
			t.Errorf("canary: %q", c)
		}
	}
	eventually(t, "/metrics counts the refusals", func() (bool, string) {
		_, text := get(t, url+"/metrics", "")
		return strings.Contains(text, `luabot_capability_denied_total{capability="request",script="guest"} 3`), text
	})
	s.cancel()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
	if !strings.Contains(s.stderr.String(), "did you mean [grants.canary]?") {
		t.Errorf("no warning about [grants.canery], which names no script:\n%s", s.stderr.String())
	}
	lines := regexp.MustCompile(`(?m)^.*capability not granted.*$`).FindAllString(s.stderr.String(), -1)
	if len(lines) != 1 || !strings.Contains(lines[0], "script=guest") || !strings.Contains(lines[0], "capability=request") {
		t.Fatalf("want one log line naming the script for three refusals in a minute, got %d:\n%s", len(lines), strings.Join(lines, "\n"))
	}
}

// Bad grants stop luabot before anything connects: exit 2, the file named,
// a misspelt field with the closest known one, a wrong type with what is
// wanted.
func TestRun_BadGrants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ conf, want string }{
		{"[grants.echo]\nrequests = false\n", `unknown field "requests"; did you mean "request"?`},
		{"[grants.echo]\nsend_per_minute = 3\n", `did you mean "sends_per_minute"?`},
		{"[grants.echo]\nrequest = \"no\"\n", "request: want true or false, got a string no"},
		{"[grants.echo]\nkv_bytes = \"lots\"\n", `kv_bytes: want a size such as "1MiB"`},
		{"[grants.echo]\nsend = [\"room:1\"]\n", "send: room:1: want KIND:ID"},
		{"[grants.echo]\nrequest = false\nrequest = true\n", "luabot.toml:3"},
		{"[grants]\necho = 3\n", "[grants.echo]: want a table of fields"},
	} {
		conf := filepath.Join(t.TempDir(), "luabot.toml")
		os.WriteFile(conf, []byte(tc.conf), 0o600)
		s := start(t, "run", "--app-id", "1", "--secret", "s", "--api", "http://127.0.0.1:1", "--token-url", "http://127.0.0.1:1",
			"--config", conf, "--data", filepath.Join(t.TempDir(), "k.db"), "../../examples/echo.lua")
		code := s.exitCode()
		out := s.stderr.String()
		if code != 2 || !strings.Contains(out, conf) || !strings.Contains(out, tc.want) {
			t.Errorf("config %q: exit %d, want 2 with %q and the file; stderr:\n%s", tc.conf, code, tc.want, out)
		}
	}
}

// luabot check takes the config file as -c, as run, doctor, status and dev
// do (the README's grant example is written for both); it used to refuse
// the flag.
func TestCheck_TakesTheConfigFileAsDashC(t *testing.T) {
	dir := mustFiles(t, map[string]string{
		"guest.lua":   "on(\"message\", function(ev)\n  qq.request(\"GET\", \"/users/@me\")\nend)\n",
		"luabot.toml": "[grants.default]\nrequest = false\n",
	})
	t.Chdir(dir)
	code, out, errOut := runCLI("check", "-c", "luabot.toml", "guest.lua")
	if code != 1 || !strings.Contains(out, `guest.lua:2: qq.request needs the "request" capability`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// luabot check --config reports, with script:line, the calls a grant
// refuses that the source shows: a missing capability, a literal target
// outside send = [...], a literal message that answers no event; a
// script's own caps= header counts too. The canary, granted everything,
// has no finding.
func TestCheck_ReportsCallsTheGrantRefuses(t *testing.T) {
	dir := mustFiles(t, map[string]string{
		"guest.lua": `on("message", function(ev)
  local me = qq.request("GET", "/users/@me")
  qq.send("101", {content = "x", msg_id = ev.id})
  qq.send("100", "hello")
  qq.pin("100", ev.id)
  local pool = kv.open("pool")
  qq.send("100", {content = "fine", msg_id = ev.id})
end)
`,
		"narrow.lua": "-- luabot: caps=send\non(\"message\", function(ev)\n  qq.request(\"GET\", \"/users/@me\")\nend)\n",
		"canary.lua": `on("message", function(ev)
  qq.request("GET", "/users/@me")
  qq.send("999", "hello")
  kv.open("pool")
end)
`,
		"luabot.toml": `[grants.default]
request = false
shared_kv = false
admin = false
active = false
send = ["channel:100"]

[grants.narrow]
request = true

[grants.canary]
request = true
shared_kv = true
admin = true
active = true
send = ["channel:999"]
`,
	})
	t.Chdir(dir)
	code, out, errOut := runCLI("check", "--config", "luabot.toml", "guest.lua", "narrow.lua", "canary.lua")
	want := []string{
		`guest.lua:2: qq.request needs the "request" capability, which this script is not granted (the operator grants it with request = true under [grants.default] in luabot.toml, or in a [grants.guest] table of its own)`,
		`guest.lua:3: qq.send to channel:101: the target is not in this script's send list`,
		`guest.lua:4: qq.send of a message that answers no event (no msg_id or event_id) needs the "active" capability`,
		`guest.lua:5: qq.pin needs the "admin" capability`,
		`guest.lua:6: kv.open needs the "shared_kv" capability`,
		`narrow.lua:3: qq.request needs the "request" capability, which this script is not granted (the script's own header leaves it out`,
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != len(want) {
		t.Fatalf("exit %d, want 1 and %d lines; stdout:\n%s\nstderr: %s", code, len(want), out, errOut)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d:\n%s\nwant it to start\n%s", i+1, lines[i], w)
		}
	}
	// Without the config file only the header's own narrowing counts.
	code, out, _ = runCLI("check", "guest.lua", "narrow.lua", "canary.lua")
	if code != 1 || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "narrow.lua:3: ") {
		t.Errorf("without --config: exit %d, stdout:\n%s", code, out)
	}
}

// A named table starts from [grants.default]; sizes take units.
func TestApplyGrants_DefaultIsTheBase(t *testing.T) {
	t.Parallel()
	var cfg host.Config
	err := applyGrants(&cfg, map[string]any{
		"default": map[string]any{"request": false, "kv_bytes": "1MiB", "sends_per_minute": int64(30)},
		"echo":    map[string]any{"request": true, "send": []any{"group:G1"}, "kv_bytes": int64(512)},
	}, "luabot.toml", "grants")
	if err != nil {
		t.Fatal(err)
	}
	echo, other := cfg.Grants.For("echo"), cfg.Grants.For("other")
	if !echo.Request || echo.KVBytes != 512 || echo.SendsPerMinute != 30 || len(echo.Send) != 1 || !echo.Admin {
		t.Errorf("echo: %+v", echo)
	}
	if other.Request || other.KVBytes != 1<<20 || other.Send != nil || !other.Header {
		t.Errorf("other: %+v", other)
	}
	for in, want := range map[string]int64{"1MiB": 1 << 20, "512KiB": 512 << 10, "2 GiB": 2 << 30, "1.5MB": 3 << 19, "100": 100} {
		if n, ok := byteSize(in); !ok || n != want {
			t.Errorf("byteSize(%q) = %d, %v; want %d", in, n, ok, want)
		}
	}
	for _, in := range []any{"0", "-1MiB", "1 parsec", "", int64(0), 1.5} {
		if n, ok := byteSize(in); ok {
			t.Errorf("byteSize(%v) = %d, want refused", in, n)
		}
	}
}

// With several bots, refusals name the bot's own tables.
func TestApplyGrants_HintNamesTheBotsTable(t *testing.T) {
	t.Parallel()
	var cfg host.Config
	if err := applyGrants(&cfg, map[string]any{"default": map[string]any{"request": false}}, "bots.toml", "bots.alpha.grants"); err != nil {
		t.Fatal(err)
	}
	hint := cfg.GrantHint("echo", "request")
	if !strings.Contains(hint, "[bots.alpha.grants.default] in bots.toml") || !strings.Contains(hint, "[bots.alpha.grants.echo]") {
		t.Errorf("hint %q", hint)
	}
	err := applyGrants(&cfg, map[string]any{"echo": map[string]any{"requets": true}}, "bots.toml", "bots.alpha.grants")
	if err == nil || !strings.Contains(err.Error(), "[bots.alpha.grants.echo]") {
		t.Errorf("err %v, want it to name [bots.alpha.grants.echo]", err)
	}
}
