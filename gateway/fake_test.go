package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/luabot/luabot/gateway"
)

// wait is the deadline for anything a test waits on; generous so -race on a busy machine
// never flakes, while a passing test never actually waits that long.
const wait = 5 * time.Second

// fakeGateway plays the platform's side of the WebSocket. Each accepted connection is
// handed to the test through conns; the test then scripts it.
type fakeGateway struct {
	t     *testing.T
	srv   *httptest.Server
	url   string
	conns chan *serverConn

	mu  sync.Mutex
	all []*serverConn
}

func newFakeGateway(t *testing.T) *fakeGateway {
	t.Helper()
	g := &fakeGateway{t: t, conns: make(chan *serverConn, 16)}
	up := websocket.Upgrader{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		sc := &serverConn{ws: ws, frames: make(chan clientFrame, 1024), closed: make(chan struct{})}
		g.mu.Lock()
		g.all = append(g.all, sc)
		g.mu.Unlock()
		g.conns <- sc
		sc.readLoop() // the handler goroutine is the connection's reader
	}))
	g.url = "ws" + strings.TrimPrefix(g.srv.URL, "http") + "/websocket"
	t.Cleanup(func() {
		g.mu.Lock()
		for _, sc := range g.all {
			_ = sc.ws.Close()
		}
		g.mu.Unlock()
		g.srv.Close()
	})
	return g
}

// next returns the next connection the client opened.
func (g *fakeGateway) next(t *testing.T) *serverConn {
	t.Helper()
	select {
	case sc := <-g.conns:
		return sc
	case <-time.After(wait):
		t.Fatal("client did not connect")
		return nil
	}
}

type clientFrame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
}

// serverConn is one accepted connection. Its reader answers heartbeats with op 11 (as the
// platform does) and queues every client frame on frames.
type serverConn struct {
	ws       *websocket.Conn
	wmu      sync.Mutex
	frames   chan clientFrame
	closed   chan struct{} // closed when reading fails; closeErr says why
	closeErr error
	silent   atomic.Bool // do not ACK heartbeats (a zombie connection)
}

func (sc *serverConn) readLoop() {
	defer close(sc.closed)
	for {
		_, data, err := sc.ws.ReadMessage()
		if err != nil {
			sc.closeErr = err
			return
		}
		var f clientFrame
		if err := json.Unmarshal(data, &f); err != nil {
			sc.closeErr = fmt.Errorf("client sent invalid JSON %q: %w", data, err)
			return
		}
		if f.Op == 1 && !sc.silent.Load() {
			_ = sc.send(map[string]any{"op": 11})
		}
		select {
		case sc.frames <- f:
		default: // a test that stopped reading; drop rather than stall the client
		}
	}
}

func (sc *serverConn) send(v any) error {
	sc.wmu.Lock()
	defer sc.wmu.Unlock()
	return sc.ws.WriteJSON(v)
}

func (sc *serverConn) mustSend(t *testing.T, v any) {
	t.Helper()
	if err := sc.send(v); err != nil {
		t.Fatalf("server send: %v", err)
	}
}

func (sc *serverConn) hello(t *testing.T, intervalMS int) {
	t.Helper()
	sc.mustSend(t, map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": intervalMS}})
}

func (sc *serverConn) dispatch(t *testing.T, seq int, typ string, d any) {
	t.Helper()
	sc.mustSend(t, map[string]any{"op": 0, "s": seq, "t": typ, "id": typ + ":" + fmt.Sprint(seq), "d": d})
}

func (sc *serverConn) ready(t *testing.T, seq int, session string) {
	t.Helper()
	sc.dispatch(t, seq, "READY", map[string]any{"version": 1, "session_id": session,
		"user": map[string]any{"id": "42", "username": "bot", "bot": true}, "shard": []int{0, 1}})
}

// closeWith sends a close frame; the client's reply is not awaited.
func (sc *serverConn) closeWith(t *testing.T, code int, reason string) {
	t.Helper()
	sc.wmu.Lock()
	defer sc.wmu.Unlock()
	msg := websocket.FormatCloseMessage(code, reason)
	if err := sc.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(wait)); err != nil {
		t.Fatalf("server close: %v", err)
	}
}

// drop cuts the TCP connection without a close frame.
func (sc *serverConn) drop() { _ = sc.ws.NetConn().Close() }

// expect returns the next client frame with the given op. Heartbeats are skipped unless op
// is 1 itself; any other unexpected frame fails the test.
func (sc *serverConn) expect(t *testing.T, op int) clientFrame {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case f := <-sc.frames:
			if f.Op == op {
				return f
			}
			if f.Op == 1 {
				continue
			}
			t.Fatalf("client sent op %d (%s), want op %d", f.Op, f.D, op)
		case <-sc.closed:
			// Frames read before the close are still queued; look at them first.
			for {
				select {
				case f := <-sc.frames:
					if f.Op == op {
						return f
					}
					continue
				default:
				}
				break
			}
			t.Fatalf("connection closed while waiting for op %d: %v", op, sc.closeErr)
		case <-deadline:
			t.Fatalf("no op %d from client", op)
		}
	}
}

// waitClosed waits until the client side is gone and returns the read error seen.
func (sc *serverConn) waitClosed(t *testing.T) error {
	t.Helper()
	select {
	case <-sc.closed:
		return sc.closeErr
	case <-time.After(wait):
		t.Fatal("client did not close the connection")
		return nil
	}
}

// identifyData is the server's view of an Identify payload.
type identifyData struct {
	Token      string            `json:"token"`
	Intents    uint32            `json:"intents"`
	Shard      []int             `json:"shard"`
	Properties map[string]string `json:"properties"`
}

func decodeIdentify(t *testing.T, f clientFrame) identifyData {
	t.Helper()
	var d identifyData
	if err := json.Unmarshal(f.D, &d); err != nil {
		t.Fatalf("identify d %s: %v", f.D, err)
	}
	return d
}

// runner runs Client.Run in a goroutine owned by the test and collects what it delivers.
type runner struct {
	cancel context.CancelFunc
	done   chan error
	events chan gateway.Event
}

func startRun(t *testing.T, c *gateway.Client) *runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{cancel: cancel, done: make(chan error, 1), events: make(chan gateway.Event, 256)}
	go func() {
		r.done <- c.Run(ctx, func(e gateway.Event) { r.events <- e })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(wait):
			t.Error("Run did not return after cancel")
		}
	})
	return r
}

func (r *runner) event(t *testing.T) gateway.Event {
	t.Helper()
	select {
	case e := <-r.events:
		return e
	case err := <-r.done:
		t.Fatalf("Run returned %v while waiting for an event", err)
	case <-time.After(wait):
		t.Fatal("no event delivered")
	}
	return gateway.Event{}
}

func (r *runner) result(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // keep it for the cleanup
		return err
	case <-time.After(wait):
		t.Fatal("Run did not return")
		return nil
	}
}

// newClient builds a client against g with fast backoff and a recording logger.
func newClient(t *testing.T, url string, mod func(*gateway.Config)) (*gateway.Client, *logSink) {
	t.Helper()
	logs := newLogSink()
	cfg := gateway.Config{
		URL:        url,
		Token:      func(context.Context) (string, error) { return "QQBot test-token-1", nil },
		Logger:     slog.New(logs),
		MinBackoff: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := gateway.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, logs
}

// logSink is a slog.Handler that renders every record to text and also queues it, so
// tests can wait for a specific line instead of sleeping.
type logSink struct {
	shared *logShared
	attrs  []slog.Attr
}

type logShared struct {
	mu      sync.Mutex
	text    strings.Builder
	records chan logRecord
}

type logRecord struct {
	Level slog.Level
	Msg   string
	Attrs map[string]string
}

func newLogSink() *logSink {
	return &logSink{shared: &logShared{records: make(chan logRecord, 1024)}}
}

func (h *logSink) Enabled(context.Context, slog.Level) bool { return true }

func (h *logSink) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{Level: r.Level, Msg: r.Message, Attrs: map[string]string{}}
	line := r.Level.String() + " " + r.Message
	add := func(a slog.Attr) bool {
		v := a.Value.Resolve().String()
		rec.Attrs[a.Key] = v
		line += " " + a.Key + "=" + v
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	h.shared.mu.Lock()
	h.shared.text.WriteString(line + "\n")
	h.shared.mu.Unlock()
	select {
	case h.shared.records <- rec:
	default:
	}
	return nil
}

func (h *logSink) WithAttrs(as []slog.Attr) slog.Handler {
	return &logSink{shared: h.shared, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *logSink) WithGroup(string) slog.Handler { return h }

func (h *logSink) String() string {
	h.shared.mu.Lock()
	defer h.shared.mu.Unlock()
	return h.shared.text.String()
}

// waitFor returns the next record with message msg.
func (h *logSink) waitFor(t *testing.T, msg string) logRecord {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case r := <-h.shared.records:
			if r.Msg == msg {
				return r
			}
		case <-deadline:
			t.Fatalf("no %q log line; log so far:\n%s", msg, h.String())
		}
	}
}
