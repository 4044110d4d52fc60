package openapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luabot/luabot/openapi"
)

// fastRetries makes backoffs short enough for tests.
func fastRetries(cfg *openapi.Config) { cfg.RetryBackoff = time.Millisecond }

func TestClient_Do_RetriesRateLimited(t *testing.T) {
	t.Parallel() // waits out retry backoffs; its own platform
	p := newPlatform(t)
	var n atomic.Int32
	p.api = func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 3 {
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"code": 20028, "message": "slow down"})
			return
		}
		writeJSON(w, 200, map[string]any{"id": "m9", "channel_id": "c1"})
	}
	c := p.secretClient(t, fastRetries)
	m, err := c.PostMessage(context.Background(), "c1", map[string]any{"content": "hi"})
	if err != nil {
		t.Fatalf("PostMessage after three 429s: %v", err)
	}
	if m.ID != "m9" || n.Load() != 4 {
		t.Errorf("message %q after %d requests, want m9 after 4", m.ID, n.Load())
	}
}

func TestClient_Do_RetryPolicy(t *testing.T) {
	t.Parallel() // waits out retry backoffs; its own platforms
	tests := []struct {
		name     string
		method   string
		status   int
		wantReqs int32
	}{
		{"GET 503 retried", http.MethodGet, 503, 4},
		{"DELETE 500 retried", http.MethodDelete, 500, 4},
		{"POST 502 not retried", http.MethodPost, 502, 1},
		{"PATCH 504 not retried", http.MethodPatch, 504, 1},
		{"POST 429 retried", http.MethodPost, 429, 4},
		{"GET 403 not retried", http.MethodGet, 403, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlatform(t)
			var n atomic.Int32
			p.api = func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				writeJSON(w, tt.status, map[string]any{"code": tt.status, "message": "no"})
			}
			c := p.secretClient(t, fastRetries)
			err := c.Do(context.Background(), tt.method, "/x", nil, nil, nil)
			var e *openapi.Error
			if !errors.As(err, &e) || e.Status != tt.status {
				t.Fatalf("Do = %v, want status %d", err, tt.status)
			}
			if n.Load() != tt.wantReqs || e.Attempts != int(tt.wantReqs) {
				t.Errorf("requests = %d, Attempts = %d, want %d", n.Load(), e.Attempts, tt.wantReqs)
			}
			if e.Hint() == "" {
				t.Errorf("no hint for status %d", tt.status)
			}
		})
	}
}

func TestClient_Do_RetryStaysInsideDeadline(t *testing.T) {
	p := newPlatform(t)
	var n atomic.Int32
	p.api = func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeJSON(w, 429, map[string]any{"code": 429, "message": "slow"})
	}
	c := p.secretClient(t, func(cfg *openapi.Config) { cfg.RetryBackoff = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	err := c.Do(ctx, http.MethodGet, "/x", nil, nil, nil)
	if !errors.Is(err, &openapi.Error{Status: 429}) {
		t.Fatalf("Do = %v, want the 429", err)
	}
	if n.Load() != 1 || time.Since(start) > 4*time.Second {
		t.Errorf("%d requests in %v: a backoff beyond the deadline must not be waited", n.Load(), time.Since(start))
	}
}

func TestClient_Do_SpacesRouteAfter429(t *testing.T) {
	p := newPlatform(t)
	var n atomic.Int32
	p.api = func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			writeJSON(w, 429, map[string]any{"code": 429})
			return
		}
		writeJSON(w, 200, map[string]any{})
	}
	const interval = 30 * time.Millisecond
	c := p.secretClient(t, func(cfg *openapi.Config) {
		cfg.RetryBackoff = time.Millisecond
		cfg.RouteInterval = interval
	})
	start := time.Now()
	for range 4 {
		if err := c.Do(context.Background(), http.MethodPost, "/channels/1/messages", nil, map[string]any{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// After the 429 the route is spaced: the retry and three more sends are
	// at least three intervals apart in total.
	if got := time.Since(start); got < 3*interval {
		t.Errorf("5 requests after a 429 took %v, want ≥ %v", got, 3*interval)
	}
}

func TestClient_Do_StandingRouteLimit(t *testing.T) {
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{}) }
	const interval = 20 * time.Millisecond
	c := p.secretClient(t, func(cfg *openapi.Config) { cfg.RouteBurst = 2; cfg.RouteInterval = interval })
	start := time.Now()
	for range 5 {
		if err := c.Do(context.Background(), http.MethodGet, "/same", nil, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := time.Since(start); got < 3*interval {
		t.Errorf("5 requests with burst 2 took %v, want ≥ %v", got, 3*interval)
	}
}

func TestClient_PendingAuditIsNotAFailure(t *testing.T) {
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Tps-trace-ID", "tr-a")
		writeJSON(w, http.StatusAccepted, map[string]any{"code": 304023, "message": "push message is waiting for audit now",
			"data": map[string]any{"message_audit": map[string]any{"audit_id": "ab9"}}})
	}
	c := p.secretClient(t, nil)
	m, err := c.PostMessage(context.Background(), "c1", map[string]any{"content": "hi"})
	if err != nil {
		t.Fatalf("PostMessage = %v, want a pending-audit result", err)
	}
	if m.Audit == nil || m.Audit.ID != "ab9" || m.Audit.Code != openapi.CodeAuditPush || m.Audit.TraceID != "tr-a" {
		t.Errorf("Audit = %+v", m.Audit)
	}
	var raw json.RawMessage
	if err := c.Do(context.Background(), http.MethodPost, "/v2/groups/G/messages", nil, map[string]any{}, &raw); err != nil {
		t.Fatalf("Do = %v", err)
	}
	if a, ok := openapi.AuditOf(raw); !ok || a.ID != "ab9" {
		t.Errorf("AuditOf(%s) = %+v, %v", raw, a, ok)
	}
	if _, ok := openapi.AuditOf([]byte(`{"id":"m1"}`)); ok {
		t.Error("AuditOf took a message for an audit")
	}
}

// AuditOf reads the code as encoding/json would (top-level keys, any case,
// a number or a string), and only from an object.
func TestAuditOf_Bodies(t *testing.T) {
	for _, c := range []struct {
		body string
		want bool
	}{
		{`{"code":304023,"data":{"message_audit":{"audit_id":"a"}}}`, true},
		{`{"err_code":"304024"}`, true},
		{` {"id":"m1", "CODE": 304023} `, true},
		{`{"Err_Code":3.04023e5}`, true},
		{`{"id":"m1","content":"code\":304023"}`, false},
		{`{"id":"m1","data":{"code":304023}}`, false},
		{`{"code":0,"err_code":304023}`, true},
		{`{"code":304022}`, false},
		{`[{"code":304023}]`, false},
		{`{"code":304023`, false},
		{``, false},
	} {
		if _, got := openapi.AuditOf([]byte(c.body)); got != c.want {
			t.Errorf("AuditOf(%s) = %v, want %v", c.body, got, c.want)
		}
	}
}

// A malformed successful answer is an error even when the caller takes it
// raw; a well-formed one is handed over as it came.
func TestClient_Do_RawAnswerIsChecked(t *testing.T) {
	const bad, good = `{"id":"m1"} trailing`, " {\"id\": \"m1\", \"name\": \"\xff\"}\n"
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/bad") {
			io.WriteString(w, bad)
			return
		}
		io.WriteString(w, good)
	}
	// A GET's malformed answer is retried as a transport failure is: quickly here.
	c := p.secretClient(t, func(cfg *openapi.Config) { cfg.RetryBackoff = time.Millisecond })
	var raw json.RawMessage
	err := c.Do(context.Background(), http.MethodGet, "/channels/bad", nil, nil, &raw)
	if err == nil || !strings.Contains(err.Error(), "decode response") {
		t.Fatalf("Do of %q = %v, want a decode error", bad, err)
	}
	if err := c.Do(context.Background(), http.MethodGet, "/channels/good", nil, nil, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw) != good {
		t.Fatalf("raw = %q, want %q", raw, good)
	}
}

func TestError_Hints(t *testing.T) {
	for _, code := range []int{11241, 11242, 11243, 11244, 11245, 11253, 304003, 304018, 304026, 304027, 40034102, 20028, 22009} {
		if openapi.Hint(code) == "" {
			t.Errorf("no hint for %d", code)
		}
	}
	e := &openapi.Error{Status: 403, Code: 304027}
	if e.Hint() != openapi.Hint(304027) {
		t.Errorf("Hint = %q", e.Hint())
	}
	if h := (&openapi.Error{Status: 429}).Hint(); h == "" {
		t.Error("no hint for a bare 429")
	}
}

// A Retry-After the client cannot use as sent is logged once per answer and does not
// stop the retry: negative and garbage values are not waited for (a huge one is capped:
// TestParseRetryAfter).
func TestClient_Do_OddRetryAfter(t *testing.T) {
	for _, h := range []string{"-1", "soon", "1.5", "-99999999999999999999"} {
		t.Run(h, func(t *testing.T) {
			p := newPlatform(t)
			var n atomic.Int32
			p.api = func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", h)
					writeJSON(w, http.StatusTooManyRequests, map[string]any{"code": 20028, "message": "slow down"})
					return
				}
				writeJSON(w, 200, map[string]any{"id": "m9", "channel_id": "c1"})
			}
			var logs logBuffer
			c := p.secretClient(t, func(cfg *openapi.Config) { fastRetries(cfg); cfg.Logger = logs.logger() })
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			start := time.Now()
			if _, err := c.PostMessage(ctx, "c1", map[string]any{"content": "hi"}); err != nil {
				t.Fatalf("PostMessage: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("waited %v for an unusable Retry-After", d)
			}
			if c := strings.Count(logs.String(), "Retry-After header not used as sent"); c != 1 {
				t.Errorf("%d warnings, want 1:\n%s", c, logs.String())
			}
		})
	}
}
