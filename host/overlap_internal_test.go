package host

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/internal/simtest"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
	"github.com/luabot/luabot/transport"
)

// overlapRig feeds hand-made events to echo.lua on a fresh simulator, one process (host)
// at a time, over one kv file.
type overlapRig struct {
	t        *testing.T
	ctx      context.Context
	platform *sim.Server
	api      *openapi.Client
	path     string
}

func newOverlapRig(t *testing.T) *overlapRig {
	platform := simtest.Start(t, sim.Config{})
	api, err := openapi.New(openapi.Config{AppID: platform.AppID(), Secret: platform.Secret(),
		BaseURL: platform.APIURL(), TokenURL: platform.TokenURL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return &overlapRig{t: t, ctx: ctx, platform: platform, api: api, path: filepath.Join(t.TempDir(), "bot.db")}
}

// post stores a message on the platform while no session is connected, so that replies
// to it are accepted; the test delivers it by hand.
func (r *overlapRig) post(text string) sim.Message {
	m, err := r.platform.Post(sim.Post{Content: text, MentionBot: true})
	if err != nil {
		r.t.Fatal(err)
	}
	return m
}

// event is the dispatch of type typ for m, written by author (m's author if "").
func (r *overlapRig) event(typ string, m sim.Message, author string) gateway.Event {
	if author == "" {
		author = m.Author.ID
	}
	d, _ := json.Marshal(map[string]any{"id": m.ID, "channel_id": m.ChannelID, "guild_id": m.GuildID,
		"content": m.Content, "timestamp": m.Timestamp, "author": map[string]any{"id": author}})
	return gateway.Event{Type: typ, ID: typ + ":" + m.ID + ":" + author, Data: d}
}

// run serves evs to echo.lua with the persisted dedup window, waits until the platform
// has seen wantSent messages from the bot and everything settled, and stops.
func (r *overlapRig) run(wantSent int, evs ...gateway.Event) {
	t := r.t
	store, err := kv.Open(kv.Config{Path: r.path})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := New(Config{API: r.api, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Load("../examples/echo.lua"); err != nil {
		t.Fatal(err)
	}
	dedup, err := gateway.NewDedup(gateway.DedupConfig{Store: transport.NewSessionStore(store)})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(r.ctx)
	done := make(chan error, 1)
	go func() { done <- h.Run(rctx, rigSource{dedup, evs}) }()
	if _, err := r.platform.WaitSent(r.ctx, wantSent-1); err != nil {
		t.Fatal(err)
	}
	for !(h.Received() == uint64(len(evs)) && h.Idle()) {
		select {
		case <-r.ctx.Done():
			t.Fatal("the host did not settle")
		case <-time.After(time.Millisecond):
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := dedup.Flush(); err != nil {
		t.Fatal(err)
	}
}

// rigSource delivers its events by hand and keeps the persisted dedup window, as a
// transport does.
type rigSource struct {
	dedup *gateway.Dedup
	evs   []gateway.Event
}

func (s rigSource) Start(context.Context) error { return nil }
func (s rigSource) Flush()                      {}
func (s rigSource) Seen(key string) bool        { return s.dedup.Seen(key) }

func (s rigSource) Run(ctx context.Context, handle func(gateway.Event, func())) error {
	for _, ev := range s.evs {
		handle(ev, nil)
	}
	<-ctx.Done()
	return nil
}

func (r *overlapRig) sent() []string {
	var got []string
	for _, m := range r.platform.Sent() {
		got = append(got, m.Content)
	}
	return got
}

// The two dispatches of one @-message, AT_MESSAGE_CREATE and MESSAGE_CREATE, reach the
// "message" handlers once even when the bot restarts between them (the second is
// replayed to the new process): the pair is remembered in the persisted dedup window.
func TestOverlap_RestartBetweenThePair(t *testing.T) {
	r := newOverlapRig(t)
	first, second := r.post("first"), r.post("second")
	r.run(1, r.event("AT_MESSAGE_CREATE", first, ""))
	// The restarted bot gets the pair's other half, then a new message.
	r.run(2, r.event("MESSAGE_CREATE", first, ""), r.event("AT_MESSAGE_CREATE", second, ""))
	if got := r.sent(); len(got) != 2 || got[0] != "first" || got[1] != "second" {
		t.Fatalf("the bot sent %q; want first and second, once each", got)
	}
}

// A message the bot wrote itself, should the platform send it back as MESSAGE_CREATE or
// DIRECT_MESSAGE_CREATE, does not reach "message" handlers: echo does not answer itself.
func TestOverlap_OwnMessagesSkipped(t *testing.T) {
	r := newOverlapRig(t)
	bot := r.platform.World().Bot.ID
	ready, _ := json.Marshal(map[string]any{"session_id": "s", "user": map[string]any{"id": bot, "bot": true}})
	mine, theirs := r.post("mine"), r.post("theirs")
	r.run(1, gateway.Event{Type: "READY", Data: ready},
		r.event("MESSAGE_CREATE", mine, bot), r.event("DIRECT_MESSAGE_CREATE", mine, bot),
		r.event("MESSAGE_CREATE", theirs, ""))
	if got := r.sent(); len(got) != 1 || got[0] != "theirs" {
		t.Fatalf("the bot sent %q; want only the answer to theirs", got)
	}
}
