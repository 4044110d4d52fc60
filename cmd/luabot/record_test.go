package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/record"
	"github.com/luabot/luabot/sim"
)

const echoReplyScript = `on("message", function(ev)
  if ev.text == "" then return end
  ev:reply("you said: " .. ev.text .. ", " .. ev.author.username)
end)
`

// finished runs the CLI to its end and returns its exit status, stdout and stderr.
func finished(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := run(ctx, append([]string{"luabot"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeScript(t *testing.T, dir, name, src string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// recordRun runs script under `luabot run --record` on a fresh simulator, posts each of
// texts as an @-message from the first member and waits for every answer, then stops
// the bot; it returns the recording's path, the simulator and the run's stderr.
func recordRun(t *testing.T, script string, texts []string, extra ...string) (string, *sim.Server, string) {
	t.Helper()
	platform := simtest.Start(t, sim.Config{})
	t.Setenv("QQBOT_APP_ID", platform.AppID())
	t.Setenv("QQBOT_SECRET", platform.Secret())
	t.Setenv("QQBOT_API", platform.APIURL())
	t.Setenv("QQBOT_TOKEN_URL", platform.TokenURL())
	dir := t.TempDir()
	rec := filepath.Join(dir, "events.jsonl")
	args := append([]string{"run", "--data", filepath.Join(dir, "k.db"), "--record", rec}, extra...)
	s := start(t, append(args, script)...)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v; stderr:\n%s", err, s.stderr.String())
	}
	for i, text := range texts {
		if _, err := platform.Post(sim.Post{Content: text, MentionBot: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := platform.WaitSent(ctx, i); err != nil {
			t.Fatalf("no answer to %q: %v; stderr:\n%s", text, err, s.stderr.String())
		}
	}
	// A reply answers a post's AT_MESSAGE_CREATE; its MESSAGE_CREATE may
	// still be on its way to the bot. Stop only once every event the
	// platform dispatched is in the recording (polling the file: the bot
	// gives no other signal).
	for {
		data, _ := os.ReadFile(rec)
		n := strings.Count(string(data), `"kind":"event"`)
		if uint64(n) >= platform.Dispatched() {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d of %d events recorded; stderr:\n%s", n, platform.Dispatched(), s.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	s.cancel()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("run exited %d; stderr:\n%s", code, s.stderr.String())
	}
	return rec, platform, s.stderr.String()
}

var recordedTexts = []string{"hello there", "何时开会 tomorrow"}

func TestRecordReplay_SameScriptHasNoDifferences(t *testing.T) {
	script := writeScript(t, t.TempDir(), "echo.lua", echoReplyScript)
	rec, _, _ := recordRun(t, script, recordedTexts)
	code, out, errOut := finished(t, "replay", rec, script)
	if code != 0 {
		t.Fatalf("replay exited %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "no differences") || !strings.Contains(out, "replayed ") {
		t.Fatalf("stdout:\n%s", out)
	}
}

// A command typed without "/" (`@bot ping`; plain `ping` in DMs, groups and C2C) keeps
// its name in the redacted recording, so the replay runs the same handler: nothing
// differs. Redaction used to keep a command's name only after "/".
func TestRecordReplay_CommandWithoutSlashHasNoDifferences(t *testing.T) {
	script := writeScript(t, t.TempDir(), "ping.lua", `command("ping|p", function(ev) ev:reply("pong") end)`+"\n")
	rec, _, _ := recordRun(t, script, []string{"ping", "P zebra", "/ping"})
	data, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "zebra") {
		t.Fatalf("the recording holds an argument's text:\n%s", data)
	}
	code, out, errOut := finished(t, "replay", rec, script)
	if code != 0 || !strings.Contains(out, "no differences") {
		t.Fatalf("replay exited %d; stdout:\n%s\nstderr:\n%s\nrecording:\n%s", code, out, errOut, data)
	}
}

// Replay loads the scripts with the --config file's grants, as run did: a call the
// grant refused while recording is refused again, and nothing differs.
func TestRecordReplay_GrantsApply(t *testing.T) {
	dir := t.TempDir()
	script := writeScript(t, dir, "g.lua", `on("message", function(ev)
  if ev.text == "" then return end
  local res, err = qq.request("GET", "/users/@me")
  ev:reply(res and "allowed" or ("refused: " .. tostring(err.capability)))
end)
`)
	conf := writeScript(t, dir, "luabot.toml", "[grants.g]\nrequest = false\n")
	rec, platform, stderr := recordRun(t, script, []string{"hello"}, "--config", conf)
	if sent := platform.Sent(); len(sent) == 0 || sent[0].Content != "refused: request" {
		t.Fatalf("recorded sends %+v; stderr:\n%s", sent, stderr)
	}
	code, out, errOut := finished(t, "replay", "--config", conf, rec, script)
	if code != 0 || !strings.Contains(out, "no differences") {
		t.Fatalf("replay with the grants exited %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if code, out, _ := finished(t, "replay", rec, script); code != 1 || !strings.Contains(out, `"content":"allowed"`) {
		t.Fatalf("replay without the grants exited %d, want 1 and the call allowed; stdout:\n%s", code, out)
	}
}

func TestRecordReplay_ChangedScriptDiffers(t *testing.T) {
	dir := t.TempDir()
	script := writeScript(t, dir, "echo.lua", echoReplyScript)
	rec, _, _ := recordRun(t, script, recordedTexts)
	changed := writeScript(t, t.TempDir(), "echo.lua", strings.Replace(echoReplyScript, "you said: ", "You wrote: ", 1))
	code, out, errOut := finished(t, "replay", rec, changed)
	if code != 1 {
		t.Fatalf("replay exited %d, want 1; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"difference 1: event ", "(AT_MESSAGE_CREATE)", "script echo",
		"  - recorded: POST /channels/", `"content":"you said: t_`,
		"  + replayed: POST /channels/", `"content":"You wrote: t_`,
		"    differs at: content\n",
		"AT_MESSAGE_CREATE          2 of 2 event(s) differ",
		"MESSAGE_CREATE             0 of 2 event(s) differ",
		"replayed 5 event(s) covering ", ": 2 of them differ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	// --json says the same to a program.
	code, out, _ = finished(t, "replay", "--json", rec, changed)
	var res replayResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if res.DifferingEvents != 2 || res.ByType["AT_MESSAGE_CREATE"].Differing != 2 {
		t.Fatalf("%+v", res)
	}
}

func TestRecord_RedactsUsersAndTextByDefault(t *testing.T) {
	script := writeScript(t, t.TempDir(), "echo.lua", echoReplyScript)
	rec, platform, _ := recordRun(t, script, recordedTexts)
	data, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(rec); info.Mode().Perm() != 0o600 {
		t.Errorf("recording mode %v, want 0600", info.Mode().Perm())
	}
	user := platform.World().Members[0]
	for _, secret := range []string{user.ID, user.Username, "hello", "there", "何时开会", "tomorrow", platform.Secret()} {
		if strings.Contains(string(data), secret) {
			t.Errorf("the recording holds %q:\n%s", secret, data)
		}
	}
	// The bot's answers are there, with the words and name replaced.
	if !strings.Contains(string(data), `"you said: t_`) || !strings.Contains(string(data), `"kind":"event"`) {
		t.Fatalf("recording:\n%s", data)
	}
}

func TestRecord_RawKeepsThemAndWarns(t *testing.T) {
	script := writeScript(t, t.TempDir(), "echo.lua", echoReplyScript)
	rec, platform, stderr := recordRun(t, script, recordedTexts, "--record-raw")
	data, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	user := platform.World().Members[0]
	for _, want := range []string{user.ID, user.Username, "hello there", "you said: 何时开会 tomorrow"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the raw recording lacks %q", want)
		}
	}
	if strings.Contains(string(data), platform.Secret()) {
		t.Error("the recording holds the app secret")
	}
	if !strings.Contains(stderr, "--record-raw") || !strings.Contains(stderr, "level=WARN") {
		t.Errorf("no warning about --record-raw:\n%s", stderr)
	}
	// A raw recording replays too.
	if code, out, errOut := finished(t, "replay", rec, script); code != 0 {
		t.Fatalf("replay exited %d:\n%s\n%s", code, out, errOut)
	}
}

// writeRecording writes a recording by hand: a header and the given lines.
func writeRecording(t *testing.T, lines ...string) string {
	t.Helper()
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	hdr, _ := json.Marshal(record.Line{Kind: record.KindHeader, Version: record.Version, Luabot: "test", Start: &start})
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, []byte(string(hdr)+"\n"+strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// c2cEvent is a recorded C2C message at offset at (ms) with its answers.
func c2cEvent(n int, at int64, text string, sends ...string) string {
	payload := `{"id":"m` + itoa(n) + `","content":"` + text + `","author":{"user_openid":"0A1B2C3D4E5F60718293A4B5C6D7E8F9"},"timestamp":"2026-03-01T17:00:00+08:00"}`
	s := `{"kind":"event","n":` + itoa(n) + `,"type":"C2C_MESSAGE_CREATE","scene":"c2c","id":"C2C_MESSAGE_CREATE:e` + itoa(n) + `","at_ms":` + itoa(int(at)) + `,"payload":` + payload
	if len(sends) > 0 {
		s += `,"sends":[` + strings.Join(sends, ",") + `]`
	}
	return s + "}"
}

func itoa(n int) string { return jsonNumber(n) }

func jsonNumber(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

const sleepyScript = `on("message", function(ev)
  sleep(3600)
  ev:reply("an hour later: " .. ev.text)
end)
`

func sleepySend(n int, text string) string {
	return `{"script":"sleepy","method":"POST","route":"/v2/users/{openid}/messages","path":"/v2/users/0A1B2C3D4E5F60718293A4B5C6D7E8F9/messages",` +
		`"body":{"content":"an hour later: ` + text + `","msg_id":"m` + itoa(n) + `","msg_seq":1,"msg_type":0}}`
}

// A script that answers an hour after each message replays on the virtual clock: a
// day of recorded traffic takes well under a second.
func TestReplay_TimersRunOnTheVirtualClock(t *testing.T) {
	t.Parallel()
	script := writeScript(t, t.TempDir(), "sleepy.lua", sleepyScript)
	var lines []string
	for i := 1; i <= 24; i++ {
		text := "t_00000000" + jsonNumber(10+i)
		lines = append(lines, c2cEvent(i, int64(i)*3600_000, text, sleepySend(i, text)))
	}
	rec := writeRecording(t, append(lines, `{"kind":"end","at_ms":90000000}`)...)
	began := time.Now()
	code, out, errOut := finished(t, "replay", rec, script)
	took := time.Since(began)
	if code != 0 {
		t.Fatalf("replay exited %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "replayed 24 event(s) covering 25h0m0s: no differences") {
		t.Fatalf("stdout:\n%s", out)
	}
	// On the real clock the first sleep alone would take an hour; the
	// margin is for a loaded machine under -race, running other tests.
	if took > 30*time.Second {
		t.Fatalf("a day of recording took %s to replay", took)
	}
}

// What a timer callback sends is compared per script, in order: one tick missing from
// the recording is one difference.
func TestReplay_TimerSends(t *testing.T) {
	t.Parallel()
	script := writeScript(t, t.TempDir(), "ticker.lua", `timer.every(3600, function() qq.send("635182047", "tick") end)`+"\n")
	tick := func(h int) string {
		return `{"kind":"send","at_ms":` + jsonNumber(h*3600_000) + `,"send":{"script":"ticker","event":"timer","method":"POST",` +
			`"route":"/channels/{channel_id}/messages","path":"/channels/635182047/messages","body":{"content":"tick"}}}`
	}
	var lines []string
	for h := 1; h <= 6; h++ {
		lines = append(lines, tick(h))
	}
	end := `{"kind":"end","at_ms":` + jsonNumber(6*3600_000+60_000) + `}`
	code, out, errOut := finished(t, "replay", writeRecording(t, append(lines, end)...), script)
	if code != 0 || !strings.Contains(out, "replayed 0 event(s) covering 6h1m0s: no differences") {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut = finished(t, "replay", writeRecording(t, append(lines[:5], end)...), script)
	if code != 1 || !strings.Contains(out, "difference 1: a timer of script ticker\n  - recorded: (nothing)\n  + replayed: POST /channels/635182047/messages {\"content\":\"tick\"}") ||
		!strings.Contains(out, ": 1 timer send(s) differ") {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// The kv quota flags bound the replayed scripts as they bound luabot run's:
// a recording made without a quota differs once --kv-quota-keys refuses
// the second key.
func TestReplay_KVQuotaFlags(t *testing.T) {
	t.Parallel()
	script := writeScript(t, t.TempDir(), "keeper.lua", `local n = 0
timer.every(3600, function()
  n = n + 1
  local ok, err = kv.set("k" .. n, n)
  qq.send("635182047", err and "refused" or "stored")
end)
`)
	tick := func(h int) string {
		return `{"kind":"send","at_ms":` + jsonNumber(h*3600_000) + `,"send":{"script":"keeper","event":"timer","method":"POST",` +
			`"route":"/channels/{channel_id}/messages","path":"/channels/635182047/messages","body":{"content":"stored"}}}`
	}
	rec := writeRecording(t, tick(1), tick(2), `{"kind":"end","at_ms":`+jsonNumber(2*3600_000+60_000)+`}`)
	code, out, errOut := finished(t, "replay", rec, script)
	if code != 0 || !strings.Contains(out, "no differences") {
		t.Fatalf("without a quota: exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut = finished(t, "replay", "--kv-quota-keys", "1", rec, script)
	if code != 1 || !strings.Contains(out, `+ replayed: POST /channels/635182047/messages {"content":"refused"}`) {
		t.Fatalf("with --kv-quota-keys 1: exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// The flag is refused before the recording is read (this one does not exist).
	code, _, errOut = finished(t, "replay", "--kv-quota", "-5", filepath.Join(t.TempDir(), "missing.jsonl"), script)
	if code != 2 || !strings.Contains(errOut, "--kv-quota -5: want MiB") {
		t.Fatalf("--kv-quota -5: exit %d; stderr:\n%s", code, errOut)
	}
}

func TestReplay_TruncatedRecording(t *testing.T) {
	t.Parallel()
	script := writeScript(t, t.TempDir(), "sleepy.lua", sleepyScript)
	good := c2cEvent(1, 1000, "t_0000000011", sleepySend(1, "t_0000000011"))
	cut := c2cEvent(2, 2000, "t_0000000012", sleepySend(2, "t_0000000012"))
	rec := writeRecording(t, good, cut[:len(cut)/2])
	code, out, errOut := finished(t, "replay", rec, script)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "replayed 1 event(s)") || !strings.Contains(errOut, rec+":3: the last line is cut short") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}

	// Garbage in the middle: what comes before it is replayed.
	rec = writeRecording(t, good, "not json at all", c2cEvent(3, 3000, "t_0000000013"))
	code, out, errOut = finished(t, "replay", rec, script)
	if code != 1 || !strings.Contains(out, "replayed 1 event(s)") || !strings.Contains(errOut, rec+":3: not a recording line") {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestReplay_NewerFormatStops(t *testing.T) {
	t.Parallel()
	script := writeScript(t, t.TempDir(), "sleepy.lua", sleepyScript)
	good := c2cEvent(1, 1000, "t_0000000011", sleepySend(1, "t_0000000011"))
	newer := `{"kind":"header","version":` + jsonNumber(record.Version+1) + `,"luabot":"v9.0.0","start":"2026-03-02T09:00:00Z"}`
	rec := writeRecording(t, good, newer, c2cEvent(1, 1000, "t_0000000012"))
	code, out, errOut := finished(t, "replay", rec, script)
	if code != 1 || !strings.Contains(out, "replayed 1 event(s)") ||
		!strings.Contains(errOut, rec+":3: written by a newer luabot (v9.0.0, format 2)") {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestReplay_UsageErrors(t *testing.T) {
	t.Parallel()
	if code, _, errOut := finished(t, "replay", "only-a-recording.jsonl"); code != 2 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	script := writeScript(t, t.TempDir(), "sleepy.lua", sleepyScript)
	if code, _, errOut := finished(t, "replay", filepath.Join(t.TempDir(), "missing.jsonl"), script); code != 2 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := finished(t, "replay", empty, script); code != 1 || !strings.Contains(errOut, "empty.jsonl is empty: not a recording") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if code, _, errOut := finished(t, "run", "--record-raw", script); code != 2 || !strings.Contains(errOut, "--record-raw needs --record") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
}
