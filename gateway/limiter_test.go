package gateway_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
)

// At most n starts fall in any window of length per: the first n go at once, the next
// ones wait for the start n places earlier to leave the window, also when many shards
// wait at the same time.
func TestStartLimiter_Paces(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		waiters int
	}{
		{"one at a time", 1, 3},
		{"two at a time", 2, 5},
		{"n below 1 counts as 1", 0, 2},
	}
	const per = 150 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := gateway.NewStartLimiter(tt.n, per)
			n := max(tt.n, 1)
			start := time.Now()
			times := make([]time.Duration, tt.waiters)
			var wg sync.WaitGroup
			var mu sync.Mutex
			for range tt.waiters {
				wg.Go(func() {
					if err := l.Wait(context.Background()); err != nil {
						t.Error(err)
					}
					mu.Lock()
					defer mu.Unlock()
					for i := range times {
						if times[i] == 0 {
							times[i] = time.Since(start)
							break
						}
					}
				})
			}
			wg.Wait()
			// times is in order of return. Start i cannot come before i/n whole windows
			// have passed since the first: only a lower bound, so scheduling delays under
			// load cannot fail it.
			for i := n; i < len(times); i++ {
				if want := time.Duration(i/n) * per; times[i] < want {
					t.Errorf("start %d after %v, want at least %v (n=%d per %v); times %v", i, times[i], want, n, per, times)
				}
			}
			for i := range n {
				if times[i] >= per {
					t.Errorf("start %d waited %v; the first %d should not wait", i, times[i], n)
				}
			}
			if last := times[len(times)-1]; last > time.Duration((tt.waiters-1)/n+1)*per+time.Second {
				t.Errorf("last start after %v: waited far longer than the window", last)
			}
		})
	}
}

// A start that has left the window does not delay the next one.
func TestStartLimiter_WindowPasses(t *testing.T) {
	l := gateway.NewStartLimiter(1, 20*time.Millisecond)
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Let the window pass on a timer, not on the limiter.
	<-time.After(30 * time.Millisecond)
	start := time.Now()
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 15*time.Millisecond {
		t.Errorf("second start waited %v after the window had passed", d)
	}
}

// Wait returns the context's error when it ends first.
func TestStartLimiter_WaitCancelled(t *testing.T) {
	l := gateway.NewStartLimiter(1, time.Hour)
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want the context's deadline", err)
	}
}
