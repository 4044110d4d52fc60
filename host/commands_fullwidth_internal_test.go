package host

import (
	"fmt"
	"strings"
	"testing"
)

// What Chinese input methods type: a full-width slash and full-width spaces
// work like / and a space.
func TestCommands_FullWidthSlashAndSpace(t *testing.T) {
	h := mustHarness(t, `
command("签到", function(ev) ev:reply("签到成功") end)
command("roll [sides:integer=6]", function(ev, args) ev:reply("rolled d" .. args.sides) end)
command("say <who> [text...]", function(ev, args) ev:reply(args.who .. "|" .. tostring(args.text)) end)
`)
	h.start()
	for i, tt := range []struct{ content, want string }{
		{"／签到", "签到成功"},
		{"／roll　20", "rolled d20"},
		{"/roll　12", "rolled d12"},
		{"／say　小明　你好　世界", "小明|你好　世界"},
	} {
		h.send("MESSAGE_CREATE", fmt.Sprintf(`{"id":"F%d","channel_id":"100","content":%q,"author":{"id":"42"}}`, i, tt.content))
		if c := h.nextCall(); c.Body["content"] != tt.want {
			t.Errorf("%q: reply %q, want %q", tt.content, c.Body["content"], tt.want)
		}
	}
}

// Parameter names in any language; a refused name says what is allowed.
func TestCommands_ParameterNamesInAnyLanguage(t *testing.T) {
	h := mustHarness(t, `command("打 <目标:user> [次数:integer=1]", function(ev, args) ev:reply(args["目标"] .. " x" .. args["次数"]) end)`)
	h.start()
	h.send("MESSAGE_CREATE", `{"id":"P1","channel_id":"100","content":"／打　<@!77>　3","author":{"id":"42"}}`)
	if c := h.nextCall(); c.Body["content"] != "77 x3" {
		t.Fatalf("reply %q", c.Body["content"])
	}
	_, err := newHarness(t, `command("hit <1st:user>", function() end)`)
	if err == nil || !strings.Contains(err.Error(), `name "1st": a name is letters (any language), digits and _, not starting with a digit`) {
		t.Fatalf("err = %v", err)
	}
}
