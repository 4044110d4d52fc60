package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// syncBuffer is a bytes.Buffer safe for the command's writer and the test.
type syncBuffer struct {
	mu  sync.Mutex
	b   bytes.Buffer
	sig chan struct{} // closed and replaced on every write
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sig != nil {
		close(s.sig)
		s.sig = nil
	}
	return s.b.Write(p)
}

// changed returns a channel closed by the next write.
func (s *syncBuffer) changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sig == nil {
		s.sig = make(chan struct{})
	}
	return s.sig
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sessionWait bounds each wait on a session: for a line, for its exit, for
// its last writes. The command runs in this race-built process beside the
// package's other parallel tests, so under load (two CPU burners and a
// bench beside the suite) a luabot dev took 16 s to print its first line;
// passing tests never wait this long.
const sessionWait = 30 * time.Second

// session runs the CLI with piped stdin and stdout, as a terminal user would.
type session struct {
	t      *testing.T
	stdin  *io.PipeWriter
	lines  chan string
	stderr *syncBuffer
	code   chan int
	cancel context.CancelFunc
}

func start(t *testing.T, args ...string) *session {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{t: t, stdin: inW, lines: make(chan string, 100), stderr: &syncBuffer{}, code: make(chan int, 1), cancel: cancel}
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		code := run(ctx, append([]string{"luabot"}, args...), inR, outW, s.stderr)
		// A test writing to a command that has exited gets an error, not a
		// write blocked forever.
		inR.CloseWithError(errors.New("the command exited"))
		outW.Close()
		s.code <- code
	}()
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		inW.Close()
		// The command's last writes (the status file, the store) must end
		// before the temp dirs it writes into are removed.
		select {
		case <-exited:
		case <-time.After(sessionWait):
			t.Errorf("the command did not exit within %s of its cleanup", sessionWait)
		}
	})
	return s
}

// expect waits for a stdout line containing want.
func (s *session) expect(want string) string {
	s.t.Helper()
	timeout := time.After(sessionWait)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("stdout ended before %q; stderr:\n%s", want, s.stderr.String())
			}
			if strings.Contains(line, want) {
				return line
			}
		case <-timeout:
			s.t.Fatalf("no stdout line containing %q; stderr:\n%s", want, s.stderr.String())
		}
	}
}

func (s *session) exitCode() int {
	s.t.Helper()
	select {
	case c := <-s.code:
		return c
	case <-time.After(sessionWait):
		s.t.Fatal("command did not exit")
	}
	return -1
}

func TestDev_ChatWithEchoBot(t *testing.T) {
	t.Parallel()
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), "../../examples/echo.lua")
	s.expect("luabot dev:")
	io.WriteString(s.stdin, "hello there\n")
	if line := s.expect("bot>"); line != "bot> hello there" {
		t.Fatalf("got %q, want %q", line, "bot> hello there")
	}
	s.stdin.Close()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
}

func TestDev_BrokenScriptDoesNotStopOthers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "broken.lua"), []byte("on('message', function(ev)\n  ev:reply(\nend)"), 0o644)
	os.WriteFile(filepath.Join(dir, "hi.lua"), []byte(`on("message", function(ev) ev:reply("hi " .. ev.text) end)`), 0o644)
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), dir)
	s.expect("luabot dev:")
	if !strings.Contains(s.stderr.String(), "broken.lua:3:") {
		t.Fatalf("stderr does not name broken.lua:3:\n%s", s.stderr.String())
	}
	io.WriteString(s.stdin, "you\n")
	s.expect("bot> hi you")
}

// A reply that is a picture or a card says so in the chat, instead of
// printing an empty line.
func TestDev_ShowsWhatAReplyCarries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cat.png"), []byte("\x89PNG\r\n\x1a\n12345678"), 0o644)
	os.WriteFile(filepath.Join(dir, "pic.lua"), []byte(`on("message", function(ev)
  if ev.text == "card" then
    ev:reply({markdown = {content = "# hi"}})
  else
    ev:reply({content = "a cat", file = "cat.png"})
  end
end)`), 0o644)
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), dir)
	s.expect("luabot dev:")
	io.WriteString(s.stdin, "cat?\n")
	s.expect("bot> a cat [image/png cat.png, 16 bytes]")
	io.WriteString(s.stdin, "card\n")
	if line := s.expect("bot>"); line != "bot> [markdown] # hi" {
		t.Fatalf("got %q, want %q", line, "bot> [markdown] # hi")
	}
}

// A keyboard prints as its buttons' labels, and "!press label" presses one as the chat's
// user: the poll example counts the vote.
func TestDev_ButtonsShownAndPressed(t *testing.T) {
	t.Parallel()
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), "../../examples/poll")
	s.expect("luabot dev:")
	io.WriteString(s.stdin, "/poll Lunch? | pizza | noodles\n")
	s.expect("[pizza] [noodles] [Results]")
	io.WriteString(s.stdin, "!press pizza\n")
	s.expect("(pressed [pizza]: acknowledged with code 0)")
	io.WriteString(s.stdin, "!press Results\n")
	s.expect("bot> Lunch? pizza 1 · noodles 0")
	io.WriteString(s.stdin, "!press nothing\n")
	s.expect(`(no button "nothing" in the bot's messages)`)
}

func TestRun_MissingCredentials(t *testing.T) {
	for _, env := range []string{"QQBOT_APP_ID", "QQBOT_SECRET", "QQBOT_TOKEN"} {
		t.Setenv(env, "")
	}
	var stderr syncBuffer
	code := run(context.Background(), []string{"luabot", "run", "../../examples/echo.lua"}, strings.NewReader(""), io.Discard, &stderr)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	out := stderr.String()
	for _, want := range []string{"--app-id", "QQBOT_APP_ID", "--secret", "QQBOT_SECRET", "--token", "QQBOT_TOKEN"} {
		if !strings.Contains(out, want) {
			t.Errorf("error %q does not mention %s", out, want)
		}
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("error is more than one line: %q", out)
	}
}

func TestRun_SyntaxErrorExitsNonZero(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{})
	bad := filepath.Join(t.TempDir(), "bad.lua")
	os.WriteFile(bad, []byte("local x = = 1\n"), 0o644)
	var stderr syncBuffer
	code := run(context.Background(), []string{"luabot", "run",
		"--app-id", platform.AppID(), "--secret", platform.Secret(),
		"--api", platform.APIURL(), "--token-url", platform.TokenURL(),
		"--data", filepath.Join(t.TempDir(), "k.db"), bad}, strings.NewReader(""), io.Discard, &stderr)
	if code == 0 {
		t.Fatal("exit 0 for a script with a syntax error")
	}
	if !strings.Contains(stderr.String(), "bad.lua:1:") {
		t.Fatalf("stderr does not name bad.lua:1:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), platform.Secret()) {
		t.Fatal("stderr contains the secret")
	}
}

func TestRun_ServesOnThePlatform(t *testing.T) {
	platform := simtest.Start(t, sim.Config{})
	t.Setenv("QQBOT_APP_ID", platform.AppID())
	t.Setenv("QQBOT_SECRET", platform.Secret())
	t.Setenv("QQBOT_API", platform.APIURL())
	t.Setenv("QQBOT_TOKEN_URL", platform.TokenURL())
	s := start(t, "run", "--data", filepath.Join(t.TempDir(), "k.db"), "../../examples/echo.lua")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v; stderr:\n%s", err, s.stderr.String())
	}
	if _, err := platform.Post(sim.Post{Content: "ping", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if m, err := platform.WaitSent(ctx, 0); err != nil || m.Content != "ping" {
		t.Fatalf("reply %q, %v", m.Content, err)
	}
	s.cancel()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d after interrupt; stderr:\n%s", code, s.stderr.String())
	}
	if strings.Contains(s.stderr.String(), platform.Secret()) {
		t.Fatal("stderr contains the secret")
	}
}

func TestSim_PrintsAddresses(t *testing.T) {
	t.Parallel()
	s := start(t, "sim")
	api := s.expect("api_url=http://127.0.0.1:")
	s.expect("token_url=")
	s.expect("gateway_url=ws://127.0.0.1:")
	s.expect("app_id=")
	s.expect("secret=")
	if api == "" {
		t.Fatal("no api_url")
	}
	s.cancel()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// Input that ends right after the last line (a pipe) still gets every answer.
func TestDev_PipedInputGetsEveryAnswer(t *testing.T) {
	t.Parallel()
	s := start(t, "dev", "--data", filepath.Join(t.TempDir(), "dev.db"), "../../examples/echo.lua")
	s.expect("luabot dev:")
	io.WriteString(s.stdin, "one\ntwo\nthree\n")
	s.stdin.Close()
	got := map[string]bool{}
	for line := range s.lines {
		got[line] = true
	}
	for _, want := range []string{"bot> one", "bot> two", "bot> three"} {
		if !got[want] {
			t.Errorf("missing %q in output %v; stderr:\n%s", want, got, s.stderr.String())
		}
	}
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// A platform that refuses the intents the scripts require (echo's "message" needs group
// and C2C messages) is a fatal configuration error once the optional ones are given up:
// run exits non-zero with the code and what to do about it.
func TestRun_IntentsNotPermittedIsFatal(t *testing.T) {
	t.Parallel()
	platform := simtest.Start(t, sim.Config{GrantedIntents: sim.IntentGuilds | sim.IntentPublicGuildMessages, MaxConcurrency: 100})
	// An event named by its platform name is required: the platform refusing it is
	// fatal (on("message") would only ask for group messages, and run on).
	script := filepath.Join(t.TempDir(), "group.lua")
	if err := os.WriteFile(script, []byte(`on("GROUP_AT_MESSAGE_CREATE", function(ev) ev:reply(ev.text) end)`), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	code := run(context.Background(), []string{"luabot", "run",
		"--app-id", platform.AppID(), "--secret", platform.Secret(),
		"--api", platform.APIURL(), "--token-url", platform.TokenURL(),
		"--data", filepath.Join(t.TempDir(), "k.db"), script}, strings.NewReader(""), io.Discard, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "4014") || !strings.Contains(stderr.String(), "QQ bot console") {
		t.Fatalf("stderr does not explain 4014:\n%s", stderr.String())
	}
}

func TestTypes_PrintsAnnotations(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	if code := run(context.Background(), []string{"luabot", "types"}, strings.NewReader(""), &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"---@meta", "function qq.send(", "function on(", "function KV.get(", "function timer.cron(", "function wait_for(", "function command(",
		"function commands.lang(", "function sim.say(", "function sim.user(", "function sim.kv(", "function expect("} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("types output lacks %q", want)
		}
	}
}

// Commands that take no arguments say so (exit 2) instead of ignoring a stray word, and
// sim names a listen address that cannot be one as a usage mistake, before listening.
func TestNoArgCommands_RefuseStrayArguments(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"types", "extra"}, `types takes no arguments (got "extra")`},
		{[]string{"sim", "bot.lua"}, `sim takes no arguments (got "bot.lua")`},
		{[]string{"sim", "--addr", "nonsense"}, `--addr "nonsense": want host:port`},
	} {
		var out, errOut syncBuffer
		code := run(context.Background(), append([]string{"luabot"}, tc.args...), strings.NewReader(""), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tc.want) || out.String() != "" {
			t.Errorf("luabot %s: exit %d, stdout %q, stderr %q; want 2 and %q", strings.Join(tc.args, " "), code, out.String(), errOut.String(), tc.want)
		}
	}
}

// dev without a script, or with one that does not exist, says so before anything starts
// (no admin listener, no simulator lines on stderr).
func TestDev_NoScriptRefusedBeforeStarting(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"dev"}, {"dev", filepath.Join(t.TempDir(), "missing.lua")}} {
		var out, errOut syncBuffer
		code := run(context.Background(), append([]string{"luabot"}, args...), strings.NewReader(""), &out, &errOut)
		if code != 2 || strings.Contains(errOut.String(), "listening") || strings.Count(strings.TrimSpace(errOut.String()), "\n") != 0 {
			t.Errorf("luabot %s: exit %d, stderr %q; want 2 and one line", strings.Join(args, " "), code, errOut.String())
		}
	}
}

// A bot the platform has not approved for private-domain messages and DMs still runs
// under `luabot run`: it answers @-messages, warns once on stderr which events on("message")
// will not get and why, and `luabot status` shows the intents granted and refused.
func TestRun_IntentsNegotiated(t *testing.T) {
	platform, err := sim.New(sim.Config{MaxConcurrency: 100,
		GrantedIntents: sim.IntentGuilds | sim.IntentPublicGuildMessages | sim.IntentGroupAndC2C})
	if err != nil {
		t.Fatal(err)
	}
	if err := platform.Start(); err != nil {
		t.Fatal(err)
	}
	defer platform.Close()
	data := filepath.Join(t.TempDir(), "k.db")
	// Each refused set of intents costs a reconnect backoff; 10 ms instead of 1 s.
	old := reconnectBackoff
	reconnectBackoff = 10 * time.Millisecond
	t.Cleanup(func() { reconnectBackoff = old })
	s := start(t, "run", "--app-id", platform.AppID(), "--secret", platform.Secret(),
		"--api", platform.APIURL(), "--token-url", platform.TokenURL(), "--data", data, "../../examples/echo.lua")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := platform.WaitSessions(ctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v; stderr:\n%s", err, s.stderr.String())
	}
	if _, err := platform.Post(sim.Post{Content: "ping", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if m, err := platform.WaitSent(ctx, 0); err != nil || m.Content != "ping" {
		t.Fatalf("reply %q, %v", m.Content, err)
	}
	if n := strings.Count(s.stderr.String(), "intents not granted"); n != 1 || !strings.Contains(s.stderr.String(), "MESSAGE_CREATE") {
		t.Fatalf("%d warnings about intents; stderr:\n%s", n, s.stderr.String())
	}

	// The status file is rewritten when a shard becomes ready; wait for that one.
	var out string
	for {
		var stdout, stderr syncBuffer
		run(context.Background(), []string{"luabot", "status", "--data", data}, strings.NewReader(""), &stdout, &stderr)
		out = stdout.String()
		if strings.Contains(out, "intents granted") {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("status never showed the intents: %q %q", out, stderr.String())
		}
		time.Sleep(50 * time.Millisecond) // polling the file, with a deadline
	}
	for _, want := range []string{"intents granted: GROUP_AND_C2C_EVENT|PUBLIC_GUILD_MESSAGES",
		"intents not granted (need approval on the QQ open platform): GUILD_MESSAGES|DIRECT_MESSAGE", "DIRECT_MESSAGE_CREATE"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	s.cancel()
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d after interrupt; stderr:\n%s", code, s.stderr.String())
	}
}

// Each dev run starts clean: the embedded simulator is new, so the last
// run's session is not offered to it (it used to be refused with op 9 on
// every start), and dev's kv lives in a file of its own, not run's.
func TestDev_EachRunStartsClean(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("count.lua", []byte(`on("message", function(ev) ev:reply("n=" .. kv.incr("n")) end)`), 0o644); err != nil {
		t.Fatal(err)
	}
	for run, want := range []string{"bot> n=1", "bot> n=2"} {
		s := start(t, "--log-level", "debug", "dev", "count.lua")
		s.expect("luabot dev:")
		io.WriteString(s.stdin, "count\n")
		if line := s.expect("bot>"); line != want {
			t.Errorf("run %d: %q, want %q (kv kept across dev runs, in its own file)", run+1, line, want)
		}
		s.stdin.Close()
		if code := s.exitCode(); code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
		}
		if errOut := s.stderr.String(); strings.Contains(errOut, "invalid session") || strings.Contains(errOut, "resum") {
			t.Errorf("run %d tried to resume an old session:\n%s", run+1, errOut)
		}
	}
	if _, err := os.Stat("luabot.db"); !os.IsNotExist(err) {
		t.Errorf("dev created luabot.db (run's store): %v", err)
	}
	if _, err := os.Stat("luabot-dev.db"); err != nil {
		t.Errorf("dev's own store: %v", err)
	}
}
