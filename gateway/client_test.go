package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/luabot/luabot/gateway"
)

func TestNew_Config(t *testing.T) {
	tok := func(context.Context) (string, error) { return "x", nil }
	tests := []struct {
		name    string
		cfg     gateway.Config
		wantErr error // nil: New must succeed
	}{
		{"wss anywhere", gateway.Config{URL: "wss://api.sgroup.qq.com/websocket", Token: tok}, nil},
		{"ws 127.0.0.1", gateway.Config{URL: "ws://127.0.0.1:8080/ws", Token: tok}, nil},
		{"ws 127.9.9.9", gateway.Config{URL: "ws://127.9.9.9/ws", Token: tok}, nil},
		{"ws localhost", gateway.Config{URL: "ws://localhost:1/", Token: tok}, nil},
		{"ws ::1", gateway.Config{URL: "ws://[::1]:80/", Token: tok}, nil},
		{"ws non-loopback", gateway.Config{URL: "ws://api.sgroup.qq.com/websocket", Token: tok}, gateway.ErrInsecureURL},
		{"ws private ip", gateway.Config{URL: "ws://192.168.1.2/websocket", Token: tok}, gateway.ErrInsecureURL},
		{"https scheme", gateway.Config{URL: "https://api.sgroup.qq.com/websocket", Token: tok}, gateway.ErrInvalidConfig},
		{"no url", gateway.Config{Token: tok}, gateway.ErrInvalidConfig},
		{"no token func", gateway.Config{URL: "wss://x/ws"}, gateway.ErrInvalidConfig},
		{"shard id too big", gateway.Config{URL: "wss://x/ws", Token: tok, Shard: [2]int{2, 2}}, gateway.ErrInvalidConfig},
		{"shard ok", gateway.Config{URL: "wss://x/ws", Token: tok, Shard: [2]int{1, 2}}, nil},
		{"negative backoff", gateway.Config{URL: "wss://x/ws", Token: tok, MinBackoff: -1}, gateway.ErrInvalidConfig},
		{"max below min", gateway.Config{URL: "wss://x/ws", Token: tok, MinBackoff: time.Minute, MaxBackoff: time.Second}, gateway.ErrInvalidConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := gateway.New(tt.cfg)
			if tt.wantErr == nil {
				if err != nil || c == nil {
					t.Fatalf("New = %v, %v; want a client", c, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("New error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestClient_Run_IdentifyReadyEventsAndShutdown(t *testing.T) {
	g := newFakeGateway(t)
	c, _ := newClient(t, g.url, func(cfg *gateway.Config) {
		cfg.Intents = gateway.IntentPublicGuildMessages | gateway.IntentGuildMembers
		cfg.Shard = [2]int{1, 3}
	})
	r := startRun(t, c)
	sc := g.next(t)
	sc.hello(t, 45000)

	id := sc.expect(t, 2)
	d := decodeIdentify(t, id)
	if d.Token != "QQBot test-token-1" {
		t.Errorf("identify token = %q", d.Token)
	}
	if want := uint32(1<<30 | 1<<1); d.Intents != want {
		t.Errorf("identify intents = %d, want %d", d.Intents, want)
	}
	if len(d.Shard) != 2 || d.Shard[0] != 1 || d.Shard[1] != 3 {
		t.Errorf("identify shard = %v, want [1 3]", d.Shard)
	}
	if d.Properties["$browser"] != "luabot" || d.Properties["$device"] != "luabot" || d.Properties["$os"] == "" {
		t.Errorf("identify properties = %v", d.Properties)
	}

	sc.ready(t, 1, "sess-1")
	sc.dispatch(t, 2, "AT_MESSAGE_CREATE", map[string]any{"id": "m1", "content": "hi"})
	sc.dispatch(t, 3, "GUILD_CREATE", map[string]any{"id": "g1"})
	sc.mustSend(t, map[string]any{"op": 11}) // stray ACK and unknown ops must be ignored
	sc.mustSend(t, map[string]any{"op": 99})
	sc.dispatch(t, 4, "RESUMED", "")

	want := []struct {
		typ  string
		seq  uint64
		data string
	}{
		{"READY", 1, ""},
		{"AT_MESSAGE_CREATE", 2, `{"content":"hi","id":"m1"}`},
		{"GUILD_CREATE", 3, `{"id":"g1"}`},
		{"RESUMED", 4, `""`},
	}
	for i, w := range want {
		e := r.event(t)
		if e.Type != w.typ || e.Seq != w.seq || e.ID != w.typ+":"+itoa(w.seq) {
			t.Errorf("event = %s seq %d id %q, want %s seq %d", e.Type, e.Seq, e.ID, w.typ, w.seq)
		}
		if w.data != "" && string(e.Data) != w.data {
			t.Errorf("%s data = %s, want %s", e.Type, e.Data, w.data)
		}
		if i == 0 { // READY reaches the handler with its payload intact
			var ready struct {
				SessionID string `json:"session_id"`
			}
			if err := json.Unmarshal(e.Data, &ready); err != nil || ready.SessionID != "sess-1" {
				t.Errorf("READY data = %s", e.Data)
			}
		}
	}

	r.cancel()
	if err := r.result(t); err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
	var ce *websocket.CloseError
	if err := sc.waitClosed(t); !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
		t.Errorf("server saw %v, want close 1000", err)
	}
}

// heartbeatMS is the interval of tests that watch heartbeats go by.
const heartbeatMS = 200

// policyHeartbeatMS is TestClient_Run_Policy's interval after the reconnect.
const policyHeartbeatMS = 600

func TestClient_Run_Heartbeats(t *testing.T) {
	g := newFakeGateway(t)
	c, _ := newClient(t, g.url, nil)
	startRun(t, c)
	sc := g.next(t)
	// Short enough to see several heartbeats, long enough that a loaded
	// machine still delivers the fake's ACK within the interval; otherwise
	// the client rightly drops the connection as a zombie.
	sc.hello(t, heartbeatMS)
	sc.expect(t, 2)

	// Nothing numbered yet: d is null.
	if hb := sc.expect(t, 1); string(hb.D) != "null" {
		t.Errorf("first heartbeat d = %s, want null", hb.D)
	}
	sc.ready(t, 1, "s")
	sc.dispatch(t, 2, "AT_MESSAGE_CREATE", map[string]any{})

	// The heartbeat catches up with the last seq; until then it may carry null or 1, never
	// anything out of order.
	last := -1
	for {
		hb := sc.expect(t, 1)
		var n int
		if string(hb.D) != "null" {
			if err := json.Unmarshal(hb.D, &n); err != nil {
				t.Fatalf("heartbeat d = %s: %v", hb.D, err)
			}
		}
		if n < last || n > 2 {
			t.Fatalf("heartbeat d = %d after %d, want non-decreasing up to 2", n, last)
		}
		last = n
		if n == 2 {
			break
		}
	}
}

// TestClient_Run_Policy checks each row of the reconnect policy in doc.go: how the first
// connection ends → the decision logged and the first frame of the next connection.
func TestClient_Run_Policy(t *testing.T) {
	t.Parallel() // waits on timers and sockets; shares nothing with other tests
	closeWith := func(code int) func(t *testing.T, sc *serverConn) {
		return func(t *testing.T, sc *serverConn) { sc.closeWith(t, code, "") }
	}
	tests := []struct {
		name     string
		end      func(t *testing.T, sc *serverConn)
		wantCode string // code attr of the disconnect log line
		want     string // decision: resume or identify
	}{
		{"tcp drop (1006)", func(t *testing.T, sc *serverConn) { sc.drop() }, "1006", "resume"},
		{"close 1000", closeWith(1000), "1000", "resume"},
		{"close 4008", closeWith(4008), "4008", "resume"},
		{"close 4009", closeWith(4009), "4009", "resume"},
		{"op 7 then 4009", func(t *testing.T, sc *serverConn) {
			sc.mustSend(t, map[string]any{"op": 7})
			sc.closeWith(t, 4009, "Session timed out")
		}, "0", "resume"},
		{"op 9 then 4006", func(t *testing.T, sc *serverConn) {
			sc.mustSend(t, map[string]any{"op": 9, "d": false})
			sc.closeWith(t, 4006, "")
		}, "0", "identify"},
		{"close 4006", closeWith(4006), "4006", "identify"},
		{"close 4007", closeWith(4007), "4007", "identify"},
		{"close 4900", closeWith(4900), "4900", "identify"},
		{"close 4902", closeWith(4902), "4902", "identify"},
		{"close 4913", closeWith(4913), "4913", "identify"},
		{"close 4004", closeWith(4004), "4004", "identify"},
		{"close 4001", closeWith(4001), "4001", "identify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each waits for its second connection's first heartbeat
			g := newFakeGateway(t)
			var tokens atomic.Int32
			var invalidated atomic.Value
			c, logs := newClient(t, g.url, func(cfg *gateway.Config) {
				cfg.Token = func(context.Context) (string, error) {
					return "QQBot tok-" + itoa(uint64(tokens.Add(1))), nil
				}
				cfg.InvalidateToken = func(stale string) { invalidated.Store(stale) }
			})
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("client log:\n%s", logs.String())
				}
			})
			r := startRun(t, c)

			sc1 := g.next(t)
			sc1.hello(t, 45000)
			if d := decodeIdentify(t, sc1.expect(t, 2)); d.Token != "QQBot tok-1" {
				t.Errorf("first identify token = %q", d.Token)
			}
			sc1.ready(t, 1, "sess-1")
			sc1.dispatch(t, 2, "AT_MESSAGE_CREATE", map[string]any{})
			r.event(t)
			r.event(t)
			tt.end(t, sc1)

			// The client must let go of the old connection …
			sc1.waitClosed(t)
			line := logs.waitFor(t, "gateway disconnected")
			if line.Attrs["decision"] != tt.want || line.Attrs["code"] != tt.wantCode {
				t.Errorf("disconnect log attrs = %v, want decision=%s code=%s", line.Attrs, tt.want, tt.wantCode)
			}

			sc2 := g.next(t)
			// The events below follow the first heartbeat: with 200 ms the
			// client's reader, starved that long on a loaded -race run, once
			// missed the ACK before the next heartbeat, rightly dropped the
			// connection as a zombie, and the missed event never came.
			sc2.hello(t, policyHeartbeatMS)
			if tt.want == "resume" {
				var d struct {
					Token     string `json:"token"`
					SessionID string `json:"session_id"`
					Seq       uint64 `json:"seq"`
				}
				f := sc2.expect(t, 6)
				if err := json.Unmarshal(f.D, &d); err != nil {
					t.Fatal(err)
				}
				if d.SessionID != "sess-1" || d.Seq != 2 || d.Token != "QQBot tok-2" {
					t.Errorf("resume d = %+v, want session sess-1 seq 2 and a current token", d)
				}
				if hb := sc2.expect(t, 1); string(hb.D) != "2" {
					t.Errorf("first heartbeat of the resumed session d = %s, want 2", hb.D)
				}
				// Replay: one already-delivered event (skipped), one missed event, RESUMED.
				sc2.dispatch(t, 2, "AT_MESSAGE_CREATE", map[string]any{})
				sc2.dispatch(t, 3, "AT_MESSAGE_CREATE", map[string]any{})
				sc2.dispatch(t, 4, "RESUMED", "")
				if e := r.event(t); e.Seq != 3 {
					t.Errorf("after resume got %s seq %d, want the missed event seq 3", e.Type, e.Seq)
				}
				if e := r.event(t); e.Type != "RESUMED" {
					t.Errorf("got %s, want RESUMED", e.Type)
				}
				return
			}
			// … and start over with a fresh Identify and a fresh seq.
			if d := decodeIdentify(t, sc2.expect(t, 2)); d.Token != "QQBot tok-2" {
				t.Errorf("second identify token = %q, want a freshly fetched one", d.Token)
			}
			if hb := sc2.expect(t, 1); string(hb.D) != "null" {
				t.Errorf("first heartbeat on the new session d = %s, want null", hb.D)
			}
			if line.Attrs["lost_after_seq"] != "2" {
				t.Errorf("abandoning the session must log lost_after_seq=2; attrs %v", line.Attrs)
			}
			if tt.wantCode == "4004" {
				if got, _ := invalidated.Load().(string); got != "QQBot tok-1" {
					t.Errorf("InvalidateToken got %q, want the rejected token", got)
				}
			}
			sc2.ready(t, 1, "sess-2")
			if e := r.event(t); e.Type != "READY" || e.Seq != 1 {
				t.Errorf("after reconnect got %s seq %d, want READY seq 1", e.Type, e.Seq)
			}
			if st := c.Status(); st.LostSessions != 1 || st.SessionID != "sess-2" || st.State != gateway.StateReady {
				t.Errorf("Status = %+v, want 1 lost session, sess-2, ready", st)
			}
		})
	}
}

func TestClient_Run_IdentifiesAfterThreeFailedResumes(t *testing.T) {
	g := newFakeGateway(t)
	c, logs := newClient(t, g.url, nil)
	startRun(t, c)
	sc := g.next(t)
	sc.hello(t, 45000)
	sc.expect(t, 2)
	sc.ready(t, 1, "sess-1")
	sc.drop()
	for i := range 3 {
		logs.waitFor(t, "gateway disconnected")
		sc = g.next(t)
		sc.hello(t, 45000)
		sc.expect(t, 6)
		sc.drop() // the resume never reaches RESUMED
		_ = i
	}
	line := logs.waitFor(t, "gateway disconnected")
	if line.Attrs["decision"] != "identify" || !strings.Contains(line.Attrs["rule"], "3 resumes failed") {
		t.Errorf("after 3 failed resumes: %v, want decision=identify", line.Attrs)
	}
	sc = g.next(t)
	sc.hello(t, 45000)
	sc.expect(t, 2)
}

func TestClient_Run_ZombieConnectionResumes(t *testing.T) {
	g := newFakeGateway(t)
	c, logs := newClient(t, g.url, nil)
	startRun(t, c)
	sc := g.next(t)
	sc.silent.Store(true) // read heartbeats but never ACK them
	sc.hello(t, 20)
	sc.expect(t, 2)
	sc.ready(t, 1, "sess-1")
	line := logs.waitFor(t, "gateway disconnected")
	if line.Attrs["decision"] != "resume" || !strings.Contains(line.Attrs["rule"], "no heartbeat ack") {
		t.Errorf("zombie: %v, want decision=resume", line.Attrs)
	}
	sc.waitClosed(t)
	sc2 := g.next(t)
	sc2.hello(t, 45000)
	sc2.expect(t, 6)
}

func TestClient_Run_Fatal4004Twice(t *testing.T) {
	g := newFakeGateway(t)
	c, _ := newClient(t, g.url, nil)
	r := startRun(t, c)
	for range 2 {
		sc := g.next(t)
		sc.hello(t, 45000)
		sc.expect(t, 2)
		sc.closeWith(t, 4004, "authentication fail")
	}
	var ce *gateway.CloseError
	if err := r.result(t); !errors.As(err, &ce) || ce.Code != 4004 || !strings.Contains(err.Error(), "check the app id") {
		t.Fatalf("Run = %v, want *CloseError 4004 naming the fix", err)
	}
	if st := c.Status(); st.State != gateway.StateFatal {
		t.Errorf("state = %s, want fatal", st.State)
	}
}

func TestClient_Run_TokenErrorRetries(t *testing.T) {
	g := newFakeGateway(t)
	var calls atomic.Int32
	c, logs := newClient(t, g.url, func(cfg *gateway.Config) {
		cfg.Token = func(context.Context) (string, error) {
			if calls.Add(1) == 1 {
				return "", errors.New("token service down")
			}
			return "QQBot good", nil
		}
	})
	startRun(t, c)
	sc1 := g.next(t)
	sc1.hello(t, 45000)
	line := logs.waitFor(t, "gateway disconnected")
	if !strings.Contains(line.Attrs["err"], "token service down") || line.Attrs["decision"] != "identify" {
		t.Errorf("log attrs = %v", line.Attrs)
	}
	sc2 := g.next(t)
	sc2.hello(t, 45000)
	if d := decodeIdentify(t, sc2.expect(t, 2)); d.Token != "QQBot good" {
		t.Errorf("identify token = %q", d.Token)
	}
}

func TestClient_Run_FatalCloseCodes(t *testing.T) {
	tests := []struct {
		code       int
		reason     string
		wantReason string
	}{
		{4010, "invalid shard", "invalid shard"},
		{4011, "", "sharding required"},
		{4012, "", "invalid api version"},
		{4013, "", "invalid intents"},
		{4014, "disallowed intents", "disallowed intents"},
		{4914, "offline", "offline"},
		{4915, "banned", "banned"},
	}
	for _, tt := range tests {
		t.Run(itoa(uint64(tt.code)), func(t *testing.T) {
			g := newFakeGateway(t)
			c, logs := newClient(t, g.url, nil)
			r := startRun(t, c)
			sc := g.next(t)
			sc.hello(t, 45000)
			sc.expect(t, 2)
			sc.closeWith(t, tt.code, tt.reason)

			err := r.result(t)
			var ce *gateway.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("Run = %v, want *CloseError", err)
			}
			if ce.Code != tt.code || ce.Reason != tt.wantReason {
				t.Errorf("CloseError = %+v, want code %d reason %q", ce, tt.code, tt.wantReason)
			}
			if !strings.Contains(ce.Error(), itoa(uint64(tt.code))) {
				t.Errorf("Error() = %q lacks the code", ce.Error())
			}
			if line := logs.waitFor(t, "gateway disconnected"); line.Attrs["decision"] != "stop" {
				t.Errorf("log attrs = %v, want decision=stop", line.Attrs)
			}
			select {
			case <-g.conns:
				t.Error("client reconnected after a fatal close")
			default:
			}
		})
	}
}

func TestClient_Run_CancelDuringBackoff(t *testing.T) {
	g := newFakeGateway(t)
	c, logs := newClient(t, g.url, func(cfg *gateway.Config) {
		cfg.MinBackoff = time.Hour
		cfg.MaxBackoff = time.Hour
	})
	r := startRun(t, c)
	sc := g.next(t)
	sc.hello(t, 45000)
	sc.expect(t, 2)
	sc.drop()
	logs.waitFor(t, "gateway disconnected") // now sleeping for ≥ 30 min

	start := time.Now()
	r.cancel()
	if err := r.result(t); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Run took %v to return after cancel", d)
	}
}

func TestClient_Run_CancelBeforeHello(t *testing.T) {
	g := newFakeGateway(t)
	c, _ := newClient(t, g.url, nil)
	r := startRun(t, c)
	sc := g.next(t) // connected, waiting for a Hello that never comes
	r.cancel()
	if err := r.result(t); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	sc.waitClosed(t)
}

func TestClient_Run_Misuse(t *testing.T) {
	g := newFakeGateway(t)
	c, _ := newClient(t, g.url, nil)
	if err := c.Run(context.Background(), nil); !errors.Is(err, gateway.ErrNilHandler) {
		t.Errorf("Run(nil handler) = %v", err)
	}
	startRun(t, c)
	g.next(t) // the first Run is connected
	if err := c.Run(context.Background(), func(gateway.Event) {}); !errors.Is(err, gateway.ErrRunning) {
		t.Errorf("second Run = %v, want ErrRunning", err)
	}
}

func TestClient_Run_TokenNeverLogged(t *testing.T) {
	const token = "QQBot SECRET-ACCESS-TOKEN-123"
	g := newFakeGateway(t)
	c, logs := newClient(t, g.url, func(cfg *gateway.Config) {
		cfg.Token = func(context.Context) (string, error) { return token, nil }
	})
	r := startRun(t, c)

	sc1 := g.next(t)
	sc1.hello(t, 45000)
	sc1.expect(t, 2)
	sc1.closeWith(t, 4009, "expired: "+token)
	logs.waitFor(t, "gateway disconnected")

	sc2 := g.next(t)
	sc2.hello(t, 45000)
	sc2.expect(t, 2) // no READY yet on sc1, so nothing to resume
	sc2.closeWith(t, 4004, "bad token SECRET-ACCESS-TOKEN-123")
	sc3 := g.next(t)
	sc3.hello(t, 45000)
	sc3.expect(t, 2)
	sc3.closeWith(t, 4004, "bad token SECRET-ACCESS-TOKEN-123")
	err := r.result(t)
	if err == nil {
		t.Fatal("Run = nil, want *CloseError")
	}
	for _, s := range []string{err.Error(), logs.String()} {
		if strings.Contains(s, "SECRET-ACCESS-TOKEN-123") {
			t.Errorf("token leaked in %q", s)
		}
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// memSessions is a SessionStore in memory, shared by the Clients of one test.
type memSessions struct {
	mu    sync.Mutex
	m     map[[2]int]gateway.Session
	saves int
}

func (s *memSessions) LoadSession(shard [2]int) (gateway.Session, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[shard]
	return v, ok, nil
}

func (s *memSessions) SaveSession(v gateway.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[[2]int]gateway.Session{}
	}
	s.m[v.Shard] = v
	s.saves++
	return nil
}

func TestClient_Run_RestartResumesPersistedSession(t *testing.T) {
	g := newFakeGateway(t)
	store := &memSessions{}
	withStore := func(cfg *gateway.Config) {
		cfg.Sessions = store
		cfg.SaveInterval = time.Hour // only the save on shutdown counts here
		cfg.Shard = [2]int{1, 2}
	}
	c1, _ := newClient(t, g.url, withStore)
	r1 := startRun(t, c1)
	sc := g.next(t)
	sc.hello(t, 45000)
	sc.expect(t, 2)
	sc.ready(t, 1, "sess-1")
	sc.dispatch(t, 2, "AT_MESSAGE_CREATE", map[string]any{})
	sc.dispatch(t, 3, "AT_MESSAGE_CREATE", map[string]any{})
	for range 3 {
		r1.event(t)
	}
	// A new session is saved at once, not at the next interval: a process
	// killed now restarts on it and gets its events replayed.
	store.mu.Lock()
	atReady := store.m[[2]int{1, 2}]
	store.mu.Unlock()
	if atReady.ID != "sess-1" {
		t.Fatalf("before any interval, saved %+v; want session sess-1 saved at READY", atReady)
	}
	r1.cancel()
	if err := r1.result(t); err != nil {
		t.Fatal(err)
	}
	var ce *websocket.CloseError
	if err := sc.waitClosed(t); !errors.As(err, &ce) || ce.Code != 1000 {
		t.Errorf("shutdown close = %v, want 1000", err)
	}
	if got := store.m[[2]int{1, 2}]; got.ID != "sess-1" || got.Seq != 3 || store.saves != 2 {
		t.Fatalf("saved %+v in %d saves, want sess-1 saved at READY, then seq 3 in one batched save", got, store.saves)
	}

	// A new process: the first connection resumes and gets what it missed.
	c2, logs := newClient(t, g.url, withStore)
	if st := c2.Status(); st.State != gateway.StateIdle {
		t.Errorf("state before Run = %s", st.State)
	}
	r2 := startRun(t, c2)
	sc2 := g.next(t)
	sc2.hello(t, 45000)
	var d struct {
		SessionID string `json:"session_id"`
		Seq       uint64 `json:"seq"`
	}
	if err := json.Unmarshal(sc2.expect(t, 6).D, &d); err != nil || d.SessionID != "sess-1" || d.Seq != 3 {
		t.Fatalf("resume after restart = %+v (%v), want sess-1 seq 3", d, err)
	}
	logs.waitFor(t, "gateway session loaded")
	sc2.dispatch(t, 4, "AT_MESSAGE_CREATE", map[string]any{})
	sc2.dispatch(t, 5, "RESUMED", "")
	if e := r2.event(t); e.Seq != 4 {
		t.Errorf("replayed seq %d, want 4", e.Seq)
	}
	r2.event(t)
	if st := c2.Status(); st.State != gateway.StateReady || st.Seq != 5 || st.Resumes != 1 {
		t.Errorf("status = %+v", st)
	}
}

// With SaveFinishedSeq the saved seq stops before the oldest event the handler has not
// finished: a process killed with event 3 still queued resumes from 2 and gets 3 again.
func TestClient_SaveFinishedSeqStopsBeforeUnfinishedEvents(t *testing.T) {
	g := newFakeGateway(t)
	store := &memSessions{}
	c, _ := newClient(t, g.url, func(cfg *gateway.Config) {
		cfg.Sessions = store
		cfg.SaveInterval = time.Hour
		cfg.SaveFinishedSeq = true
	})
	r := startRun(t, c)
	sc := g.next(t)
	sc.hello(t, 45000)
	sc.expect(t, 2)
	sc.ready(t, 1, "sess-1")
	for s := 2; s <= 4; s++ {
		sc.dispatch(t, s, "AT_MESSAGE_CREATE", map[string]any{})
	}
	evs := map[uint64]gateway.Event{}
	for range 4 {
		ev := r.event(t)
		evs[ev.Seq] = ev
	}
	for _, s := range []uint64{1, 2, 4} {
		evs[s].Done()
	}
	r.cancel()
	if err := r.result(t); err != nil {
		t.Fatal(err)
	}
	if got := store.m[[2]int{0, 1}]; got.ID != "sess-1" || got.Seq != 2 {
		t.Fatalf("saved %+v, want sess-1 seq 2 (3 unfinished)", got)
	}
}

// A restart whose handlers need an intent the saved session was not identified with
// identifies instead of resuming: intents are fixed at identify, so the resumed session
// would never deliver those events. A missing optional intent (possibly refused before)
// is no reason to lose the session.
func TestClient_Run_RestartIdentifiesWhenSavedSessionLacksIntents(t *testing.T) {
	g := newFakeGateway(t)
	saved := gateway.Session{ID: "sess-1", Seq: 7, Shard: [2]int{0, 1}, Intents: gateway.IntentPublicGuildMessages}

	store := &memSessions{m: map[[2]int]gateway.Session{{0, 1}: saved}}
	c, logs := newClient(t, g.url, func(cfg *gateway.Config) {
		cfg.Sessions = store
		cfg.Intents = gateway.IntentPublicGuildMessages | gateway.IntentInteraction
	})
	r := startRun(t, c)
	sc := g.next(t)
	sc.hello(t, 45000)
	var d struct {
		Intents uint32 `json:"intents"`
	}
	if err := json.Unmarshal(sc.expect(t, 2).D, &d); err != nil || d.Intents != uint32(gateway.IntentPublicGuildMessages|gateway.IntentInteraction) {
		t.Fatalf("identify intents %d (%v), want AT messages and interactions", d.Intents, err)
	}
	logs.waitFor(t, "gateway session not resumed: it lacks intents the handlers need; identifying")
	r.cancel()
	if err := r.result(t); err != nil {
		t.Fatal(err)
	}

	optional := gateway.NewIntentNegotiator(func() (required, optional gateway.Intent) {
		return gateway.IntentPublicGuildMessages, gateway.IntentGuildMessages
	}, nil)
	store = &memSessions{m: map[[2]int]gateway.Session{{0, 1}: saved}}
	c2, _ := newClient(t, g.url, func(cfg *gateway.Config) {
		cfg.Sessions = store
		cfg.Negotiator = optional
	})
	r2 := startRun(t, c2)
	sc2 := g.next(t)
	sc2.hello(t, 45000)
	sc2.expect(t, 6) // only an optional intent is missing: resume
	sc2.dispatch(t, 8, "RESUMED", "")
	r2.event(t)
	if got := optional.Granted(); got != saved.Intents {
		t.Errorf("after resuming, the negotiator's granted intents are %v, want the session's %v", got, saved.Intents)
	}
	r2.cancel()
	if err := r2.result(t); err != nil {
		t.Fatal(err)
	}
}

// handedOverSessions is a SessionStore whose shard passed to another process:
// every save is refused with ErrSessionHandedOver, as transport's lease fence does.
type handedOverSessions struct{ tried chan struct{} }

func (s *handedOverSessions) LoadSession([2]int) (gateway.Session, bool, error) {
	return gateway.Session{}, false, nil
}

func (s *handedOverSessions) SaveSession(gateway.Session) error {
	select {
	case s.tried <- struct{}{}:
	default:
	}
	return fmt.Errorf("shard 0: lease lost: %w", gateway.ErrSessionHandedOver)
}

// A session another process serves now is dropped quietly: the saves are
// tried, but neither the save loop nor the save on shutdown reports a failure
// (they used to log a warning "will retry" and then an error for every shard
// of every handover), and FlushSession returns nil.
func TestClient_HandedOverSessionIsNotAnError(t *testing.T) {
	g := newFakeGateway(t)
	store := &handedOverSessions{tried: make(chan struct{}, 1)}
	c, logs := newClient(t, g.url, func(cfg *gateway.Config) {
		cfg.Sessions = store
		cfg.SaveInterval = 10 * time.Millisecond
	})
	r := startRun(t, c)
	sc := g.next(t)
	sc.hello(t, 45000)
	sc.expect(t, 2)
	sc.ready(t, 1, "sess-1")
	sc.dispatch(t, 2, "AT_MESSAGE_CREATE", map[string]any{})
	r.event(t)
	r.event(t)
	select {
	case <-store.tried:
	case <-time.After(wait):
		t.Fatal("the session was never offered to the store")
	}
	if err := c.FlushSession(); err != nil {
		t.Errorf("FlushSession = %v, want nil for a handed-over session", err)
	}
	r.cancel()
	if err := r.result(t); err != nil {
		t.Fatal(err)
	}
	logs.waitFor(t, "gateway stopped")
	if out := logs.String(); strings.Contains(out, "session not saved") {
		t.Errorf("a handed-over session was logged as a failure:\n%s", out)
	}
}
