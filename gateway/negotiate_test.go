package gateway_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

const (
	public  = gateway.IntentPublicGuildMessages
	private = gateway.IntentGuildMessages
	dms     = gateway.IntentDirectMessage
	groups  = gateway.IntentGroupAndC2C
)

// The negotiator tries the subsets of the optional intents, larger first and
// GUILD_MESSAGES given up before DIRECT_MESSAGE, then stops; once an Identify is
// granted the left-out optional intents are remembered and reported once.
func TestIntentNegotiator_TriesSubsetsThenStops(t *testing.T) {
	tests := []struct {
		name    string
		granted gateway.Intent // what the platform grants
		tries   []gateway.Intent
		dropped gateway.Intent // reported by onDropped; 0: never called
		stop    bool           // every candidate refused
	}{
		{"all granted", public | groups | private | dms, []gateway.Intent{public | groups | private | dms}, 0, false},
		{"no private domain", public | groups | dms, []gateway.Intent{public | groups | private | dms, public | groups | dms}, private, false},
		{"no DMs", public | groups | private, []gateway.Intent{public | groups | private | dms, public | groups | dms, public | groups | private}, dms, false},
		{"neither", public | groups, []gateway.Intent{public | groups | private | dms, public | groups | dms, public | groups | private, public | groups}, private | dms, false},
		{"required not granted", public, []gateway.Intent{public | groups | private | dms, public | groups | dms, public | groups | private, public | groups}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reported []gateway.Intent
			n := gateway.NewIntentNegotiator(func() (gateway.Intent, gateway.Intent) { return public | groups, private | dms },
				func(d gateway.Intent) { reported = append(reported, d) })
			var tries []gateway.Intent
			stopped := false
			for {
				sent := n.Next()
				tries = append(tries, sent)
				if sent&^tt.granted == 0 {
					n.Ready(sent)
					break
				}
				if !n.Refused(sent) {
					stopped = true
					break
				}
				if len(tries) > 10 {
					t.Fatalf("no end to the tries: %v", tries)
				}
			}
			if !equalIntents(tries, tt.tries) || stopped != tt.stop {
				t.Fatalf("tried %v (stopped %v), want %v (stop %v)", tries, stopped, tt.tries, tt.stop)
			}
			if tt.stop {
				return
			}
			if n.Granted() != tries[len(tries)-1] || n.Dropped() != tt.dropped {
				t.Errorf("Granted %v Dropped %v", n.Granted(), n.Dropped())
			}
			// A later Identify (reconnect) asks for the granted set at once, and a second
			// READY reports nothing new.
			if next := n.Next(); next != n.Granted() {
				t.Errorf("next Identify asks for %v, want the granted %v", next, n.Granted())
			}
			n.Ready(n.Next())
			if tt.dropped == 0 && len(reported) != 0 || tt.dropped != 0 && (len(reported) != 1 || reported[0] != tt.dropped) {
				t.Errorf("onDropped got %v, want %v once", reported, tt.dropped)
			}
		})
	}
}

func equalIntents(a, b []gateway.Intent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A handler set that starts wanting a new optional intent (a reload) asks for it at the
// next Identify, while intents already refused stay dropped; an optional intent that
// arrives between an Identify and its READY is not counted as refused.
func TestIntentNegotiator_WantsChange(t *testing.T) {
	var mu sync.Mutex
	required, optional := public, private
	n := gateway.NewIntentNegotiator(func() (gateway.Intent, gateway.Intent) {
		mu.Lock()
		defer mu.Unlock()
		return required, optional
	}, nil)
	if !n.Refused(n.Next()) {
		t.Fatal("no smaller set after the first refusal")
	}
	sent := n.Next()
	mu.Lock()
	optional = private | dms
	mu.Unlock()
	n.Ready(sent)
	if n.Dropped() != private {
		t.Fatalf("Dropped %v, want only GUILD_MESSAGES (DIRECT_MESSAGE was never asked for)", n.Dropped())
	}
	if next := n.Next(); next != public|dms {
		t.Fatalf("next Identify asks for %v, want PUBLIC_GUILD_MESSAGES|DIRECT_MESSAGE", next)
	}
}

// On the simulator: a bot not approved for the private-domain intents is closed with 4014,
// identifies again without them, runs, and says so once; a reconnect that identifies
// again asks for the granted set directly.
func TestClient_NegotiatesIntentsOnSim(t *testing.T) {
	platform := simtest.Start(t, sim.Config{GrantedIntents: sim.IntentPublicGuildMessages | sim.IntentGroupAndC2C | sim.IntentDirectMessages})
	var mu sync.Mutex
	var reported []gateway.Intent
	n := gateway.NewIntentNegotiator(func() (gateway.Intent, gateway.Intent) { return public | groups, private | dms },
		func(d gateway.Intent) {
			mu.Lock()
			reported = append(reported, d)
			mu.Unlock()
		})
	c, logs := simClient(t, platform, func(cfg *gateway.Config) { cfg.Negotiator = n })
	st := newStream()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, st.handle) }()
	if err := st.waitFor(ctx, "READY", func(s *stream) bool { return s.starts == 1 }); err != nil {
		t.Fatalf("%v; log:\n%s", err, logs)
	}
	if got := c.Status(); got.Intents != public|groups|dms || got.Identifies != 2 || got.State != gateway.StateReady {
		t.Fatalf("status %+v; want READY with PUBLIC_GUILD_MESSAGES|GROUP_AND_C2C_EVENT|DIRECT_MESSAGE after 2 identifies", got)
	}
	if strings.Count(logs.String(), "gateway intents not permitted") != 1 || strings.Contains(logs.String(), "gateway disconnected") {
		t.Fatalf("want one negotiation line and no disconnect decision; log:\n%s", logs)
	}

	// A new session (op 9) identifies with what was granted: no second 4014.
	if err := platform.Inject(sim.Fault{Kind: sim.FaultInvalidate}); err != nil {
		t.Fatal(err)
	}
	if err := st.waitFor(ctx, "second READY", func(s *stream) bool { return s.starts == 2 }); err != nil {
		t.Fatalf("%v; log:\n%s", err, logs)
	}
	if got := c.Status(); got.Identifies != 3 || got.Intents != public|groups|dms {
		t.Fatalf("status %+v; want a third identify asking for the granted set", got)
	}
	if strings.Count(logs.String(), "gateway intents not permitted") != 1 {
		t.Fatalf("negotiated again; log:\n%s", logs)
	}
	mu.Lock()
	if len(reported) != 1 || reported[0] != private {
		t.Errorf("onDropped got %v, want GUILD_MESSAGES once", reported)
	}
	mu.Unlock()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
}

// Without a negotiator, or when even the required intents are refused, 4014 stops Run.
func TestClient_IntentsRefusedStops(t *testing.T) {
	platform := simtest.Start(t, sim.Config{GrantedIntents: sim.IntentGuilds})
	for _, name := range []string{"static intents", "negotiator"} {
		t.Run(name, func(t *testing.T) {
			c, logs := simClient(t, platform, func(cfg *gateway.Config) {
				if name == "negotiator" {
					cfg.Negotiator = gateway.NewIntentNegotiator(func() (gateway.Intent, gateway.Intent) { return public, private }, nil)
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			err := c.Run(ctx, func(gateway.Event) {})
			var ce *gateway.CloseError
			if !errors.As(err, &ce) || ce.Code != 4014 {
				t.Fatalf("Run = %v; log:\n%s", err, logs)
			}
			if want := map[string]int{"static intents": 1, "negotiator": 2}[name]; c.Status().Identifies != want {
				t.Errorf("%d identifies, want %d", c.Status().Identifies, want)
			}
		})
	}
}
