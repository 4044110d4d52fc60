package host

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
)

// frame1K is a realistic AT_MESSAGE_CREATE frame of about 1 KB.
const frame1K = `{"op":0,"s":42,"t":"AT_MESSAGE_CREATE","id":"AT_MESSAGE_CREATE:5f8d2a4e-1b3c-4d5e-8f9a-0b1c2d3e4f5a","d":{` +
	`"id":"08e092eeb983afef9e0110f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9","guild_id":"18700000000001",` +
	`"channel_id":"100010","content":"<@!6158788878435714165> roll 20 please, and tell me what you rolled so I can compare",` +
	`"timestamp":"2021-05-20T15:14:58+08:00","author":{"id":"1234567890123456789","username":"someone with a long name",` +
	`"avatar":"http://thirdqq.qlogo.cn/g?b=oidb&k=abcdefghijklmnopqrstuvwxyz&s=0&t=1600000000","bot":false},` +
	`"member":{"joined_at":"2021-04-12T16:34:42+08:00","roles":["1","2","10177739"],"nick":"nickname"},` +
	`"mentions":[{"id":"6158788878435714165","username":"MyBot","avatar":"http://thirdqq.qlogo.cn/g?b=oidb&k=zyxwvutsrq&s=0","bot":true}],` +
	`"attachments":[{"id":"att1","url":"https://example.invalid/a.png","filename":"a.png","content_type":"image/png","height":100,"width":100,"size":2048}],` +
	`"seq":101,"seq_in_channel":"101","src_guild_id":"","message_reference":{"message_id":"08e092eeb983afef9e0110","ignore_get_message_error":true}}}`

// BenchmarkEventToHandler measures one event from the raw gateway frame to
// a trivial handler that reads a few fields: envelope decode, event object,
// coroutine, run.
func BenchmarkEventToHandler(b *testing.B) { benchEventToHandler(b, nil) }

// BenchmarkEventToHandlerObserved is BenchmarkEventToHandler with an Observer
// doing per handler what package metrics does (a cached counter lookup under a
// lock, an atomic add, a histogram bucket search and two atomic adds): what
// instrumentation costs on the hot path. host cannot import metrics here (it
// imports host), so the work is copied, not called.
func BenchmarkEventToHandlerObserved(b *testing.B) { benchEventToHandler(b, benchObserver{}) }

type benchObserver struct{}

func (benchObserver) Script(string) ScriptObserver {
	return &benchScriptObserver{runs: map[[2]string]*atomic.Uint64{}}
}
func (benchObserver) Reload(string, string) {}

type benchScriptObserver struct {
	mu      sync.Mutex
	runs    map[[2]string]*atomic.Uint64
	buckets [17]atomic.Uint64
	sum     atomic.Uint64
	count   atomic.Uint64
}

var benchBounds = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

func (o *benchScriptObserver) HandlerDone(event, outcome string, took time.Duration) {
	k := [2]string{event, outcome}
	o.mu.Lock()
	c, ok := o.runs[k]
	if !ok {
		c = new(atomic.Uint64)
		o.runs[k] = c
	}
	o.mu.Unlock()
	c.Add(1)
	o.buckets[sort.SearchFloat64s(benchBounds, took.Seconds())].Add(1)
	o.sum.Add(uint64(took))
	o.count.Add(1)
}

func (o *benchScriptObserver) Dropped() {}

func benchEventToHandler(b *testing.B, obs Observer) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(b.TempDir(), "b.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	path := filepath.Join(b.TempDir(), "bench.lua")
	writeFile(b, path, `n = 0
on("message", function(ev)
  if ev.text ~= "" and ev.author.id ~= "" then n = n + 1 end
end)`)
	handled, err := loadHandled(store, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	s, err := loadScript(path, scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler), handled: handled, observer: obs})
	if err != nil {
		b.Fatal(err)
	}
	defer s.L.Close()
	frame := []byte(frame1K)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ev, _, err := gateway.DecodeEvent(frame)
		if err != nil {
			b.Fatal(err)
		}
		s.dispatch(ev)
	}
	b.StopTimer()
	if n := s.L.GetGlobal("n").String(); n == "0" {
		b.Fatal("handler never ran")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEventToIncr is BenchmarkEventToHandler with a handler that does
// one kv.incr: the cost of a handler that writes (one bbolt transaction per
// incr, plus whatever makes it happen once per event).
func BenchmarkEventToIncr(b *testing.B) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(b.TempDir(), "b.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	path := filepath.Join(b.TempDir(), "bench.lua")
	writeFile(b, path, `on("message", function(ev) kv.incr("n") end)`)
	handled, err := loadHandled(store, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	s, err := loadScript(path, scriptDeps{api: &fakeAPI{}, store: store, logger: slog.New(slog.DiscardHandler), handled: handled})
	if err != nil {
		b.Fatal(err)
	}
	defer s.L.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		ev, _, err := gateway.DecodeEvent([]byte(strings.Replace(frame1K, `"id":"AT_MESSAGE_CREATE:`, `"id":"AT_MESSAGE_CREATE:`+strconv.Itoa(i), 1)))
		if err != nil {
			b.Fatal(err)
		}
		s.dispatch(ev)
	}
}

// replyAPI answers every request at once, as a platform with no latency
// would, and signals each one.
type replyAPI struct{ calls chan struct{} }

func (a replyAPI) Do(_ context.Context, _, _ string, _ url.Values, _, out any) error {
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = json.RawMessage(`{"id":"m1","timestamp":"2021-05-20T15:14:58+08:00"}`)
	}
	a.calls <- struct{}{}
	return nil
}

// BenchmarkEventToReply measures the echo bot's whole path in the host
// under load: a distinct message per event, the event object, ev:reply (the
// reply's bookkeeping, its worker, the request handed to the API) and the
// completion that resumes the handler, with up to 64 events in flight as
// `luabot bench --window` keeps them. What `luabot bench` adds to this is the
// network on both sides.
func BenchmarkEventToReply(b *testing.B) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(b.TempDir(), "b.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	path := filepath.Join(b.TempDir(), "bench.lua")
	writeFile(b, path, `on("message", function(ev) ev:reply(ev.text) end)`)
	const window = 64
	api := replyAPI{calls: make(chan struct{}, window)}
	s, err := loadScript(path, scriptDeps{api: api, store: store, logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { s.run(ctx, time.Second); close(ran) }()
	defer func() { cancel(); <-ran }()
	// Distinct messages, made beforehand, cycled: each gets a reply every
	// len(frames) events, as many numbered replies as a busy channel's.
	frames := make([][]byte, 1024)
	for i := range frames {
		frames[i] = []byte(strings.Replace(frame1K, `"id":"08e092`, `"id":"`+strconv.Itoa(i)+`08e092`, 1))
	}
	b.ReportAllocs()
	i, inFlight := 0, 0
	for b.Loop() {
		ev, _, err := gateway.DecodeEvent(frames[i%len(frames)])
		if err != nil {
			b.Fatal(err)
		}
		i++
		if inFlight == window {
			<-api.calls
			inFlight--
		}
		s.deliver(ev)
		inFlight++
	}
	for ; inFlight > 0; inFlight-- {
		<-api.calls
	}
}
