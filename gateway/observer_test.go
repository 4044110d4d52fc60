package gateway_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
)

// chanObserver passes what a Client's Observer hears to the test.
type chanObserver struct {
	mu        sync.Mutex
	decisions []string
	rtts      chan time.Duration
}

func (o *chanObserver) Reconnect(shard int, decision string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.decisions = append(o.decisions, decision)
}

func (o *chanObserver) HeartbeatAck(shard int, rtt time.Duration) {
	select {
	case o.rtts <- rtt:
	default:
	}
}

// The Observer hears each heartbeat's round trip and what each disconnect led to:
// resume after 4009, identify after 4006 (session invalid), fatal after 4914.
func TestClient_Observer(t *testing.T) {
	obs := &chanObserver{rtts: make(chan time.Duration, 16)}
	g := newFakeGateway(t)
	c, _ := newClient(t, g.url, func(cfg *gateway.Config) { cfg.Observer = obs })
	r := startRun(t, c)
	sc := g.next(t)
	sc.hello(t, 100) // the fake ACKs every heartbeat
	sc.expect(t, 2)
	sc.ready(t, 1, "s1")
	select {
	case rtt := <-obs.rtts:
		if rtt <= 0 || rtt > 5*time.Second {
			t.Errorf("round trip %v", rtt)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no heartbeat ACK observed")
	}
	sc.closeWith(t, 4009, "session timed out")
	sc = g.next(t)
	sc.hello(t, 41250)
	sc.expect(t, 6) // resume
	sc.closeWith(t, 4006, "invalid session")
	sc = g.next(t)
	sc.hello(t, 41250)
	sc.expect(t, 2) // identify
	sc.closeWith(t, 4914, "offline")
	if err := r.result(t); err == nil {
		t.Fatal("Run returned nil after 4914")
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if want := []string{gateway.DecisionResume, gateway.DecisionIdentify, gateway.DecisionFatal}; !slices.Equal(obs.decisions, want) {
		t.Errorf("decisions %v, want %v", obs.decisions, want)
	}
}
