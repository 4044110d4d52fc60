package bindings_test

import (
	"strings"
	"testing"
	"time"
)

// A misspelt event name gets a suggestion; a huge one fails at once with a short error
// instead of computing edit distances over megabytes in Go, where the CPU limit cannot
// stop it.
func TestOn_UnknownEventNames(t *testing.T) {
	L := newState(t)
	tests := []struct{ name, want string }{
		{`"AT_MESAGE_CREATE"`, `did you mean "AT_MESSAGE_CREATE"`},
		{`"nonsense_event_that_is_not_close"`, `unknown event "nonsense_event_that_is_not_close"`},
		{`string.rep("x", 16 * 1024 * 1024 - 1)`, `unknown event "xxxx`},
	}
	for _, tt := range tests {
		start := time.Now()
		got := eval(t, L, `local ok, err = pcall(on, `+tt.name+`, function() end) return tostring(err)`)
		if !strings.Contains(got, tt.want) || len(got) > 300 {
			t.Errorf("on(%.40s…) error %.200q (%d bytes); want one containing %q, short", tt.name, got, len(got), tt.want)
		}
		// Before the fix the huge name took about 45 s; 10 s leaves room for -race on a
		// loaded machine.
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("on(%.40s…) took %v", tt.name, d)
		}
	}
}
