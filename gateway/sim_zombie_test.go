package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/sim"
)

// A zombie connection on the real simulator (fault no_heartbeat_ack: the socket stays
// open but nothing comes back, neither ACKs nor events). The Client gives up on it one
// interval after the heartbeat that went unanswered, drops it, resumes on a new
// connection, and gets the event posted meanwhile (replayed) and the one posted after
// the resume, each exactly once, on the same session. The new connection's heartbeats
// are acknowledged again.
func TestClient_Run_SimZombieResumes(t *testing.T) {
	t.Parallel() // waits on timers and sockets; shares nothing with other tests
	// The simulator closes a connection that sent nothing for 1.5 intervals
	// (4009). At 500 ms, a heartbeat 250 ms late beside the rest of the race
	// suite lost the first connection before its first ACK, which this test
	// waits for; at 1 s a heartbeat may be half a second late.
	const interval = time.Second
	platform := simtest.Start(t, sim.Config{HeartbeatInterval: interval})
	tap := &wireTap{changed: make(chan struct{})}
	var c *gateway.Client
	c, logs := simClient(t, platform, func(cfg *gateway.Config) {
		cfg.Dialer = &websocket.Dialer{NetDialContext: tap.dial, HandshakeTimeout: wait}
	})

	// Each delivery is recorded with the number of the connection it came on: Run calls
	// the handler from the goroutine that also opens the next connection, so Connects is
	// exact here.
	var mu sync.Mutex
	var got []string // "READY", "RESUMED" or the post's number, "@" the connection
	st := newStream()
	handle := func(ev gateway.Event) {
		what := ev.Type
		if ev.Type == "AT_MESSAGE_CREATE" {
			var d struct{ Content string }
			_ = json.Unmarshal(ev.Data, &d)
			what = d.Content[strings.LastIndex(d.Content, " ")+1:]
		}
		mu.Lock()
		got = append(got, fmt.Sprintf("%s@%d", what, c.Status().Connects))
		mu.Unlock()
		st.handle(ev)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx, handle) }()
	defer func() { stop(); <-done }()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"; status %+v; log tail:\n%s", append(args, c.Status(), tail(logs.String(), 20))...)
	}

	if err := st.waitFor(ctx, "READY", func(s *stream) bool { return s.starts == 1 }); err != nil {
		fail("%v", err)
	}
	first := c.Status().SessionID
	if _, err := platform.Post(sim.Post{Content: "1", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.waitFor(ctx, "message 1", func(s *stream) bool { return len(s.got) == 1 }); err != nil {
		fail("%v", err)
	}
	// The connection is healthy first: a heartbeat has been acknowledged on it.
	if err := tap.waitFor(ctx, "an ACK on the first connection", func(w *wireTap) bool { return len(w.conns[0].acks) > 0 }); err != nil {
		fail("%v", err)
	}

	faultAt := time.Now()
	if err := platform.Inject(sim.Fault{Kind: sim.FaultNoHeartbeatACK}); err != nil {
		t.Fatal(err)
	}
	// Posted at once: the Client cannot give up on the connection sooner than an interval
	// minus an ACK's round trip from here, so this one is swallowed and must be replayed.
	if _, err := platform.Post(sim.Post{Content: "2", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	rec := logs.waitFor(t, "gateway disconnected")
	if rec.Attrs["decision"] != "resume" || !strings.Contains(rec.Attrs["rule"], "no heartbeat ack") ||
		!strings.Contains(rec.Attrs["reason"], "no heartbeat ack") || rec.Attrs["code"] != "0" {
		fail("disconnect %v, want the zombie rule and decision=resume", rec.Attrs)
	}
	if err := st.waitFor(ctx, "RESUMED", func(s *stream) bool { return s.starts == 2 }); err != nil {
		fail("%v", err)
	}
	if _, err := platform.Post(sim.Post{Content: "3", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.waitFor(ctx, "message 3", func(s *stream) bool { return len(s.got) == 3 }); err != nil {
		fail("%v", err)
	}
	// The resumed connection is not a zombie: its heartbeats are acknowledged.
	if err := tap.waitFor(ctx, "an ACK on the second connection", func(w *wireTap) bool {
		return len(w.conns) > 1 && len(w.conns[1].acks) > 0
	}); err != nil {
		fail("%v", err)
	}
	if err := platform.WaitSessions(ctx, 1); err != nil {
		fail("%v", err)
	}

	mu.Lock()
	order := slices.Clone(got)
	mu.Unlock()
	want := []string{"READY@1", "1@1", "2@2", "RESUMED@2", "3@2"}
	if !slices.Equal(order, want) {
		fail("deliveries %v, want %v: message 2 replayed by the resume, every message once", order, want)
	}
	s := c.Status()
	if s.SessionID != first || s.Connects != 2 || s.Identifies != 1 || s.Resumes != 1 || s.LostSessions != 0 {
		fail("want the session %s resumed once on a second connection", first)
	}
	if n := platform.Sessions(); n != 1 {
		t.Errorf("simulator has %d identified connections, want 1", n)
	}

	// Timing, from the wire: the last thing the Client wrote on the zombie was the heartbeat
	// that went unanswered, and it closed the socket one interval after it. Generous bounds
	// (the ticker is exact; only scheduling delays it), still far from the read deadline
	// (2 intervals + 10 s) that would catch a zombie if heartbeat checking were broken.
	tap.mu.Lock()
	zombie := *tap.conns[0]
	tap.mu.Unlock()
	lastWrite := zombie.writes[len(zombie.writes)-1]
	gaveUp := zombie.closed.Sub(lastWrite)
	sinceFault := zombie.closed.Sub(faultAt)
	t.Logf("closed %v after the unanswered heartbeat, %v after the fault (interval %v); since_ack=%s",
		gaveUp.Round(time.Millisecond), sinceFault.Round(time.Millisecond), interval, rec.Attrs["since_ack"])
	if zombie.closed.IsZero() || gaveUp < interval/2 || gaveUp > 2*interval {
		t.Errorf("the zombie was closed %v after its last heartbeat, want about one interval (%v)", gaveUp, interval)
	}
	if sinceFault > 3*interval {
		t.Errorf("the zombie was closed %v after the fault, want within two intervals (%v)", sinceFault, 2*interval)
	}

	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	done <- nil // for the deferred stop
}

// wireTap wraps every TCP connection the Client dials and records, per connection, when
// the Client wrote to it (one Write per WebSocket frame), when it read a heartbeat ACK
// and when it closed it: the Client's heartbeat handling timed from outside.
type wireTap struct {
	mu      sync.Mutex
	conns   []*tapConn
	changed chan struct{} // closed and replaced on every record
}

// tapConn is one tapped connection; its fields are guarded by wireTap.mu.
type tapConn struct {
	net.Conn
	tap    *wireTap
	writes []time.Time
	acks   []time.Time
	closed time.Time // first Close
	tail   []byte    // end of the previous read, for an ACK split across two reads
}

// heartbeatACK is how the simulator writes op 11; server frames are not masked, so it
// appears verbatim on the wire.
var heartbeatACK = []byte(`{"op":11}`)

func (w *wireTap) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tc := &tapConn{Conn: nc, tap: w}
	w.record(func() { w.conns = append(w.conns, tc) })
	return tc, nil
}

// record applies f under the lock and wakes waitFor.
func (w *wireTap) record(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f()
	close(w.changed)
	w.changed = make(chan struct{})
}

// waitFor blocks until cond (called with w.mu held) holds or ctx ends.
func (w *wireTap) waitFor(ctx context.Context, what string, cond func(*wireTap) bool) error {
	for {
		w.mu.Lock()
		if cond(w) {
			w.mu.Unlock()
			return nil
		}
		ch := w.changed
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		}
	}
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		now := time.Now()
		c.tap.record(func() {
			// The kept tail is shorter than an ACK, so every match ends in the new bytes
			// and none is counted twice.
			buf := append(c.tail, p[:n]...)
			for range bytes.Count(buf, heartbeatACK) {
				c.acks = append(c.acks, now)
			}
			c.tail = slices.Clone(buf[max(0, len(buf)-len(heartbeatACK)+1):])
		})
	}
	return n, err
}

func (c *tapConn) Write(p []byte) (int, error) {
	now := time.Now()
	c.tap.record(func() { c.writes = append(c.writes, now) })
	return c.Conn.Write(p)
}

func (c *tapConn) Close() error {
	now := time.Now()
	c.tap.record(func() {
		if c.closed.IsZero() {
			c.closed = now
		}
	})
	return c.Conn.Close()
}
