package bindings_test

import "testing"

func TestUTF8(t *testing.T) {
	L := newState(t)
	tests := []struct{ expr, want string }{
		{`utf8.len("你好, bot")`, "7"},
		{`utf8.len("你好", 4)`, "1"},
		{`select(2, utf8.len("ok\255no"))`, "3"},
		{`utf8.char(20320, 22909, 33)`, "你好!"},
		{`table.concat({utf8.codepoint("你好", 1, -1)}, ",")`, "20320,22909"},
		{`utf8.offset("你好吗", 3)`, "7"},
		{`utf8.offset("你好吗", -1)`, "7"},
		{`(function() local n = 0 for p, c in utf8.codes("a你b") do n = n + c end return n end)()`, "20515"},
		{`#("你好"):match(utf8.charpattern)`, "3"},
		{`utf8.len(0.1 + 0.2)`, "3"}, // "0.3", as tostring writes it
	}
	for _, tt := range tests {
		if got := eval(t, L, "return "+tt.expr); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
		}
	}
}
