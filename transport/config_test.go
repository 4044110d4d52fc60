package transport_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/transport"
)

// Check refuses each bad combination of options with a *ConfigError naming the fields at
// fault, so that a command can say it with its own flag names; Explain renders the
// fields named inside the problem too.
func TestConfig_Check(t *testing.T) {
	hook := gateway.WebhookConfig{Secret: "s", Listen: ":8443"}
	tests := []struct {
		name   string
		cfg    transport.Config
		fields []string // nil: accepted
		says   string   // in Explain's text, with fields in <>
	}{
		{"defaults", transport.Config{}, nil, ""},
		{"webhook", transport.Config{Kind: transport.Webhook, Webhook: hook}, nil, ""},
		{"shards", transport.Config{Shards: 4, ShardIDs: []int{2, 3}}, nil, ""},
		{"unknown kind", transport.Config{Kind: "carrier-pigeon"}, []string{"Kind"}, "want ws or webhook"},
		{"listen with ws", transport.Config{Webhook: gateway.WebhookConfig{Listen: ":8443"}},
			[]string{"Webhook.Listen", "Webhook.TLSCert", "Webhook.TLSKey"}, "only with <Kind> webhook"},
		{"webhook without secret", transport.Config{Kind: transport.Webhook, Webhook: gateway.WebhookConfig{Listen: ":1"}},
			[]string{"Webhook.Secret"}, "required with <Kind> webhook"},
		{"webhook without listen", transport.Config{Kind: transport.Webhook, Webhook: gateway.WebhookConfig{Secret: "s"}},
			[]string{"Webhook.Listen"}, "required with <Kind> webhook"},
		{"cert without key", transport.Config{Kind: transport.Webhook,
			Webhook: gateway.WebhookConfig{Secret: "s", Listen: ":1", TLSCert: "c.pem"}},
			[]string{"Webhook.TLSCert", "Webhook.TLSKey"}, "both or neither"},
		{"shards with webhook", transport.Config{Kind: transport.Webhook, Webhook: hook, Shards: 2},
			[]string{"Shards", "ShardIDs"}, "only with <Kind> ws"},
		{"negative shards", transport.Config{Shards: -1}, []string{"Shards"}, "not from 1 to"},
		{"too many shards", transport.Config{Shards: transport.MaxShards + 1}, []string{"Shards"}, "not from 1 to"},
		{"shard beyond count", transport.Config{Shards: 2, ShardIDs: []int{2}}, []string{"ShardIDs"}, "not below the shard count 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Check()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var ce *transport.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Check = %v, want a *ConfigError", err)
			}
			if !slices.Equal(ce.Fields, tt.fields) {
				t.Errorf("fields %v, want %v", ce.Fields, tt.fields)
			}
			text := ce.Explain(func(f string) string { return "<" + f + ">" })
			if !strings.Contains(text, tt.says) || !strings.HasPrefix(text, "<"+tt.fields[0]+">") {
				t.Errorf("Explain = %q, want it to start with <%s> and say %q", text, tt.fields[0], tt.says)
			}
			if strings.Contains(err.Error(), "--") {
				t.Errorf("Error = %q names a flag", err)
			}
		})
	}
}

func TestParseShardRange(t *testing.T) {
	tests := []struct {
		in    string
		ids   string
		count int
		ok    bool
	}{
		{"0-3/8", "[0 1 2 3]", 8, true},
		{"5/8", "[5]", 8, true},
		{"7-7/8", "[7]", 8, true},
		{"3-8/8", "", 0, false},
		{"4-2/8", "", 0, false},
		{"0-3", "", 0, false},
		{"a-b/8", "", 0, false},
		{"0/0", "", 0, false},
		// A huge range would allocate a slice of ids up front.
		{"0-999999999/1000000000", "", 0, false},
		{"1023/1024", "[1023]", 1024, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ids, count, err := transport.ParseShardRange(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && (count != tt.count || sprint(ids) != tt.ids) {
				t.Errorf("= %v/%d, want %s/%d", ids, count, tt.ids, tt.count)
			}
		})
	}
}

func sprint(ids []int) string {
	b, _ := json.Marshal(ids)
	return "[" + strings.ReplaceAll(strings.Trim(string(b), "[]"), ",", " ") + "]"
}
