package openapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/openapi"
)

func TestClient_Token_RequestShape(t *testing.T) {
	p := newPlatform(t)
	c := p.secretClient(t, nil)

	got, err := c.IdentifyToken(context.Background())
	if err != nil {
		t.Fatalf("IdentifyToken: %v", err)
	}
	if got != "QQBot AT1" {
		t.Errorf("IdentifyToken = %q, want %q", got, "QQBot AT1")
	}

	p.mu.Lock()
	req := p.tokenReqs[0]
	p.mu.Unlock()
	if req.Method != http.MethodPost || req.Path != "/app/getAppAccessToken" {
		t.Errorf("token request = %s %s, want POST /app/getAppAccessToken", req.Method, req.Path)
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(req.Body, &body); err != nil {
		t.Fatalf("token body is not JSON: %v", err)
	}
	want := map[string]any{"appId": testAppID, "clientSecret": "sec-ret"}
	if len(body) != len(want) {
		t.Errorf("token body keys = %v, want exactly appId and clientSecret", body)
	}
	for k, v := range want {
		if body[k] != v { // appId must be a JSON string, not a number
			t.Errorf("token body %s = %#v, want %#v", k, body[k], v)
		}
	}
}

func TestClient_Token_ExpiresInForms(t *testing.T) {
	tests := []struct {
		name      string
		expiresIn any
	}{
		{"string", "7200"},
		{"number", 7200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlatform(t)
			p.token = func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusOK, map[string]any{"access_token": "AT" + itoa(n), "expires_in": tt.expiresIn})
			}
			clk := newClock()
			c := p.secretClient(t, func(cfg *openapi.Config) { cfg.Clock = clk.Now })
			ctx := context.Background()

			for range 3 {
				if tok, err := c.IdentifyToken(ctx); err != nil || tok != "QQBot AT1" {
					t.Fatalf("IdentifyToken = %q, %v; want QQBot AT1", tok, err)
				}
			}
			// Still cached just outside the 60 s refresh window …
			clk.Advance(7200*time.Second - 61*time.Second)
			if tok, _ := c.IdentifyToken(ctx); tok != "QQBot AT1" {
				t.Fatalf("token before refresh window = %q, want QQBot AT1", tok)
			}
			if n := p.tokenCount(); n != 1 {
				t.Fatalf("token fetches = %d, want 1", n)
			}
			// … and refetched inside it.
			clk.Advance(2 * time.Second)
			if tok, _ := c.IdentifyToken(ctx); tok != "QQBot AT2" {
				t.Fatalf("token inside refresh window = %q, want QQBot AT2", tok)
			}
			if n := p.tokenCount(); n != 2 {
				t.Fatalf("token fetches = %d, want 2", n)
			}
		})
	}
}

func TestClient_Token_ErrorBodies(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode int
		wantMsg  string
	}{
		{"http 200 with code", 200, `{"code":100007,"message":"appid invalid"}`, 100007, "appid invalid"},
		{"code as string", 200, `{"code":"100002","message":"internal err"}`, 100002, "internal err"},
		{"no access_token", 200, `{"expires_in":"7200"}`, 0, "no access_token in response"},
		{"zero expires_in", 200, `{"access_token":"x","expires_in":"0"}`, 0, "missing or invalid expires_in in response"},
		{"http 500", 500, `{"code":1,"message":"boom"}`, 1, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlatform(t)
			p.token = func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-Tps-trace-ID", "tok-trace")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}
			c := p.secretClient(t, nil)
			_, err := c.Me(context.Background())
			var e *openapi.Error
			if !errors.As(err, &e) {
				t.Fatalf("Me error = %v, want *openapi.Error", err)
			}
			if e.Status != tt.status || e.Code != tt.wantCode || e.Message != tt.wantMsg || e.TraceID != "tok-trace" {
				t.Errorf("error = %+v, want status %d code %d message %q trace tok-trace", e, tt.status, tt.wantCode, tt.wantMsg)
			}
			if len(p.apiRequests()) != 0 {
				t.Errorf("REST call made without a token")
			}
		})
	}
}

func TestClient_Token_CachedAcrossCalls(t *testing.T) {
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": "1", "username": "bot", "bot": true})
	}
	c := p.secretClient(t, nil)
	for range 5 {
		if _, err := c.Me(context.Background()); err != nil {
			t.Fatalf("Me: %v", err)
		}
	}
	if n := p.tokenCount(); n != 1 {
		t.Errorf("token fetches = %d, want 1", n)
	}
	for _, r := range p.apiRequests() {
		if got := r.Header.Get("Authorization"); got != "QQBot AT1" {
			t.Errorf("Authorization = %q, want QQBot AT1", got)
		}
	}
}

func TestClient_Token_ConcurrentCallersShareOneFetch(t *testing.T) {
	const callers = 8
	p := newPlatform(t)
	release := make(chan struct{})
	p.token = func(n int, w http.ResponseWriter, r *http.Request) {
		<-release
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "AT" + itoa(n), "expires_in": "7200"})
	}
	p.api = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": "1"})
	}
	c := p.secretClient(t, nil)
	waiting := make(chan struct{}, callers)
	openapi.OnTokenWait(c, func() { waiting <- struct{}{} })

	errs := make(chan error, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Me(context.Background())
			errs <- err
		}()
	}
	// Hold the single fetch until every other caller is parked on it.
	deadline := time.After(5 * time.Second)
	for range callers - 1 {
		select {
		case <-waiting:
		case <-deadline:
			close(release)
			wg.Wait()
			t.Fatalf("callers did not wait on the shared fetch (fetches: %d)", p.tokenCount())
		}
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Me: %v", err)
		}
	}
	if n := p.tokenCount(); n != 1 {
		t.Errorf("token fetches = %d, want 1", n)
	}
}

func TestClient_Do_RefetchAndRetryOn11244(t *testing.T) {
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "QQBot AT1" {
			writeJSON(w, 401, map[string]any{"message": "token expired or not exist", "code": 11244, "err_code": 11244})
			return
		}
		writeJSON(w, 200, map[string]any{"id": "42", "username": "bot"})
	}
	c := p.secretClient(t, nil)
	u, err := c.Me(context.Background())
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if u.ID != "42" {
		t.Errorf("user id = %q, want 42", u.ID)
	}
	if n := p.tokenCount(); n != 2 {
		t.Errorf("token fetches = %d, want 2", n)
	}
	reqs := p.apiRequests()
	if len(reqs) != 2 || reqs[1].Header.Get("Authorization") != "QQBot AT2" {
		t.Errorf("api requests = %d (second auth %q), want 2 with QQBot AT2", len(reqs), reqs[len(reqs)-1].Header.Get("Authorization"))
	}
}

func TestClient_Do_RetriesOnlyOnce(t *testing.T) {
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, map[string]any{"message": "token expired or not exist", "code": 11244, "err_code": 11244})
	}
	c := p.secretClient(t, nil)
	_, err := c.Me(context.Background())
	if !errors.Is(err, &openapi.Error{Code: openapi.CodeTokenExpired}) {
		t.Fatalf("Me error = %v, want code 11244", err)
	}
	if n := len(p.apiRequests()); n != 2 {
		t.Errorf("api requests = %d, want 2 (one retry)", n)
	}
	if n := p.tokenCount(); n != 2 {
		t.Errorf("token fetches = %d, want 2", n)
	}
}

func TestClient_NoSecretsInErrorsOrLogs(t *testing.T) {
	const secret, token = "S3CR3T-value-9f8e", "AT-TOPSECRET-1234"
	var logs logBuffer
	p := newPlatform(t)
	fail := true
	var mu sync.Mutex
	p.token = func(_ int, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			fail = false
			// A hostile or buggy token service echoing the secret.
			writeJSON(w, 200, map[string]any{"code": 100007, "message": "bad secret " + secret})
			return
		}
		writeJSON(w, 200, map[string]any{"access_token": token, "expires_in": 7200})
	}
	p.api = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Tps-trace-ID", "trace-"+token)
		writeJSON(w, 403, map[string]any{
			"message": "denied for " + r.Header.Get("Authorization") + " / " + secret,
			"code":    11253,
			"data":    map[string]any{"echo": token},
		})
	}
	c := p.secretClient(t, func(cfg *openapi.Config) {
		cfg.Secret = secret
		cfg.Logger = logs.logger()
	})
	ctx := context.Background()

	var texts []string
	_, err := c.Me(ctx) // token service error
	if err == nil {
		t.Fatal("Me succeeded, want token error")
	}
	texts = append(texts, err.Error())
	_, err = c.Me(ctx) // REST error echoing the token
	var e *openapi.Error
	if !errors.As(err, &e) || e.Code != 11253 {
		t.Fatalf("Me error = %v, want code 11253", err)
	}
	texts = append(texts, err.Error(), e.Message, e.TraceID, string(e.Data), logs.String())
	if _, err := c.PostMessage(ctx, "c1", map[string]any{"content": token}); err != nil {
		texts = append(texts, err.Error())
	}
	texts = append(texts, logs.String())
	if !strings.Contains(logs.String(), "openapi request") {
		t.Errorf("expected debug request lines in the log, got %q", logs.String())
	}
	for _, s := range texts {
		if strings.Contains(s, secret) || strings.Contains(s, token) {
			t.Errorf("credential leaked in %q", s)
		}
	}
}

// clock is a settable time source for the token cache.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// After the gateway rejects an identify with 4004, the rejected access token
// is dropped and the next identify fetches a new one.
func TestClient_InvalidateToken(t *testing.T) {
	p := newPlatform(t)
	p.token = func(n int, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "AT" + itoa(n), "expires_in": "7200"})
	}
	c := p.secretClient(t, nil)
	first, err := c.IdentifyToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.InvalidateToken("QQBot someone-else") // not the cached token: kept
	if again, _ := c.IdentifyToken(context.Background()); again != first {
		t.Fatalf("token changed to %q after invalidating another token", again)
	}
	c.InvalidateToken(first)
	next, err := c.IdentifyToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if next == first || p.tokenCount() != 2 {
		t.Fatalf("identify token after invalidate = %q (fetches %d), want a fresh one", next, p.tokenCount())
	}
}

// A token whose expires_in is beyond a day is cached for a day, with one warning per fetch; it used
// to overflow into a lifetime in the past, so that every call fetched a new token.
func TestClient_Token_HugeExpiresIn(t *testing.T) {
	for _, expiresIn := range []any{"9223372036854775807", 1e30, "86401"} {
		p := newPlatform(t)
		p.token = func(n int, w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"access_token": "AT" + itoa(n), "expires_in": expiresIn})
		}
		clk := newClock()
		var logs logBuffer
		c := p.secretClient(t, func(cfg *openapi.Config) { cfg.Clock = clk.Now; cfg.Logger = logs.logger() })
		ctx := context.Background()
		for range 3 {
			if tok, err := c.IdentifyToken(ctx); err != nil || tok != "QQBot AT1" {
				t.Fatalf("expires_in %v: IdentifyToken = %q, %v", expiresIn, tok, err)
			}
		}
		clk.Advance(24*time.Hour - 61*time.Second)
		if tok, _ := c.IdentifyToken(ctx); tok != "QQBot AT1" || p.tokenCount() != 1 {
			t.Fatalf("expires_in %v: %q after %d fetches; want the first token cached for a day", expiresIn, tok, p.tokenCount())
		}
		clk.Advance(2 * time.Second)
		if tok, _ := c.IdentifyToken(ctx); tok != "QQBot AT2" {
			t.Fatalf("expires_in %v: %q at the end of the day, want AT2", expiresIn, tok)
		}
		if n := strings.Count(logs.String(), "expires_in out of range"); n != p.tokenCount() {
			t.Errorf("expires_in %v: %d warnings for %d fetches:\n%s", expiresIn, n, p.tokenCount(), logs.String())
		}
	}
}

// expires_in that is not a positive number fails the fetch with a clear error.
func TestClient_Token_BadExpiresIn(t *testing.T) {
	for _, expiresIn := range []any{"0", -5, "-1e30", "soon", "", nil} {
		p := newPlatform(t)
		p.token = func(n int, w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"access_token": "AT1", "expires_in": expiresIn})
		}
		c := p.secretClient(t, nil)
		if _, err := c.IdentifyToken(context.Background()); err == nil || !strings.Contains(err.Error(), "expires_in") {
			t.Errorf("expires_in %#v: err = %v, want one naming expires_in", expiresIn, err)
		}
	}
}

// A token service that echoes the request body shows the secret as JSON
// spells it: <, > and & as \u003c, \u003e, \u0026 (Go), non-ASCII as \uXXXX
// (Python). Neither spelling reaches the error.
func TestClient_TokenErrorHidesTheSecretAsJSONSpellsIt(t *testing.T) {
	for _, secret := range []string{`S3CR3T<x>&y"9f8e`, "秘密-S3CR3T<é>-9f8e"} {
		p := newPlatform(t)
		p.token = func(_ int, w http.ResponseWriter, r *http.Request) {
			p.mu.Lock()
			body := p.tokenReqs[len(p.tokenReqs)-1].Body
			p.mu.Unlock()
			var req map[string]string
			json.Unmarshal(body, &req)
			var python strings.Builder // as json.dumps writes it: non-ASCII escaped, <, > and & not
			enc := json.NewEncoder(&python)
			enc.SetEscapeHTML(false)
			enc.Encode(req["clientSecret"])
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte("you sent " + string(body) + " python:" + strings.ReplaceAll(strings.ReplaceAll(
				strings.TrimSpace(python.String()), "秘密", `\u79d8\u5bc6`), "é", `\u00e9`)))
		}
		c := p.secretClient(t, func(cfg *openapi.Config) { cfg.Secret = secret })
		_, err := c.IdentifyToken(context.Background())
		if err == nil {
			t.Fatal("IdentifyToken succeeded")
		}
		msg := err.Error()
		if !strings.Contains(msg, "you sent") || !strings.Contains(msg, "[redacted]") {
			t.Errorf("%q: error %q", secret, msg)
		}
		for _, part := range []string{"S3CR3T", "9f8e"} {
			if strings.Contains(msg, part) {
				t.Errorf("%q: the error shows the secret: %q", secret, msg)
			}
		}
	}
}
