package host

import (
	"strings"
	"testing"
)

func TestDidYouMean_CallsOfNil(t *testing.T) {
	h := mustHarness(t, `on("message", function(ev)
  if ev.text == "a" then
    qq.sned("100", "x")
  elseif ev.text == "b" then
    ev:replay("x")
  elseif ev.text == "c" then
    pirnt("x")
  elseif ev.text == "d" then
    json.decoed("{}")
  elseif ev.text == "e" then
    local t = {}
    t.nothing()
  elseif ev.text == "f" then
    local f = io.open("/etc/passwd")
  elseif ev.text == "g" then
    os.execute("ls")
  end
  if ev.text == "h" then pirnt("x") end
  if ev.text == "i" then qq.sned('i', [[x(]]) end -- nothing("
end)
command("j", function(ev) ev:replay("j") end)`)
	h.start()
	for _, tc := range []struct{ in, want string }{
		{"a", "bot.lua:3: qq.sned is not a function: did you mean qq.send?"},
		{"b", "bot.lua:5: ev:replay is not a function: did you mean ev:reply?"},
		{"c", "bot.lua:7: pirnt is not a function: did you mean print?"},
		{"d", "bot.lua:9: json.decoed is not a function: did you mean json.decode?"},
		{"e", "bot.lua:12: attempt to call a non-function object"},
		{"f", "bot.lua:14: io is not available in the sandbox: scripts cannot touch files; keep state in kv"},
		{"g", "bot.lua:16: os.execute is not available in the sandbox: scripts cannot run programs"},
		// A word inside a string or a comment is not the failed call.
		{"h", "bot.lua:18: pirnt is not a function: did you mean print?"},
		{"i", "bot.lua:19: qq.sned is not a function: did you mean qq.send?"},
		{"/j", "bot.lua:21: ev:replay is not a function: did you mean ev:reply?"},
	} {
		h.send("AT_MESSAGE_CREATE", msg(tc.in))
		h.logs.waitLog(t, "handler failed", tc.want)
	}
}

// A misspelt function at the top level, where most calls of a script are
// (command, on, kv), fails the load; the load error names it as a
// handler's failure would, instead of "attempt to call a non-function
// object".
func TestDidYouMean_AtTheTopLevel(t *testing.T) {
	for src, want := range map[string]string{
		`comand("ping", function(ev) ev:reply("pong") end)`: "bot.lua:1: comand is not a function: did you mean command?",
		"local seen = {}\nlocal n = kv.gett(\"n\")":         "bot.lua:2: kv.gett is not a function: did you mean kv.get?",
	} {
		_, err := newHarness(t, src)
		if err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("%q: load error %v, want one ending %q", src, err, want)
		}
	}
}
