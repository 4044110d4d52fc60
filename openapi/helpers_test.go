package openapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/luabot/luabot/openapi"
)

const testAppID = "1001"

// platform is a hand-written fake of the token service and the REST API on one loopback
// server. Tests replace the handler fields they care about.
type platform struct {
	t   *testing.T
	srv *httptest.Server

	mu         sync.Mutex
	tokenCalls int
	tokenReqs  []recordedRequest
	apiReqs    []recordedRequest

	// token answers the n-th (1-based) token request; default: "AT<n>" valid 7200 s.
	token func(n int, w http.ResponseWriter, r *http.Request)
	// api answers every other request; default: 404.
	api func(w http.ResponseWriter, r *http.Request)
}

type recordedRequest struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

func newPlatform(t *testing.T) *platform {
	t.Helper()
	p := &platform{t: t}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *platform) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := recordedRequest{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), body}
	if r.URL.Path == "/app/getAppAccessToken" {
		p.mu.Lock()
		p.tokenCalls++
		n := p.tokenCalls
		p.tokenReqs = append(p.tokenReqs, rec)
		h := p.token
		p.mu.Unlock()
		if h == nil {
			writeJSON(w, http.StatusOK, map[string]any{"access_token": "AT" + itoa(n), "expires_in": "7200"})
			return
		}
		h(n, w, r)
		return
	}
	p.mu.Lock()
	p.apiReqs = append(p.apiReqs, rec)
	h := p.api
	p.mu.Unlock()
	if h == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"code": 404, "message": "not found"})
		return
	}
	h(w, r)
}

func (p *platform) tokenCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokenCalls
}

func (p *platform) apiRequests() []recordedRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]recordedRequest(nil), p.apiReqs...)
}

// secretClient returns a client in the AppSecret flow pointed at p.
func (p *platform) secretClient(t *testing.T, mod func(*openapi.Config)) *openapi.Client {
	t.Helper()
	cfg := openapi.Config{AppID: testAppID, Secret: "sec-ret", BaseURL: p.srv.URL, TokenURL: p.srv.URL}
	if mod != nil {
		mod(&cfg)
	}
	c, err := openapi.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// logBuffer is a goroutine-safe sink for a debug-level text slog handler.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
