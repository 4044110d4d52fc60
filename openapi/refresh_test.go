package openapi_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/openapi"
)

// TestClient_Run_RefreshesAhead drives the background refresher with a fake
// clock: each sleep it asks for advances the clock, and it must fetch a new
// token while the old one still has its last 60 s, retrying failures.
func TestClient_Run_RefreshesAhead(t *testing.T) {
	p := newPlatform(t)
	var mu sync.Mutex
	failNext := false
	p.token = func(n int, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fail := failNext
		failNext = false
		mu.Unlock()
		if fail {
			writeJSON(w, 200, map[string]any{"code": 100002, "message": "internal err"})
			return
		}
		writeJSON(w, 200, map[string]any{"access_token": "AT" + itoa(n), "expires_in": "7200"})
	}
	clk := newClock()
	c := p.secretClient(t, func(cfg *openapi.Config) { cfg.Clock = clk.Now })
	ctx, cancel := context.WithCancel(context.Background())
	sleeps := make(chan time.Duration)
	resume := make(chan struct{})
	openapi.SetTokenSleep(c, func(ctx context.Context, d time.Duration) error {
		select {
		case sleeps <- d:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case <-resume:
		case <-ctx.Done():
			return ctx.Err()
		}
		clk.Advance(d)
		return nil
	})
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()

	if d := <-sleeps; d != 7200*time.Second-60*time.Second || p.tokenCount() != 1 {
		t.Fatalf("first sleep %v after %d fetches, want 7140s after 1", d, p.tokenCount())
	}
	resume <- struct{}{}
	// The refresh at 60 s before expiry fails: the old token keeps serving and
	// the refresher retries after a backoff.
	mu.Lock()
	failNext = true
	mu.Unlock()
	if d := <-sleeps; d <= 0 || d > time.Minute {
		t.Fatalf("sleep after a failed refresh = %v, want a short backoff", d)
	}
	if tok, err := c.IdentifyToken(ctx); err != nil || tok != "QQBot AT1" {
		t.Fatalf("token during the failure = %q, %v; want the old one", tok, err)
	}
	resume <- struct{}{}
	<-sleeps // the retry succeeded and the refresher sleeps until the next window
	if tok, _ := c.IdentifyToken(ctx); tok != "QQBot AT3" {
		t.Errorf("token after the retry = %q, want QQBot AT3", tok)
	}
}

func TestClient_AllMembers_SkipsRepeats(t *testing.T) {
	p := newPlatform(t)
	pages := map[string]string{
		"0":  `[{"user":{"id":"u1"}},{"user":{"id":"u2"}}]`,
		"u2": `[{"user":{"id":"u2"}},{"user":{"id":"u3"}}]`,
		"u3": `[]`,
	}
	p.api = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(pages[r.URL.Query().Get("after")]))
	}
	c := p.secretClient(t, nil)
	var ids []string
	for m, err := range c.AllMembers(context.Background(), "g1") {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.User.ID)
	}
	if len(ids) != 3 || ids[0] != "u1" || ids[2] != "u3" {
		t.Errorf("members = %v, want u1 u2 u3", ids)
	}
}

func TestClient_AllGuilds(t *testing.T) {
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) {
		var page []map[string]any
		if r.URL.Query().Get("after") == "" {
			for i := range 100 {
				page = append(page, map[string]any{"id": "g" + itoa(i)})
			}
		} else {
			page = append(page, map[string]any{"id": "last"})
		}
		writeJSON(w, 200, page)
	}
	c := p.secretClient(t, nil)
	n := 0
	for _, err := range c.AllGuilds(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 101 || len(p.apiRequests()) != 2 {
		t.Errorf("%d guilds in %d requests, want 101 in 2", n, len(p.apiRequests()))
	}
}
