package transport

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
)

type noIntents struct{}

func (noIntents) WantedIntents() (required, optional dispatch.Intent) { return 0, 0 }
func (noIntents) IntentsDropped(dispatch.Intent)                      {}

// Every number of a GET /gateway/bot answer is kept within bounds, with one log line per
// number changed; a recommended shard count beyond MaxShards is refused unless the
// caller chose the count.
func TestCheckGatewayBot(t *testing.T) {
	good := openapi.GatewayBot{URL: "wss://x", Shards: 1,
		SessionStartLimit: openapi.SessionStartLimit{Total: 1000, Remaining: 999, ResetAfter: 14400000, MaxConcurrency: 1}}
	tests := []struct {
		name      string
		mod       func(*openapi.GatewayBot)
		shardsSet bool
		want      func(*openapi.GatewayBot) // the expected corrections; nil: none
		fields    []string                  // fields named in warnings
		err       string
	}{
		{"platform answer", func(*openapi.GatewayBot) {}, false, nil, nil, ""},
		{"zero shards", func(g *openapi.GatewayBot) { g.Shards = 0 }, false, func(g *openapi.GatewayBot) { g.Shards = 1 }, []string{"shards"}, ""},
		{"negative shards", func(g *openapi.GatewayBot) { g.Shards = -3 }, false, func(g *openapi.GatewayBot) { g.Shards = 1 }, []string{"shards"}, ""},
		{"huge shards", func(g *openapi.GatewayBot) { g.Shards = 1 << 40 }, false, nil, nil, "recommends 1099511627776 shards"},
		{"huge shards, count set", func(g *openapi.GatewayBot) { g.Shards = 1 << 40 }, true, nil, nil, ""},
		{"negative total", func(g *openapi.GatewayBot) { g.SessionStartLimit.Total = -1 }, false,
			func(g *openapi.GatewayBot) { g.SessionStartLimit.Total = 0 }, []string{"session_start_limit.total"}, ""},
		{"negative remaining", func(g *openapi.GatewayBot) { g.SessionStartLimit.Remaining = -5 }, false,
			func(g *openapi.GatewayBot) { g.SessionStartLimit.Remaining = 0 }, []string{"session_start_limit.remaining"}, ""},
		{"remaining above total", func(g *openapi.GatewayBot) { g.SessionStartLimit.Remaining = 5000 }, false,
			func(g *openapi.GatewayBot) { g.SessionStartLimit.Remaining = 1000 }, []string{"session_start_limit.remaining"}, ""},
		{"negative reset_after", func(g *openapi.GatewayBot) { g.SessionStartLimit.ResetAfter = -1 }, false,
			func(g *openapi.GatewayBot) { g.SessionStartLimit.ResetAfter = 0 }, []string{"session_start_limit.reset_after"}, ""},
		{"huge reset_after", func(g *openapi.GatewayBot) { g.SessionStartLimit.ResetAfter = 1 << 62 }, false,
			func(g *openapi.GatewayBot) { g.SessionStartLimit.ResetAfter = 86400000 }, []string{"session_start_limit.reset_after"}, ""},
		{"zero max_concurrency", func(g *openapi.GatewayBot) { g.SessionStartLimit.MaxConcurrency = 0 }, false,
			func(g *openapi.GatewayBot) { g.SessionStartLimit.MaxConcurrency = 1 }, []string{"session_start_limit.max_concurrency"}, ""},
		{"negative max_concurrency", func(g *openapi.GatewayBot) { g.SessionStartLimit.MaxConcurrency = -7 }, false,
			func(g *openapi.GatewayBot) { g.SessionStartLimit.MaxConcurrency = 1 }, []string{"session_start_limit.max_concurrency"}, ""},
		{"huge max_concurrency", func(g *openapi.GatewayBot) { g.SessionStartLimit.MaxConcurrency = 1 << 50 }, false,
			func(g *openapi.GatewayBot) { g.SessionStartLimit.MaxConcurrency = maxConcurrency }, []string{"session_start_limit.max_concurrency"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gb := good
			tt.mod(&gb)
			want := gb
			if tt.want != nil {
				want = good
				tt.mod(&want)
				tt.want(&want)
			}
			var buf bytes.Buffer
			err := checkGatewayBot(&gb, tt.shardsSet, slog.New(slog.NewTextHandler(&buf, nil)))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.name != "huge shards, count set" && gb != want {
				t.Errorf("got %+v, want %+v", gb, want)
			}
			lines := strings.Count(buf.String(), "\n")
			if lines != len(tt.fields) {
				t.Errorf("%d log lines, want %d:\n%s", lines, len(tt.fields), buf.String())
			}
			for _, f := range tt.fields {
				if !strings.Contains(buf.String(), "field="+f+" ") {
					t.Errorf("no line names %s:\n%s", f, buf.String())
				}
			}
		})
	}
}

// A shard count from the command line or a shard range beyond MaxShards is refused before
// anything loops over it.
func TestShardCountBounds(t *testing.T) {
	if _, _, err := ParseShardRange("0-0/100000000000"); err == nil {
		t.Error("a shard range of 10^11 was accepted")
	}
	if _, _, err := ParseShardRange("0-3/1024"); err != nil {
		t.Errorf("0-3/1024: %v", err)
	}
	cfg := Config{API: &openapi.Client{}, Store: &kv.Store{}, Intents: noIntents{}, Shards: MaxShards + 1}
	if err := cfg.validate(); err == nil {
		t.Error("a shard count above MaxShards was accepted")
	}
}
