package host

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/kv"
)

// A header cannot raise a script's limits past the operator's maximum, and
// a huge number (an inbox allocated up front) cannot reach an allocation:
// the script loads with the maximum and one warning says what it asked for
// and what it gets.
func TestPragma_HeaderCappedByOperatorMaximum(t *testing.T) {
	tests := []struct {
		name   string
		header string
		max    Limits
		want   Limits
		warned []string
	}{
		{"huge numbers", "-- luabot: cpu=1e300 memory=1e300 inbox=1e15", Limits{},
			Limits{CPU: 4 * time.Second, Memory: 256 << 20, Inbox: ceilingInbox},
			[]string{"cpu=1e300 → 4s", "memory=1e300 → 256 MiB", "inbox=1e15 → 100000"}},
		{"operator maximum", "-- luabot: cpu=30 memory=2048", Limits{CPU: 10 * time.Second, Memory: 512 << 20},
			Limits{CPU: 10 * time.Second, Memory: 512 << 20, Inbox: defaultInbox},
			[]string{"cpu=30 → 10s", "memory=2048 → 512 MiB"}},
		{"within the maximum", "-- luabot: cpu=2 memory=128 inbox=5000", Limits{},
			Limits{CPU: 2 * time.Second, Memory: 128 << 20, Inbox: 5000}, nil},
		{"fractions", "-- luabot: inbox=0.5", Limits{},
			Limits{CPU: time.Second, Memory: defaultMemory, Inbox: 1}, nil},
		{"maximum below the default", "-- luabot: cpu=3", Limits{CPU: time.Millisecond},
			Limits{CPU: time.Second, Memory: defaultMemory, Inbox: defaultInbox}, []string{"cpu=3 → 1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "k.db")})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			logs := newLogSink()
			s, err := loadScript(writeScript(t, dir, "greedy.lua", tt.header+"\non('message', function() end)"),
				scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(logs), max: tt.max})
			if err != nil {
				t.Fatal(err)
			}
			defer s.L.Close()
			want := tt.want
			want.Timers, want.Parked, want.Waiters, want.Coroutines = defaultCount, defaultCount, defaultCount, defaultCount
			if s.limits != want {
				t.Fatalf("limits = %+v, want %+v", s.limits, want)
			}
			if s.inbox.limit != tt.want.Inbox {
				t.Fatalf("inbox of %d", s.inbox.limit)
			}
			var warnings []string
			for len(logs.records) > 0 {
				warnings = append(warnings, recordText(<-logs.records))
			}
			if tt.warned == nil {
				if len(warnings) != 0 {
					t.Fatalf("warned %q", warnings)
				}
				return
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], "script=greedy") {
				t.Fatalf("want one warning naming the script, got %q", warnings)
			}
			for _, w := range tt.warned {
				if !strings.Contains(warnings[0], w) {
					t.Errorf("warning %q does not say %q", warnings[0], w)
				}
			}
		})
	}
}

func TestScriptGrants(t *testing.T) {
	src := "-- weather bot\n-- luabot: cpu=2 http=api.example.com,*.openai.com\n-- luabot: http=a.example.org\nlocal x = 1\n-- luabot: http=late.example.com\n"
	got := strings.Join(scriptGrants(src), " ")
	if got != "api.example.com *.openai.com a.example.org" {
		t.Fatalf("grants = %q", got)
	}
	if _, _, err := scriptLimits(src, Limits{}.withDefaults(), ceilings(Limits{}, Limits{})); err != nil {
		t.Fatalf("the http field breaks the limits: %v", err)
	}
}
