package host

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
)

// heldAPI answers every call only once release is closed, and tells calls
// of each one that arrived.
type heldAPI struct {
	calls   chan struct{}
	release chan struct{}
}

func (a heldAPI) Do(ctx context.Context, _, _ string, _ url.Values, _, out any) error {
	a.calls <- struct{}{}
	select {
	case <-a.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	*(out.(*json.RawMessage)) = json.RawMessage(`{"id":"r1"}`)
	return nil
}

// BenchmarkHeldReplies reports the heap an echo bot keeps per message whose
// reply the platform has not answered yet (heap-B/reply), as with a
// thousand replies in flight to a slow platform. "last" is the echo bot,
// whose reply is its handler's last statement and runs without its
// coroutine (lastcall.go); "then-return" adds `return nil` after the reply,
// which keeps the handler parked on its coroutine as every handler was
// before: the difference is what a parked coroutine costs.
func BenchmarkHeldReplies(b *testing.B) {
	for _, c := range []struct{ name, handler string }{
		{"last", `function(ev) ev:reply(ev.text) end`},
		{"then-return", `function(ev) ev:reply(ev.text) return nil end`},
	} {
		b.Run(c.name, func(b *testing.B) { benchHeldReplies(b, c.handler) })
	}
}

func benchHeldReplies(b *testing.B, handler string) {
	const inFlight = 1000
	store, err := kv.Open(kv.Config{Path: filepath.Join(b.TempDir(), "b.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	path := filepath.Join(b.TempDir(), "bench.lua")
	writeFile(b, path, `on("message", `+handler+`)`)
	frames := make([][]byte, inFlight)
	for i := range frames {
		frames[i] = []byte(strings.Replace(frame1K, `"id":"08e092`, `"id":"`+strconv.Itoa(i)+`08e092`, 1))
	}
	var perReply float64
	for b.Loop() {
		api := heldAPI{calls: make(chan struct{}, inFlight), release: make(chan struct{})}
		s, err := loadScript(path, scriptDeps{api: api, store: store, logger: slog.New(slog.DiscardHandler),
			limits: Limits{Parked: 2 * inFlight}})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan struct{})
		go func() { s.run(ctx, time.Minute); close(ran) }()
		// A first event and reply, so that what every script has (its
		// reply window, a worker) is not counted per reply.
		deliverFrame(b, s, []byte(frame1K))
		<-api.calls
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for _, f := range frames {
			deliverFrame(b, s, f)
		}
		for range frames {
			<-api.calls
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perReply = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / inFlight
		close(api.release)
		cancel()
		<-ran
	}
	b.ReportMetric(perReply, "heap-B/reply")
}

func deliverFrame(b *testing.B, s *script, frame []byte) {
	ev, _, err := gateway.DecodeEvent(frame)
	if err != nil {
		b.Fatal(err)
	}
	s.deliver(ev)
}
