package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/console"
	"github.com/luabot/luabot/host"
	"github.com/luabot/luabot/kv"
)

// fakeScripts is a host with one script, "echo".
type fakeScripts struct{}

func (fakeScripts) ScriptInfos() []host.ScriptInfo {
	i, _ := fakeScripts{}.ScriptInfo("echo")
	return []host.ScriptInfo{i}
}

func (fakeScripts) ScriptInfo(name string) (host.ScriptInfo, bool) {
	if name != "echo" {
		return host.ScriptInfo{}, false
	}
	return host.ScriptInfo{Name: "echo", Version: 1, Running: true}, true
}

func (fakeScripts) ReloadScript(name string) error {
	if name != "echo" {
		return host.ErrNoScript
	}
	return nil
}

func newServer(t *testing.T, cfg console.Config) (*httptest.Server, *console.Console) {
	t.Helper()
	c, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(func() {
		c.Close()
		srv.Close()
	})
	return srv, c
}

func get(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestConsole_UnknownScriptOrNamespaceIs404WithAMessage(t *testing.T) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	store.Set("echo", "n", []byte("\x011"))
	store.Set("/gateway", "session", []byte(`{"id":"x"}`))
	srv, _ := newServer(t, console.Config{Scripts: fakeScripts{}, Store: store})

	for _, path := range []string{"/api/scripts/nope", "/api/kv/nope", "/api/kv//gateway", "/api/nothing"} {
		code, body := get(t, srv.URL+path)
		if msg, _ := body["error"].(string); code != http.StatusNotFound || msg == "" {
			t.Errorf("GET %s: %d %v, want 404 with a message", path, code, body)
		}
	}
	req, _ := http.NewRequest("POST", srv.URL+"/api/scripts/nope/reload", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("reload of an unknown script: %d", resp.StatusCode)
	}
	if code, body := get(t, srv.URL+"/api/scripts/echo"); code != 200 || body["name"] != "echo" {
		t.Errorf("GET echo: %d %v", code, body)
	}
}

func TestConsole_KVValuesAsPrettyJSONOrText(t *testing.T) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	store.Set("echo", "user:1", []byte("\x01"+`{"name":"alice","n":2}`))
	store.Set("echo", "user:2", []byte("not json {"))
	store.Set("echo", "other", []byte("\x01true"))
	srv, _ := newServer(t, console.Config{Store: store})

	code, body := get(t, srv.URL+"/api/kv/echo?prefix=user:")
	if code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	entries := body["entries"].([]any)
	if len(entries) != 2 {
		t.Fatalf("entries %v", entries)
	}
	first, second := entries[0].(map[string]any), entries[1].(map[string]any)
	if first["json"] != true || first["value"] != "{\n  \"name\": \"alice\",\n  \"n\": 2\n}" {
		t.Errorf("JSON value shown as %v", first)
	}
	if second["json"] != false || second["value"] != "not json {" {
		t.Errorf("text value shown as %v", second)
	}
	if _, body := get(t, srv.URL+"/api/kv"); len(body["namespaces"].([]any)) != 1 {
		t.Errorf("namespaces %v", body)
	}
}

func TestConsole_RefusesOtherHostsOriginsAndFormPosts(t *testing.T) {
	srv, _ := newServer(t, console.Config{Scripts: fakeScripts{}})
	do := func(method, ct, origin, host string) int {
		req, _ := http.NewRequest(method, srv.URL+"/api/scripts/echo/reload", strings.NewReader("{}"))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := do("POST", "application/json", "", ""); c != 200 {
		t.Errorf("a JSON POST from the page: %d", c)
	}
	if c := do("POST", "text/plain", "", ""); c != http.StatusUnsupportedMediaType {
		t.Errorf("a form POST: %d", c)
	}
	if c := do("POST", "application/json", "http://evil.example", ""); c != http.StatusForbidden {
		t.Errorf("a POST from another origin: %d", c)
	}
	if c := do("POST", "application/json", "", "rebound.example:80"); c != http.StatusForbidden {
		t.Errorf("a request for another host name: %d", c)
	}
}

// Every answer forbids framing (another site's page could lay the console
// under its own and have the operator click Reload or Send), sniffing, and
// scripts and connections from elsewhere.
func TestConsole_AnswersForbidFramingSniffingAndOtherScripts(t *testing.T) {
	srv, _ := newServer(t, console.Config{Scripts: fakeScripts{}})
	for _, tc := range []struct{ path, host string }{
		{"/", ""}, {"/app.js", ""}, {"/api/scripts", ""}, {"/api/nothing", ""}, {"/", "rebound.example"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		if tc.host != "" {
			req.Host = tc.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "object-src 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s (host %q): Content-Security-Policy %q lacks %q", tc.path, tc.host, csp, want)
			}
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s (host %q): X-Frame-Options %q, X-Content-Type-Options %q", tc.path, tc.host,
				h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"))
		}
	}
}

// Behind a listener that checks a token, any host name may be used.
func TestConsole_AnyHostBehindAToken(t *testing.T) {
	srv, _ := newServer(t, console.Config{Scripts: fakeScripts{}, AnyHost: true})
	req, _ := http.NewRequest("GET", srv.URL+"/api/scripts", nil)
	req.Host = "bot.example.com:9090"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET with host bot.example.com: %d", resp.StatusCode)
	}
}

// A page that goes away leaves nothing behind: its stream's goroutine and
// log subscription end.
func TestConsole_ClosedPagesLeaveNoGoroutine(t *testing.T) {
	hub := console.NewLogHub()
	log := slog.New(console.Tee(slog.NewTextHandler(io.Discard, nil), hub))
	srv, _ := newServer(t, console.Config{Scripts: fakeScripts{}, Logs: hub})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	before := runtime.NumGoroutine()

	const pages = 10
	var cancels []context.CancelFunc
	for range pages {
		ctx, cancel := context.WithCancel(context.Background())
		cancels = append(cancels, cancel)
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/events", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		go io.Copy(io.Discard, resp.Body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for hub.Subscribers() != pages {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers, want %d", hub.Subscribers(), pages)
		}
		runtime.Gosched()
	}
	log.Info("hello")
	for _, cancel := range cancels {
		cancel()
	}
	for hub.Subscribers() != 0 || runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("after the pages closed: %d subscribers, %d goroutines (before: %d)\n%s",
				hub.Subscribers(), runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond) // polling a count with a deadline, not synchronising
	}
}

// Pages that never read cannot slow the logger: the records they cannot
// take are dropped and counted, and a page that reads gets its records.
func TestLogHub_StalledSubscribersDoNotBlockTheLogger(t *testing.T) {
	hub := console.NewLogHub()
	log := slog.New(console.Tee(slog.NewTextHandler(io.Discard, nil), hub)).With("script", "echo")
	for range 50 {
		defer hub.Subscribe().Close() // never read
	}
	live := hub.Subscribe()
	defer live.Close()
	got := make(chan console.LogEntry, 1)
	go func() { got <- <-live.C }()

	const n = 10000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			log.Info("reply sent", "i", i, "text", "a b")
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("logging blocked on subscribers that do not read")
	}
	var e console.LogEntry
	select {
	case e = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the page that reads got nothing")
	}
	if e.Script != "echo" || e.Msg != "reply sent" || e.Attrs != `i=0 text="a b"` {
		t.Errorf("first record %+v", e)
	}
	if d := hub.Dropped(); d < 50*(n-256) {
		t.Errorf("dropped %d, want the records the stalled pages could not hold", d)
	}
	if r := hub.Recent(); len(r) != 500 || r[len(r)-1].Attrs != `i=9999 text="a b"` {
		t.Errorf("recent: %d records, last %+v", len(r), r[len(r)-1])
	}
}

// readEvent reads one server-sent event.
func readEvent(r *bufio.Reader) (name, data string, err error) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", "", err
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && name != "":
			return name, data, nil
		case strings.HasPrefix(line, "event: "):
			name = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		}
	}
}

func TestConsole_EventStreamCarriesTicksAndLogs(t *testing.T) {
	hub := console.NewLogHub()
	log := slog.New(console.Tee(slog.NewTextHandler(io.Discard, nil), hub))
	srv, _ := newServer(t, console.Config{Scripts: fakeScripts{}, Logs: hub})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	name, data, err := readEvent(r)
	if err != nil || name != "tick" || !strings.Contains(data, `"name":"echo"`) {
		t.Fatalf("first event %q %q %v", name, data, err)
	}
	log.Warn("careful", "script", "echo")
	for {
		name, data, err = readEvent(r)
		if err != nil {
			t.Fatal(err)
		}
		if name == "log" {
			break
		}
	}
	if !strings.Contains(data, `"msg":"careful"`) || !strings.Contains(data, `"level":"WARN"`) || !strings.Contains(data, `"script":"echo"`) {
		t.Fatalf("log event %s", data)
	}
}
