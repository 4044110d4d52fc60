package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The web console in a real headless Chromium, against `luabot dev` run
// as a process of its own (this test binary as the CLI) with its embedded
// simulator, on free loopback ports and in temporary folders.
//
// Screenshots of each view go to $LUABOT_SCREENSHOTS when set (the
// README's pictures are made so), else to a temporary folder.

// chromiumPath finds a Chromium or Chrome binary, or says why not.
func chromiumPath() (string, string) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, ""
		}
	}
	return "", "no Chromium binary on PATH (chromium, chromium-browser, google-chrome, headless-shell); .ci/run installs Debian's chromium"
}

// consoleScripts are the scripts of the browser tests: the echo bot, the
// poll example (commands, keyboards, kv) and a script the tests edit.
func consoleScripts(t *testing.T) (dir string) {
	dir = filepath.Join(t.TempDir(), "bot")
	os.Mkdir(dir, 0o755)
	for _, src := range []string{"../../examples/echo.lua", "../../examples/poll/poll.lua"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, filepath.Base(src)), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "greet.lua"), []byte(`command("greet", function(ev) ev:reply("hi") end)`+"\n"), 0o644)
	return dir
}

var consoleURL = regexp.MustCompile(`msg="web console" url=(\S+)`)

// startDev runs `luabot dev` on dir and returns its console's URL; the
// process ends with the test (its input closes, as with Ctrl-D).
func startDev(t *testing.T, dir string) string {
	t.Helper()
	return startWithConsole(t, dir, "dev", "--admin", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "dev.db"))
}

// startWithConsole runs luabot with args and the scripts folder dir, from
// dir's parent folder as a developer would (paths show as bot/echo.lua),
// and returns the console URL it logs. The process ends with the test: its
// input closes (dev's Ctrl-D), then it is interrupted.
func startWithConsole(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := luabotCommand(append(args, filepath.Base(dir))...)
	cmd.Dir = filepath.Dir(dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr, cmd.Stdout = &stderr, &syncBuffer{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stdin.Close()
		if args[0] != "dev" {
			cmd.Process.Signal(os.Interrupt)
		}
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("luabot %s did not end; stderr:\n%s", args[0], stderr.String())
		}
		if t.Failed() {
			t.Logf("luabot %s stderr:\n%s", args[0], stderr.String())
		}
	})
	// The URL is logged once the bot is connected.
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if m := consoleURL.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-exited:
			t.Fatalf("luabot %s ended: %v; stderr:\n%s", args[0], err, stderr.String())
		case <-deadline:
			t.Fatalf("no console URL logged within 30s; stderr:\n%s", stderr.String())
		case <-tick.C:
		}
	}
}

// newBrowser starts headless Chromium for the test; ready waits until it
// has started (meanwhile the test can start what the browser will look at:
// each takes a few seconds on a loaded machine).
func newBrowser(t *testing.T) (ctx context.Context, ready func()) {
	t.Helper()
	path, why := chromiumPath()
	if path == "" {
		t.Skip(why)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		// No UserDataDir: chromedp's own temporary profile is how it finds and
		// ends the browser's helper processes when the test is over.
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1100, 800), chromedp.Flag("disable-gpu", true),
		// One process for the browser, the page and the network: each of
		// Chromium's helper processes costs its start-up (relocations and page
		// faults, dear on a virtual machine), and the test looks at one page.
		// The browser alone went from 8.1 to 6.1 s of CPU.
		chromedp.Flag("single-process", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }() // starts the browser
	return ctx, func() {
		t.Helper()
		if err := <-started; err != nil {
			t.Fatalf("start Chromium (%s): %v", path, err)
		}
		// What the page writes to its console (its script errors among it)
		// goes into the failure messages; the reader ends with the browser.
		messages := chromedp.Console(ctx)
		go func() {
			for m, err := range messages {
				if err != nil {
					return
				}
				pageConsole.Write([]byte(m.String() + "\n"))
			}
		}()
	}
}

// pageConsole collects what the console's page logged.
var pageConsole syncBuffer

// step runs actions within d, failing the test with what the page shows.
func step(t *testing.T, ctx context.Context, d time.Duration, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		body, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`document.querySelector("main").innerText`))
		t.Fatalf("%s: %v\npage text:\n%s\npage console:\n%s", what, err, body, pageConsole.String())
	}
}

// screenshot saves the window as NAME.png into $LUABOT_SCREENSHOTS (the
// README's pictures), and does nothing without it: each capture is a
// render and a PNG encoding in Chromium that nothing else looks at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("LUABOT_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// open loads the page afresh on view (a query makes it a new document, not
// a jump within the last one).
func open(url, view string) chromedp.Action[chromedp.Void] {
	return chromedp.Navigate(url + "?" + view + "#" + view)
}

// enter fills the field sel with text and presses Enter in it. The chat's
// first line is typed key by key (SendKeys); the others are set at once: a
// key is three round trips to the browser, a few seconds of a loaded
// machine's time for every line.
func enter(sel, text string) chromedp.Action[chromedp.Void] {
	set, press := chromedp.SetValue(sel, text), chromedp.SendKeys(sel, kb.Enter)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if v, err := set(ctx, t); err != nil {
			return v, err
		}
		return press(ctx, t)
	}
}

// poll waits until the JavaScript expression is true.
func poll(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0))
}

func TestConsoleBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium and luabot dev")
	}
	t.Parallel() // Chromium and luabot dev are child processes; the test waits on them
	ctx, ready := newBrowser(t)
	dir := consoleScripts(t)
	url := startDev(t, dir)
	ready()

	t.Run("overview shows a connected shard", func(t *testing.T) {
		step(t, ctx, 20*time.Second, "overview",
			open(url, "overview"),
			poll(`document.querySelector('#shards tbody tr[data-state="ready"] td.state')?.textContent === "ready"`),
			poll(`document.querySelector("#live").textContent === "live"`))
		screenshot(t, ctx, "overview")
	})

	t.Run("a message typed in the chat gets the echo bot's reply", func(t *testing.T) {
		step(t, ctx, 20*time.Second, "chat",
			open(url, "chat"),
			chromedp.WaitVisible(`#chat-input`),
			chromedp.SendKeys(`#chat-input`, "hello from the browser"+kb.Enter),
			poll(`[...document.querySelectorAll(".msg.user .text")].some(e => e.textContent === "hello from the browser")`),
			poll(`[...document.querySelectorAll(".msg.bot .text")].some(e => e.textContent === "hello from the browser")`))
		// A keyboard renders as buttons; a click is a press (INTERACTION_CREATE),
		// which the poll script counts and shows on Results.
		step(t, ctx, 20*time.Second, "poll buttons",
			enter(`#chat-input`, "/poll Lunch? | pizza | noodles"),
			poll(`document.querySelector('.msg.bot .md b')?.textContent === "Lunch?"`),
			chromedp.Click(`.msg.bot .kbd button`), // pizza
			poll(`document.querySelector("#toast").textContent === "pressed [pizza]"`),
			chromedp.Click(`.msg.bot .kbd button[data-button="results"]`),
			poll(`[...document.querySelectorAll(".msg.bot .text")].some(e => e.textContent.includes("pizza 1 · noodles 0"))`))
		screenshot(t, ctx, "chat")
	})

	t.Run("every scene, reactions and a new member", func(t *testing.T) {
		echoed := func(text string) chromedp.Action[chromedp.Void] {
			return poll(`[...document.querySelectorAll(".msg.bot .text")].some(e => e.textContent === "` + text + `")`)
		}
		step(t, ctx, 20*time.Second, "scenes",
			open(url, "chat"),
			chromedp.WaitVisible(`#chat-input`),
			chromedp.Click(`li[data-conv="dm"]`),
			enter(`#chat-input`, "in a DM"), echoed("in a DM"),
			chromedp.Click(`li[data-conv="c2c"]`),
			enter(`#chat-input`, "in C2C"), echoed("in C2C"),
			chromedp.Click(`#chat-groups li`),
			enter(`#chat-input`, "in the group"), echoed("in the group"),
			// Each conversation shows its own messages only.
			poll(`![...document.querySelectorAll(".msg .text")].some(e => e.textContent === "in C2C")`),
			chromedp.Click(`#chat-channels li:nth-child(2)`), // #random
			enter(`#chat-input`, "in random"), echoed("in random"),
			chromedp.Click(`.msg.bot .react`),
			poll(`[...document.querySelectorAll(".msg.note")].some(e => e.textContent.includes("reacted"))`),
			enter(`#member-name`, "dave"),
			poll(`[...document.querySelectorAll("#chat-user option")].some(o => o.textContent === "dave")`),
			chromedp.Click(`#chat-channels li:nth-child(1)`), // the join shows in the guild's first channel
			poll(`[...document.querySelectorAll(".msg.note")].some(e => e.textContent.includes("dave joined"))`))
	})

	t.Run("kv and logs views", func(t *testing.T) {
		step(t, ctx, 20*time.Second, "kv",
			open(url, "kv"),
			poll(`[...document.querySelectorAll("#kv .kv-entry .key")].some(e => e.textContent === "poll:1")`),
			poll(`[...document.querySelectorAll("#kv .kv-entry pre")].some(e => e.textContent.includes('"question": "Lunch?"'))`))
		screenshot(t, ctx, "kv")
		step(t, ctx, 20*time.Second, "logs",
			open(url, "logs"),
			poll(`[...document.querySelectorAll("#logs .sc")].some(e => e.textContent === "[echo] ")`))
		screenshot(t, ctx, "logs")
	})

	greet := filepath.Join(dir, "greet.lua")
	t.Run("a script edited on disk shows its reload", func(t *testing.T) {
		step(t, ctx, 20*time.Second, "scripts",
			open(url, "scripts"),
			poll(`document.querySelector('.card[data-script="greet"]')?.dataset.version === "1"`))
		os.WriteFile(greet, []byte(`command("greet [name]", function(ev, args) ev:reply("hi " .. (args.name or "")) end)`+"\n"), 0o644)
		step(t, ctx, 20*time.Second, "reload shown",
			poll(`document.querySelector('.card[data-script="greet"]')?.dataset.version === "2"`),
			poll(`document.querySelector('.card[data-script="greet"]').innerText.includes("/greet [name]")`))
	})

	t.Run("a broken save shows the error with its line", func(t *testing.T) {
		os.WriteFile(greet, []byte("command(\"greet\", function(ev)\n  ev:reply(\"hi\"\nend)\n"), 0o644)
		step(t, ctx, 20*time.Second, "error shown",
			open(url, "scripts"),
			poll(`document.querySelector('.card[data-script="greet"] .last-reload .error')?.textContent.includes("greet.lua:3:")`),
			// The previous version keeps running.
			poll(`document.querySelector('.card[data-script="greet"]').dataset.version === "2"`))
		screenshot(t, ctx, "scripts")
		// The overview again, now that the charts have a minute of traffic.
		step(t, ctx, 20*time.Second, "overview", open(url, "overview"),
			poll(`document.querySelector('#shards tbody tr[data-state="ready"]') !== null`))
		screenshot(t, ctx, "overview")
	})
}
