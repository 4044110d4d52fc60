package host

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/outbound"
)

// httpHarness is a harness whose script reaches srv (a TLS server on
// loopback) through a client that trusts it.
func httpHarness(t *testing.T, src string, srv *httptest.Server, cfg outbound.Config, grants map[string][]string, limits ...Limits) *harness {
	t.Helper()
	cfg.AllowLoopback = true
	cfg.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	client := outbound.New(cfg)
	t.Cleanup(client.Close)
	dir := t.TempDir()
	store, err := kv.Open(kv.Config{Path: filepath.Join(dir, "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &harness{t: t, api: &fakeAPI{calls: make(chan apiCall, 1024)}, logs: newLogSink(), dir: dir,
		clock: NewVirtualClock(time.Date(2026, 12, 2, 8, 59, 0, 0, time.Local))}
	path := writeScript(t, dir, "bot.lua", strings.ReplaceAll(src, "URL", srv.URL))
	lim := Limits{CPU: 3 * time.Second}
	if len(limits) > 0 {
		lim = limits[0]
	}
	s, err := loadScript(path, scriptDeps{
		api: h.api, store: store, logger: slog.New(h.logs), limits: lim,
		clock: h.clock, http: client, grants: grants,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	return h
}

func weatherServer(t *testing.T) *httptest.Server {
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/weather":
			fmt.Fprintf(w, `{"city":%q,"temp":21}`, r.URL.Query().Get("q"))
		case "/echo":
			body, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s %s %s", r.Method, r.Header.Get("Content-Type"), body)
		case "/broken":
			io.WriteString(w, `{"temp": 2`)
		case "/sse":
			for i := range 3 {
				fmt.Fprintf(w, "data: %d\n\n", i)
				w.(http.Flusher).Flush()
			}
		case "/hang":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(func() {
		close(release)
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

func TestHTTP_GetPostJSONAndErrors(t *testing.T) {
	srv := weatherServer(t)
	h := httpHarness(t, `-- luabot: http=127.0.0.1,10.0.0.1
on("message", function(ev)
  if ev.text == "weather" then
    local res, err = http.get("URL/weather?x=1", {query = {q = "beijing"}})
    local w = assert(res:json())
    qq.send("100", res.status .. " " .. w.city .. " " .. w.temp .. " " .. tostring(res.ok))
  elseif ev.text == "post" then
    local res = assert(http.post("URL/echo", {n = 1}))
    qq.send("100", res.body)
  elseif ev.text == "request" then
    local res = assert(http.request{method = "put", url = "URL/echo", body = "raw", headers = {["Content-Type"] = "text/plain"}})
    qq.send("100", res.body)
  elseif ev.text == "broken" then
    local res = assert(http.get("URL/broken"))
    local v, err = res:json()
    qq.send("100", tostring(v) .. " | " .. tostring(err))
  elseif ev.text == "private" then
    local res, err = http.get("https://10.0.0.1/")
    qq.send("100", tostring(res) .. " " .. err.kind .. " | " .. tostring(err))
  elseif ev.text == "ungranted" then
    local res, err = http.get("https://api.example.com/?key=s3cret")
    qq.send("100", err.kind .. " | " .. tostring(err))
  elseif ev.text == "stream" then
    local res = assert(http.get("URL/sse", {stream = true}))
    local got = {}
    assert(res:each_line(function(line) if line ~= "" then got[#got + 1] = line end end))
    qq.send("100", table.concat(got, ","))
  elseif ev.text == "for-in-stream" then
    local res = assert(http.get("URL/sse", {stream = true}))
    local ok, err = pcall(res.lines, res)
    res:close()
    qq.send("100", tostring(ok) .. " " .. tostring(err))
  end
end)`, srv, outbound.Config{}, nil)
	h.start()
	for _, tc := range []struct{ in, want string }{
		{"weather", "200 beijing 21 true"},
		{"post", `POST application/json {"n":1}`},
		{"request", "PUT text/plain raw"},
		{"broken", "nil | the answer is not valid JSON"},
		{"private", "nil address | https://10.0.0.1/: refused: 10.0.0.1 is a private or reserved address"},
		{"ungranted", "host | https://api.example.com/: host api.example.com is not granted to this script (grant it in the script's header: -- luabot: http=api.example.com)"},
		{"stream", "data: 0,data: 1,data: 2"},
		{"for-in-stream", "false "},
	} {
		h.send("AT_MESSAGE_CREATE", msg(tc.in))
		got, _ := h.nextCall().Body["content"].(string)
		if !strings.HasPrefix(got, tc.want) || (tc.in == "for-in-stream" && !strings.Contains(got, "bot.lua:30: this answer is streamed")) {
			t.Errorf("%s: got %q, want it to start with %q", tc.in, got, tc.want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("%s: the query's secret is in %q", tc.in, got)
		}
	}
}

// A request waiting on a server that never answers holds neither the
// script's VM nor its CPU budget: the next event is handled meanwhile, and
// the wait ends with a timeout error.
func TestHTTP_WaitingDoesNotBlockTheScript(t *testing.T) {
	t.Parallel() // its own server; mostly waiting
	srv := weatherServer(t)
	h := httpHarness(t, `on("message", function(ev)
  if ev.text == "hang" then
    local res, err = http.get("URL/hang", {timeout = 0.5})
    qq.send("100", "hang: " .. err.kind)
  else
    qq.send("100", "pong")
  end
end)`, srv, outbound.Config{}, map[string][]string{"bot": {"127.0.0.1"}})
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("hang"))
	h.send("AT_MESSAGE_CREATE", msg("ping"))
	if got := h.nextCall().Body["content"]; got != "pong" {
		t.Fatalf("first answer %q, want pong while the request waits", got)
	}
	if got := h.nextCall().Body["content"]; got != "hang: timeout" {
		t.Fatalf("got %q", got)
	}
}

// Time spent waiting on the network is not CPU: a handler with a 200 ms
// budget waits 600 ms for an answer and is not killed.
func TestHTTP_WaitingIsNotCPU(t *testing.T) {
	t.Parallel() // its own server; mostly waiting
	srv := weatherServer(t)
	h := httpHarness(t, `on("message", function(ev)
  local res, err = http.get("URL/hang", {timeout = 0.6})
  qq.send("100", "after the wait: " .. err.kind)
end)`, srv, outbound.Config{}, map[string][]string{"bot": {"127.0.0.1"}}, spinLimits)
	h.start()
	h.send("AT_MESSAGE_CREATE", msg("x"))
	if got := h.nextCall().Body["content"]; got != "after the wait: timeout" {
		t.Fatalf("got %q; log:\n%s", got, h.logs.dump())
	}
}
