package gateway_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
)

// countingListener counts the bytes the server reads: the live total over
// the connections open now, and the most it ever was.
type countingListener struct {
	net.Listener
	live, peak, open, peakOpen atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if n := l.open.Add(1); n > l.peakOpen.Load() {
		l.peakOpen.Store(n)
	}
	return &countingConn{Conn: c, l: l}, nil
}

type countingConn struct {
	net.Conn
	l    *countingListener
	read atomic.Int64
	once sync.Once
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	if v := c.l.live.Add(int64(n)); v > c.l.peak.Load() {
		c.l.peak.Store(v)
	}
	return n, err
}

func (c *countingConn) Close() error {
	c.once.Do(func() {
		c.l.live.Add(-c.read.Load())
		c.l.open.Add(-1)
	})
	return c.Conn.Close()
}

// serveWebhook runs w on a counting listener until the test ends.
func serveWebhook(t *testing.T, cfg gateway.WebhookConfig, handle func(gateway.Event)) (*countingListener, string) {
	t.Helper()
	w, err := gateway.NewWebhook(cfg)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &countingListener{Listener: inner}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Serve(ctx, ln, handle) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ln, "http://" + inner.Addr().String()
}

// rawPost sends a POST with the given declared length and signature
// headers, then streams bodyLen bytes (while the server lets it), and
// returns the status.
func rawPost(t *testing.T, url string, declared, bodyLen int, ts string) int {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Error(err)
		return 0
	}
	defer c.Close()
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nX-Signature-Timestamp: %s\r\nX-Signature-Ed25519: %s\r\n\r\n",
		declared, ts, strings.Repeat("00", 64))
	go func() {
		chunk := make([]byte, 32<<10)
		for sent := 0; sent < bodyLen; sent += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Error(err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Many strangers sending large bodies at once: the server holds at most
// MaxConns connections, refuses a declared length over the cap with 413
// before reading it, and never has more than MaxConns bodies in hand.
func TestWebhook_LargeBodiesFromStrangersAreBounded(t *testing.T) {
	t.Parallel() // waits on timers and sockets; shares nothing with other tests
	const maxConns, maxBody = 4, 256 << 10
	ln, url := serveWebhook(t, gateway.WebhookConfig{Secret: "s", MaxConns: maxConns, MaxBody: maxBody}, func(gateway.Event) {})
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	var wg sync.WaitGroup
	var over, unauthorized atomic.Int64
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				// Declares 8 MiB: refused unread.
				if rawPost(t, url, 8<<20, 8<<20, ts) == http.StatusRequestEntityTooLarge {
					over.Add(1)
				}
				return
			}
			// Within the cap, unsigned: read (to check it), then refused.
			if rawPost(t, url, maxBody, maxBody, ts) == http.StatusUnauthorized {
				unauthorized.Add(1)
			}
		}()
	}
	wg.Wait()
	if over.Load() != 20 || unauthorized.Load() != 20 {
		t.Errorf("%d answered 413 and %d 401, want 20 and 20", over.Load(), unauthorized.Load())
	}
	if p := ln.peakOpen.Load(); p > maxConns {
		t.Errorf("%d connections served at once, want at most %d", p, maxConns)
	}
	// Headers are small; bodies over the cap are never read.
	if p, bound := ln.peak.Load(), int64(maxConns*(maxBody+64<<10)); p > bound {
		t.Errorf("the server held %d bytes read from open connections at once, want at most %d", p, bound)
	}
}

func TestWebhook_ChunkedBodyRefused(t *testing.T) {
	_, url := serveWebhook(t, gateway.WebhookConfig{Secret: "s"}, func(gateway.Event) {})
	req, _ := http.NewRequest(http.MethodPost, url, io.MultiReader(strings.NewReader("{}")))
	req.ContentLength = -1
	req.Header.Set("X-Signature-Timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	req.Header.Set("X-Signature-Ed25519", strings.Repeat("00", 64))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusLengthRequired {
		t.Errorf("chunked body: status %d, want 411", resp.StatusCode)
	}
}

// logLines is a slog handler collecting messages and attributes.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Enabled(context.Context, slog.Level) bool { return true }
func (l *logLines) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	l.mu.Unlock()
	return nil
}
func (l *logLines) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logLines) WithGroup(string) slog.Handler      { return l }

func (l *logLines) matching(part string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.lines {
		if strings.Contains(s, part) {
			out = append(out, s)
		}
	}
	return out
}

// A captured request replayed later carries its old, signed timestamp: it
// is refused beyond 5 minutes either side, with one log line per 10 s that
// counts the ones left out.
func TestWebhook_StaleTimestampRefused(t *testing.T) {
	const secret = "naOC0ocQE3shWLAfffVLB1rhYPG7"
	var mu sync.Mutex
	now := now0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	logs := &logLines{}
	var delivered atomic.Int64
	_, url := serveWebhook(t, gateway.WebhookConfig{Secret: secret, Now: clock, Logger: slog.New(logs)},
		func(gateway.Event) { delivered.Add(1) })
	post := func(at time.Time) int {
		ts := strconv.FormatInt(at.Unix(), 10)
		body := `{"op":0,"id":"E:` + ts + `","t":"AT_MESSAGE_CREATE","d":{}}`
		sig := hex.EncodeToString(ed25519.Sign(gateway.WebhookKey(secret), []byte(ts+body)))
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, d := range []time.Duration{-4 * time.Minute, 4 * time.Minute} {
		if st := post(now0.Add(d)); st != 200 {
			t.Errorf("timestamp %s away: status %d, want 200", d, st)
		}
	}
	for _, d := range []time.Duration{-6 * time.Minute, 6 * time.Minute, -time.Duration(now0.Unix()-1) * time.Second} {
		if st := post(now0.Add(d)); st != http.StatusUnauthorized {
			t.Errorf("timestamp %s away: status %d, want 401", d, st)
		}
	}
	for range 7 {
		post(now0.Add(-time.Hour))
	}
	if delivered.Load() != 2 {
		t.Errorf("%d events delivered, want the 2 fresh ones", delivered.Load())
	}
	if got := logs.matching("stale timestamp"); len(got) != 1 || !strings.Contains(got[0], "beyond 5m0s") {
		t.Fatalf("log lines for 10 stale requests in one instant: %q, want one", got)
	}
	mu.Lock()
	now = now.Add(11 * time.Second)
	mu.Unlock()
	post(now0.Add(-time.Hour))
	if got := logs.matching("stale timestamp"); len(got) != 2 || !strings.Contains(got[1], "suppressed=9") {
		t.Fatalf("log lines after 10 s: %q, want a second one counting 9 left out", got)
	}
}

// An event without an id is recognised by its body: a retry (new
// timestamp and signature, same body) reaches the scripts once.
func TestWebhook_EventWithoutIDDedupedOnBody(t *testing.T) {
	f := newWebhookFixture(t, "naOC0ocQE3shWLAfffVLB1rhYPG7")
	d, err := gateway.NewDedup(gateway.DedupConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	w, _ := gateway.NewWebhook(gateway.WebhookConfig{Secret: f.secret, Now: func() time.Time { return now0 }})
	f.srv.Config.Handler = w.Handler(d.Wrap(func(e gateway.Event) {
		mu.Lock()
		got = append(got, string(e.Data))
		mu.Unlock()
	}))
	for i, body := range []string{
		`{"op":0,"t":"GUILD_MEMBER_ADD","d":{"user":"1"}}`,
		`{"op":0,"t":"GUILD_MEMBER_ADD","d":{"user":"1"}}`,
		`{"op":0,"t":"GUILD_MEMBER_ADD","d":{"user":"2"}}`,
		`{"op":0,"t":"GUILD_MEMBER_ADD","d":{"user":"1"}}`,
	} {
		ts := strconv.FormatInt(now0.Unix()-int64(i), 10)
		if status, _ := f.post(t, f.secret, ts, body, ""); status != 200 {
			t.Fatalf("post %d: status %d", i, status)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(got) != `[{"user":"1"} {"user":"2"}]` {
		t.Errorf("delivered %v, want each body once", got)
	}
}
