package openapi_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luabot/luabot/openapi"
)

// A burst of concurrent calls must not open and close connections on every
// burst: http.DefaultTransport keeps 2 idle connections per host, so the
// 98 others of a 100-call burst were redialled (and, on the platform,
// TLS-handshaken) each time.
func TestClient_ReusesConnectionsAcrossBursts(t *testing.T) {
	const burst = 100
	var (
		dials   atomic.Int64
		mu      sync.Mutex
		waiting int
		release = make(chan struct{})
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Hold every call until the whole burst is in flight, so the burst
		// really needs burst connections at once.
		mu.Lock()
		waiting++
		ch, last := release, waiting == burst
		if last {
			waiting = 0
			close(release)
			release = make(chan struct{})
		}
		mu.Unlock()
		if !last {
			select {
			case <-ch:
			case <-time.After(10 * time.Second):
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"1","username":"bot"}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c, err := openapi.New(openapi.Config{AppID: "1", Token: "t", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	round := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		for range burst {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Me(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	round()
	first := dials.Load()
	round()
	if again := dials.Load() - first; again > burst/10 {
		t.Fatalf("the second burst of %d calls opened %d new connections (first burst: %d); want them reused", burst, again, first)
	}
}
