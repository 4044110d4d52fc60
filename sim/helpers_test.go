package sim_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/luabot/luabot/sim"
)

// testTimeout bounds every wait in these tests; nothing should come close.
const testTimeout = 10 * time.Second

// fakeClock is a manually advanced platform clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// MustStart builds and starts a server that is closed when the test ends.
// clock may be nil for real time.
func MustStart(tb testing.TB, cfg sim.Config, clock *fakeClock) *sim.Server {
	tb.Helper()
	if clock != nil {
		cfg.Clock = clock.Now
	}
	s, err := sim.New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	if err := s.Start(); err != nil {
		tb.Fatalf("Start: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	tb.Cleanup(cancel)
	return ctx
}

// response is a fully read HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request; headers are "Name: value" strings.
func do(tb testing.TB, method, url, body string, headers ...string) response {
	tb.Helper()
	r, err := doErr(testContext(tb), method, url, body, headers...)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// doErr is do for goroutines other than the test's, which must not call
// t.Fatal.
func doErr(ctx context.Context, method, url, body string, headers ...string) (response, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return response{}, err
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("read body: %w", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func decode[T any](tb testing.TB, b []byte) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("decode %s: %v", b, err)
	}
	return v
}

type tokenBody struct {
	AccessToken *string `json:"access_token"`
	ExpiresIn   any     `json:"expires_in"`
	Code        int     `json:"code"`
	Message     string  `json:"message"`
}

func requestToken(tb testing.TB, s *sim.Server, body string) (response, tokenBody) {
	tb.Helper()
	r := do(tb, http.MethodPost, s.TokenURL()+"/app/getAppAccessToken", body, "Content-Type: application/json")
	return r, decode[tokenBody](tb, r.body)
}

func credentials(s *sim.Server) string {
	b, _ := json.Marshal(map[string]string{"appId": s.AppID(), "clientSecret": s.Secret()})
	return string(b)
}

// MustToken fetches an access token from the token service.
func MustToken(tb testing.TB, s *sim.Server) string {
	tb.Helper()
	_, tok := requestToken(tb, s, credentials(s))
	if tok.AccessToken == nil || *tok.AccessToken == "" {
		tb.Fatalf("no access token: %+v", tok)
	}
	return *tok.AccessToken
}

// errorBody is the §8.2 REST error body.
type errorBody struct {
	Message string `json:"message"`
	Code    *int   `json:"code"`
	ErrCode *int   `json:"err_code"`
	TraceID string `json:"trace_id"`
}

// checkError asserts a §8.2 error response with the given status and code.
func checkError(tb testing.TB, r response, status, code int) {
	tb.Helper()
	if r.status != status {
		tb.Errorf("status = %d, want %d (body %s)", r.status, status, r.body)
	}
	checkJSONHeaders(tb, r)
	e := decode[errorBody](tb, r.body)
	if e.Code == nil || *e.Code != code || e.ErrCode == nil || *e.ErrCode != code {
		tb.Errorf("code/err_code = %v/%v, want %d (body %s)", e.Code, e.ErrCode, code, r.body)
	}
	if e.Message == "" {
		tb.Errorf("empty message in %s", r.body)
	}
	if e.TraceID == "" || e.TraceID != r.header.Get("X-Tps-trace-ID") {
		tb.Errorf("trace_id %q does not match header %q", e.TraceID, r.header.Get("X-Tps-trace-ID"))
	}
}

func checkJSONHeaders(tb testing.TB, r response) {
	tb.Helper()
	if ct := r.header.Values("Content-Type"); len(ct) != 1 || ct[0] != "application/json" {
		tb.Errorf("Content-Type = %q, want exactly application/json", ct)
	}
	if r.header.Get("X-Tps-trace-ID") == "" {
		tb.Error("missing X-Tps-trace-ID")
	}
}

// frame is a gateway frame as a client sees it.
type frame struct {
	Op  int             `json:"op"`
	S   *uint64         `json:"s"`
	T   string          `json:"t"`
	ID  string          `json:"id"`
	D   json.RawMessage `json:"d"`
	raw []byte
}

// wsClient is a raw gateway client built on gorilla, independent of the
// project's gateway package.
type wsClient struct {
	tb testing.TB
	c  *websocket.Conn
}

func dial(tb testing.TB, s *sim.Server) *wsClient {
	tb.Helper()
	c, resp, err := websocket.DefaultDialer.DialContext(testContext(tb), s.GatewayURL(), nil)
	if err != nil {
		tb.Fatalf("dial %s: %v", s.GatewayURL(), err)
	}
	if resp.Header.Get("X-Tps-trace-ID") == "" {
		tb.Error("handshake lacks X-Tps-trace-ID")
	}
	tb.Cleanup(func() { _ = c.Close() })
	return &wsClient{tb: tb, c: c}
}

func (w *wsClient) send(v any) {
	w.tb.Helper()
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			w.tb.Fatalf("encode frame: %v", err)
		}
	}
	if err := w.c.WriteMessage(websocket.TextMessage, b); err != nil {
		w.tb.Fatalf("write frame: %v", err)
	}
}

func (w *wsClient) readErr() (frame, error) {
	_ = w.c.SetReadDeadline(time.Now().Add(testTimeout))
	_, b, err := w.c.ReadMessage()
	if err != nil {
		return frame{}, err
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		return frame{}, err
	}
	f.raw = b
	return f, nil
}

func (w *wsClient) read() frame {
	w.tb.Helper()
	f, err := w.readErr()
	if err != nil {
		w.tb.Fatalf("read frame: %v", err)
	}
	return f
}

// readOp reads one frame and checks its opcode.
func (w *wsClient) readOp(op int) frame {
	w.tb.Helper()
	f := w.read()
	if f.Op != op {
		w.tb.Fatalf("got op %d (%s), want op %d", f.Op, f.raw, op)
	}
	return f
}

// expectClose reads until the server closes and checks the close code and
// that a reason text came with it.
func (w *wsClient) expectClose(code int) {
	w.tb.Helper()
	for {
		f, err := w.readErr()
		if err == nil {
			if f.Op == 10 { // Hello may still be unread
				continue
			}
			w.tb.Fatalf("got %s, want close %d", f.raw, code)
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			w.tb.Fatalf("read error %v, want close %d", err, code)
		}
		if ce.Code != code {
			w.tb.Fatalf("close code %d (%q), want %d", ce.Code, ce.Text, code)
		}
		if ce.Text == "" {
			w.tb.Errorf("close %d has no reason text", code)
		}
		return
	}
}

// heartbeatProbe proves that nothing is queued: the server answers a
// heartbeat after anything it wrote before, so if the next frame is the
// ACK, no dispatch was pending.
func (w *wsClient) heartbeatProbe() {
	w.tb.Helper()
	w.send(`{"op":1,"d":null}`)
	if f := w.read(); f.Op != 11 {
		w.tb.Fatalf("got %s, want only the heartbeat ACK", f.raw)
	}
}

type identifyData struct {
	Token      string   `json:"token"`
	Intents    uint32   `json:"intents"`
	Shard      []uint64 `json:"shard,omitempty"`
	Properties struct{} `json:"properties"`
}

type readyData struct {
	Version   int    `json:"version"`
	SessionID string `json:"session_id"`
	User      struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Bot      bool   `json:"bot"`
	} `json:"user"`
	Shard []uint64 `json:"shard"`
}

// MustIdentify dials, identifies with a fresh access token and returns the
// client and READY payload, after reading Hello.
func MustIdentify(tb testing.TB, s *sim.Server, intents uint32, shard ...uint64) (*wsClient, readyData) {
	tb.Helper()
	tok := MustToken(tb, s)
	w := dial(tb, s)
	w.readOp(10)
	id := identifyData{Token: "QQBot " + tok, Intents: intents, Shard: shard}
	w.send(map[string]any{"op": 2, "d": id})
	f := w.readOp(0)
	if f.T != "READY" {
		tb.Fatalf("got %s, want READY", f.raw)
	}
	return w, decode[readyData](tb, f.D)
}

// eventMessage is the d of AT_MESSAGE_CREATE / MESSAGE_CREATE.
type eventMessage struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
	GuildID   string `json:"guild_id"`
	Content   string `json:"content"`
	Timestamp string `json:"timestamp"`
	Author    struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Bot      bool   `json:"bot"`
	} `json:"author"`
	Member struct {
		JoinedAt string   `json:"joined_at"`
		Roles    []string `json:"roles"`
	} `json:"member"`
	Mentions []struct {
		ID  string `json:"id"`
		Bot bool   `json:"bot"`
	} `json:"mentions"`
	SeqInChannel string `json:"seq_in_channel"`
}
