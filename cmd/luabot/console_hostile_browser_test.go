package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// hostile is text a script or a chat user controls that would run script
// in the console's page if any view put it there as HTML.
const hostile = `<img src=x onerror="window.pwned=1"></script><script>window.pwned=2</script>`

// hostileScript logs, stores, raises and sends hostile in every form the
// console shows: log lines, kv keys and values, handler errors, message
// text, markdown, embeds, image URLs and button labels and ids.
const hostileScript = `
local X = [[` + hostile + `]]
log.info(X, "attr", X)
kv.set(X, X)
kv.set("doc", {html = X, url = "javascript:window.pwned=3"})
on("message", function(ev)
  ev:reply(X)
  ev:reply(ui.markdown("# " .. X .. "\n**" .. X .. "** [a](javascript:window.pwned=4) ` + "`\" .. X .. \"`" + `",
    ui.keyboard{{ui.button("<img src=x onerror=pwned=5>", {data = "x", id = "\"><img src=x onerror=pwned=6>"})}}))
  ev:reply(ui.embed{title = X, prompt = X, thumbnail = "javascript:window.pwned=7", fields = {X}})
  ev:reply({content = X, image = "javascript:window.pwned=8"})
  error(X)
end)
`

// notRun is true while nothing hostile ran or became an element.
const notRun = `window.pwned === undefined && document.querySelectorAll('img[src="x"], main script').length === 0`

func TestConsoleBrowser_HostileContentStaysText(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium and luabot dev")
	}
	t.Parallel()
	ctx, ready := newBrowser(t)
	dir := filepath.Join(t.TempDir(), "bot")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "hostile.lua"), []byte(hostileScript), 0o644)
	url := startDev(t, dir)
	ready()

	shows := func(sel string) string {
		return `(document.querySelector("` + sel + `")?.textContent || "").includes(` + jsString(hostile) + `)`
	}
	checkNotRun := func(t *testing.T, view string) {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](notRun))
		if err != nil || !ok {
			html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`String(window.pwned) + "\n" + document.querySelector("main").innerHTML`))
			t.Fatalf("%s view: hostile text ran or became markup (%v); window.pwned and the page:\n%s", view, err, html)
		}
	}

	step(t, ctx, 30*time.Second, "chat",
		open(url, "chat"),
		chromedp.WaitVisible(`#chat-input`),
		enter(`#chat-input`, hostile),
		poll(`document.querySelectorAll("#chat-messages .msg.bot").length >= 4 && !!document.querySelector("#chat-messages .kbd button")`),
		poll(shows("#chat-messages .msg.user")))
	checkNotRun(t, "chat")

	for _, v := range []struct{ view, sel string }{{"logs", "#logs"}, {"kv", "#kv"}, {"scripts", "#scripts details"}} {
		step(t, ctx, 20*time.Second, v.view, open(url, v.view), poll(shows(v.sel)))
		checkNotRun(t, v.view)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "<", `\x3c`)
	return `"` + r.Replace(s) + `"`
}
