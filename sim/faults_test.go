package sim_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/luabot/luabot/sim"
)

// no_heartbeat_ack turns the open connection into a zombie: the heartbeat is
// read but not acknowledged, and neither an event nor an injected frame
// reaches the socket. The event stays in the session's log, so a resume on
// a new connection, which behaves normally, replays it exactly once.
func TestFault_NoHeartbeatACK(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	c, rd := MustIdentify(t, s, sim.IntentPublicGuildMessages)
	if _, err := s.Post(sim.Post{Content: "before", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if ev := c.readOp(0); *ev.S != 2 {
		t.Fatalf("got %s, want s=2", ev.raw)
	}

	if r := do(t, http.MethodPost, s.ControlURL()+"/faults", `{"kind":"no_heartbeat_ack"}`); r.status != http.StatusNoContent {
		t.Fatalf("inject: %d %s", r.status, r.body)
	}
	dispatched := s.Dispatched()
	c.send(`{"op":1,"d":2}`)
	missed, err := s.Post(sim.Post{Content: "while silent", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Inject(sim.Fault{Kind: sim.FaultUnknownOp, Op: 42}); err != nil {
		t.Fatal(err)
	}
	if n := s.Dispatched(); n != dispatched {
		t.Errorf("Dispatched went from %d to %d on a silenced connection", dispatched, n)
	}
	if n := s.Sessions(); n != 1 {
		t.Errorf("Sessions = %d; a silenced connection is still open and identified", n)
	}
	// The simulator reads frames in order, and close frames still go out:
	// an invalid opcode sent after the heartbeat is answered with 4001, and
	// expectClose fails on any frame before it (the ACK, the event, op 42).
	c.send(`{"op":99}`)
	c.expectClose(4001)

	c2 := dial(t, s)
	c2.readOp(10)
	c2.send(map[string]any{"op": 6, "d": map[string]any{"token": "QQBot " + MustToken(t, s), "session_id": rd.SessionID, "seq": 2}})
	if replay := c2.readOp(0); replay.T != "AT_MESSAGE_CREATE" || *replay.S != 3 || decode[eventMessage](t, replay.D).ID != missed.ID {
		t.Fatalf("replay = %s, want the event posted while silent as s=3", replay.raw)
	}
	if resumed := c2.readOp(0); resumed.T != "RESUMED" || *resumed.S != 4 {
		t.Fatalf("resumed = %s", resumed.raw)
	}
	c2.heartbeatProbe() // the new connection is not silenced
	if _, err := s.Post(sim.Post{Content: "after", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if ev := c2.readOp(0); *ev.S != 5 {
		t.Fatalf("after resume got %s, want s=5", ev.raw)
	}
}

// A silenced connection is still read: heartbeats keep it open past the
// heartbeat timeout, and once they stop the simulator closes it with 4009
// as it does any other, the close frame going out despite the fault.
func TestFault_NoHeartbeatACK_HeartbeatTimeout(t *testing.T) {
	// Waits out heartbeat timeouts on its own server.
	t.Parallel()
	const interval = 400 * time.Millisecond // timeout 600 ms; heartbeats every 200 ms
	s := MustStart(t, sim.Config{HeartbeatInterval: interval}, nil)
	tok := MustToken(t, s)
	c := dial(t, s)
	c.send(map[string]any{"op": 2, "d": identifyData{Token: "QQBot " + tok, Intents: sim.IntentGuilds}})
	c.readOp(10)
	c.readOp(0)
	if err := s.Inject(sim.Fault{Kind: sim.FaultNoHeartbeatACK}); err != nil {
		t.Fatal(err)
	}

	// From here on a reader goroutine owns the socket's read side; it ends
	// with the connection, which the cleanup closes at the latest.
	type read struct {
		f   frame
		err error
		at  time.Time
	}
	reads := make(chan read, 16)
	go func() {
		defer close(reads)
		for {
			f, err := c.readErr()
			reads <- read{f, err, time.Now()}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = c.c.Close()
		for range reads {
		}
	})

	// Heartbeats for two timeouts: nothing may come back, not even a close.
	tick := time.NewTicker(interval / 2)
	defer tick.Stop()
	var last time.Time
	for range 6 {
		select {
		case r := <-reads:
			t.Fatalf("while heartbeating got frame %s, err %v; want nothing", r.f.raw, r.err)
		case <-tick.C:
		}
		c.send(`{"op":1,"d":1}`)
		last = time.Now()
	}
	tick.Stop()

	// Silence from the client: the simulator closes with 4009, timed from
	// the last heartbeat.
	var r read
	select {
	case r = <-reads:
	case <-time.After(testTimeout):
		t.Fatal("no close after the heartbeats stopped")
	}
	var ce *websocket.CloseError
	if !errors.As(r.err, &ce) || ce.Code != 4009 {
		t.Fatalf("got frame %s, err %v; want close 4009", r.f.raw, r.err)
	}
	if d := r.at.Sub(last); d < interval {
		t.Errorf("closed %v after the last heartbeat; the timeout is 1.5 intervals (%v)", d, interval*3/2)
	}
}

// Close ends a silenced connection as promptly as any other, with 1001.
func TestFault_NoHeartbeatACK_Close(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	c, _ := MustIdentify(t, s, sim.IntentGuilds)
	if err := s.Inject(sim.Fault{Kind: sim.FaultNoHeartbeatACK}); err != nil {
		t.Fatal(err)
	}
	c.send(`{"op":1,"d":1}`)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Close did not return with a silenced connection open")
	}
	c.expectClose(websocket.CloseGoingAway)
}
