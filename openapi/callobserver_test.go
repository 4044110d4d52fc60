package openapi_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luabot/luabot/openapi"
)

type ctxKey struct{}

// callObserver keeps what a CallObserver hears.
type callObserver struct {
	mu    sync.Mutex
	calls []string // "method path body who"
}

func (o *callObserver) Request(openapi.Route, int, time.Duration) {}
func (o *callObserver) Retry(openapi.Route, int)                  {}
func (o *callObserver) Call(ctx context.Context, method, path string, body []byte, _ string) {
	who, _ := ctx.Value(ctxKey{}).(string)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, method+" "+path+" "+string(body)+" "+who)
}

// A CallObserver hears each call once, however often it is sent, with the body as
// encoded and the caller's context (a recording tells scripts apart by it).
func TestClient_CallObserverHearsEachCallOnce(t *testing.T) {
	p := newPlatform(t)
	var n atomic.Int32
	p.api = func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"code": 20028, "message": "slow down"})
			return
		}
		writeJSON(w, 200, map[string]any{"id": "m9", "channel_id": "c1"})
	}
	obs := &callObserver{}
	c := p.secretClient(t, func(cfg *openapi.Config) { fastRetries(cfg); cfg.Observer = obs })
	ctx := context.WithValue(context.Background(), ctxKey{}, "echo")
	if _, err := c.PostMessage(ctx, "c1", map[string]any{"content": "hi"}); err != nil {
		t.Fatal(err)
	}
	want := `POST /channels/c1/messages {"content":"hi"} echo`
	if len(obs.calls) != 1 || obs.calls[0] != want || n.Load() != 2 {
		t.Fatalf("calls %q after %d requests, want [%s] after 2", obs.calls, n.Load(), want)
	}
}
