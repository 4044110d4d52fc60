package host_test

import (
	"testing"

	"github.com/luabot/luabot/host"
)

// A syntax error at the end of the file is almost always a block or a
// bracket left open; gopher-lua reports it with no line at all. The
// message names the file's last line and the innermost opener, as Lua 5.1
// does.
func TestSyntaxAtEOF_NamesTheUnclosedBlock(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"local x = 1\nif x then\n  print(\"a\")\n\nlocal y = 2\n", "'end' expected (to close 'if' at line 2)"},
		{"on(\"message\", function(ev)\n  ev:reply(\"x\")\nend\n", "')' expected (to close '(' at line 1)"},
		{"for i = 1, 3 do\n  while true do break end\n", "'end' expected (to close 'for' at line 1)"},
		{"local t = {\n  a = [[x]],\n", "'}' expected (to close '{' at line 1)"},
		{"repeat\n  local s = \"end\" -- end\n", "'until' expected (to close 'repeat' at line 1)"},
		{"local x =\n", ""},
	} {
		line, msg := host.SyntaxAtEOF(tc.src, "bot.lua")
		want := "syntax error at end of file"
		if tc.want != "" {
			want += ": " + tc.want
		}
		if msg != want {
			t.Errorf("%q: %q, want %q", tc.src, msg, want)
		}
		if line < 1 {
			t.Errorf("%q: line %d", tc.src, line)
		}
	}
}
