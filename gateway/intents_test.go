package gateway_test

import (
	"testing"

	"github.com/luabot/luabot/gateway"
)

func TestClient_Run_DefaultIntents(t *testing.T) {
	g := newFakeGateway(t)
	c, _ := newClient(t, g.url, nil) // Intents 0, Shard zero
	startRun(t, c)
	sc := g.next(t)
	sc.hello(t, 45000)
	d := decodeIdentify(t, sc.expect(t, 2))
	if d.Intents != uint32(gateway.IntentGuilds) {
		t.Errorf("intents = %d, want IntentGuilds", d.Intents)
	}
	if len(d.Shard) != 2 || d.Shard[0] != 0 || d.Shard[1] != 1 {
		t.Errorf("shard = %v, want [0 1]", d.Shard)
	}
}
