package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/luabot/luabot/gateway"
)

// fault is what the stream server does to a connection after a batch of events.
type fault int

const (
	faultDrop      fault = iota // cut TCP; events keep being logged for a resume
	faultReconnect              // op 7, close 4009
	faultInvalid                // events lost in flight, op 9, close 4006: the session is gone
)

// streamServer is a platform in miniature for the long stream tests: sessions with a
// replay log, a fixed number of numbered events, and a fault after every batch. Each
// connection is served by its own handler goroutine; only one is live at a time because
// the client opens the next one only after the previous one ended.
type streamServer struct {
	t       *testing.T
	srv     *httptest.Server
	url     string
	total   int     // events to emit
	batch   int     // events between faults
	faults  []fault // chosen per fault, cycled
	overlap uint64  // a resume replays this many already-delivered events too

	mu       sync.Mutex
	emitted  int // events numbered so far
	lost     int // events emitted on sessions that were invalidated before delivery
	nfault   int
	sessions map[string]*streamSession
	nextSess int
}

type streamSession struct {
	seq uint64
	log []streamFrame
}

type streamFrame struct {
	seq  uint64
	data []byte
}

func newStreamServer(t *testing.T, total, batch int, faults []fault) *streamServer {
	s := &streamServer{t: t, total: total, batch: batch, faults: faults, overlap: 2,
		sessions: map[string]*streamSession{}}
	up := websocket.Upgrader{}
	var wg sync.WaitGroup
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer ws.Close()
		s.serve(ws)
	}))
	s.url = "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/websocket"
	t.Cleanup(func() {
		s.srv.CloseClientConnections()
		s.srv.Close()
		wg.Wait()
	})
	return s
}

func (s *streamServer) serve(ws *websocket.Conn) {
	// A reader goroutine answers heartbeats and hands the first frame over.
	var wmu sync.Mutex
	write := func(v any) error {
		wmu.Lock()
		defer wmu.Unlock()
		return ws.WriteJSON(v)
	}
	first := make(chan clientFrame, 1)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		got := false
		for {
			var f clientFrame
			if err := ws.ReadJSON(&f); err != nil {
				return
			}
			if f.Op == 1 {
				_ = write(map[string]any{"op": 11})
				continue
			}
			if !got {
				got = true
				first <- f
			}
		}
	}()
	defer func() { _ = ws.Close(); <-readerDone }()

	if write(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}}) != nil {
		return
	}
	var f clientFrame
	select {
	case f = <-first:
	case <-readerDone:
		return
	}

	s.mu.Lock()
	var sess *streamSession
	var out [][]byte
	switch f.Op {
	case 2:
		s.nextSess++
		id := fmt.Sprint("sess-", s.nextSess)
		sess = &streamSession{}
		s.sessions[id] = sess
		out = append(out, s.frameLocked(sess, "READY", map[string]any{"session_id": id}, ""))
	case 6:
		var d struct {
			SessionID string `json:"session_id"`
			Seq       uint64 `json:"seq"`
		}
		_ = json.Unmarshal(f.D, &d)
		sess = s.sessions[d.SessionID]
		if sess == nil {
			s.mu.Unlock()
			_ = write(map[string]any{"op": 9, "d": false})
			s.closeConn(ws, &wmu, 4006)
			return
		}
		from := d.Seq - min(d.Seq, s.overlap)
		for _, e := range sess.log {
			if e.seq > from {
				out = append(out, e.data)
			}
		}
		out = append(out, s.frameLocked(sess, "RESUMED", "", ""))
	}
	// The next batch of events, then the fault that ends this connection.
	for i := 0; i < s.batch && s.emitted < s.total; i++ {
		s.emitted++
		out = append(out, s.frameLocked(sess, "AT_MESSAGE_CREATE", map[string]any{"n": s.emitted}, fmt.Sprint("EV:", s.emitted)))
	}
	done := s.emitted >= s.total
	if done {
		out = append(out, s.frameLocked(sess, "STREAM_END", map[string]any{}, ""))
	}
	var flt fault
	if !done {
		flt = s.faults[s.nfault%len(s.faults)]
		s.nfault++
	}
	s.mu.Unlock()

	for _, b := range out {
		wmu.Lock()
		err := ws.WriteMessage(websocket.TextMessage, b)
		wmu.Unlock()
		if err != nil {
			return
		}
	}
	if done {
		<-readerDone // stay connected until the client leaves
		return
	}
	// Events "sent while the client is away" are numbered before the client can notice the
	// fault, so that its resume always finds them in the log.
	switch flt {
	case faultDrop:
		s.emitWhileAway(sess, 3, false)
		_ = ws.NetConn().Close()
	case faultReconnect:
		s.emitWhileAway(sess, 2, false)
		_ = write(map[string]any{"op": 7})
		s.closeConn(ws, &wmu, 4009)
	case faultInvalid:
		s.emitWhileAway(sess, 2, true) // sent into a dying connection, never received
		_ = write(map[string]any{"op": 9, "d": false})
		s.closeConn(ws, &wmu, 4006)
		s.mu.Lock()
		for id, ss := range s.sessions {
			if ss == sess {
				delete(s.sessions, id)
			}
		}
		s.mu.Unlock()
	}
}

// emitWhileAway numbers n events on sess without sending them: a resume replays them,
// an invalidated session loses them.
func (s *streamServer) emitWhileAway(sess *streamSession, n int, lost bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n && s.emitted < s.total; i++ {
		s.emitted++
		s.frameLocked(sess, "AT_MESSAGE_CREATE", map[string]any{"n": s.emitted}, fmt.Sprint("EV:", s.emitted))
		if lost {
			s.lost++
		}
	}
}

func (s *streamServer) closeConn(ws *websocket.Conn, wmu *sync.Mutex, code int) {
	wmu.Lock()
	defer wmu.Unlock()
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(time.Second))
}

// frameLocked numbers a dispatch on sess and logs it for replay.
func (s *streamServer) frameLocked(sess *streamSession, typ string, d any, id string) []byte {
	sess.seq++
	b, err := json.Marshal(map[string]any{"op": 0, "s": sess.seq, "t": typ, "id": id, "d": d})
	if err != nil {
		panic(err)
	}
	sess.log = append(sess.log, streamFrame{seq: sess.seq, data: b})
	return b
}

// TestClient_Run_StreamSurvivesFaults sends 10 000 events with a fault after every 10:
// TCP drops, op 7 + 4009 and op 9 + 4006 in a seeded random mix (1000 faults in all).
// Every event that was not lost to an invalidated session must reach the handler exactly
// once, in order; the lost ones are exactly those the server numbered on sessions it then
// invalidated, and the client counts each abandoned session.
func TestClient_Run_StreamSurvivesFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("long stream")
	}
	t.Parallel() // waits on timers and sockets; shares nothing with other tests
	tests := []struct {
		name  string
		mix   []fault
		total int
	}{
		{"drops and op 7", []fault{faultDrop, faultReconnect}, 10000},
		{"with op 9", []fault{faultDrop, faultReconnect, faultInvalid}, 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed := uint64(time.Now().UnixNano())
			rng := rand.New(rand.NewPCG(seed, 1))
			faults := make([]fault, 1000)
			for i := range faults {
				faults[i] = tt.mix[rng.IntN(len(tt.mix))]
			}
			const batch = 10
			srv := newStreamServer(t, tt.total, batch, faults)
			c, logs := newClient(t, srv.url, func(cfg *gateway.Config) {
				cfg.MinBackoff = 100 * time.Microsecond
				cfg.MaxBackoff = time.Millisecond
			})

			var got []int
			end := make(chan struct{})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- c.Run(ctx, func(e gateway.Event) {
					if e.Type == "STREAM_END" {
						close(end)
					}
					if e.Type != "AT_MESSAGE_CREATE" {
						return
					}
					var d struct{ N int }
					_ = json.Unmarshal(e.Data, &d)
					got = append(got, d.N)
				})
			}()
			select {
			case <-end:
			case <-time.After(60 * time.Second):
				t.Fatalf("stream not finished (seed %d); log tail:\n%s", seed, tail(logs.String(), 20))
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run = %v", err)
			}

			srv.mu.Lock()
			lost, nsess := srv.lost, srv.nextSess
			srv.mu.Unlock()
			// The handler ran on Run's goroutine, which has returned: got is ours now.
			last := 0
			for _, n := range got {
				if n <= last {
					t.Fatalf("event %d after %d: duplicate or out of order (seed %d)", n, last, seed)
				}
				last = n
			}
			if len(got)+lost != tt.total {
				have := map[int]bool{}
				for _, n := range got {
					have[n] = true
				}
				var missing []int
				for n := 1; n <= tt.total && len(missing) < 10; n++ {
					if !have[n] {
						missing = append(missing, n)
					}
				}
				t.Fatalf("delivered %d + lost %d != %d (seed %d); first missing %v; status %+v; log:\n%s", len(got), lost, tt.total, seed, missing, c.Status(), tail(logs.String(), 30))
			}
			if st := c.Status(); st.LostSessions != nsess-1 {
				t.Errorf("Status.LostSessions = %d, want %d (sessions started - 1)", st.LostSessions, nsess-1)
			}
			t.Logf("seed %d: %d delivered, %d lost, %d sessions", seed, len(got), lost, nsess)
		})
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
