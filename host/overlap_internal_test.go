package host

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

// The two dispatches of one @-message, AT_MESSAGE_CREATE and MESSAGE_CREATE, reach the
// "message" handlers once even when the bot restarts between them (the second is
// replayed to the new process): the pair is remembered in the persisted dedup window.
func TestOverlap_RestartBetweenThePair(t *testing.T) {
	platform, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := platform.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { platform.Close() })
	api, err := openapi.New(openapi.Config{AppID: platform.AppID(), Secret: platform.Secret(),
		BaseURL: platform.APIURL(), TokenURL: platform.TokenURL()})
	if err != nil {
		t.Fatal(err)
	}
	// Posted while no session is connected: stored by the platform (so that replies
	// to it are accepted), delivered here by hand.
	post := func(text string) sim.Message {
		m, err := platform.Post(sim.Post{Content: text, MentionBot: true})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	event := func(typ string, m sim.Message) gateway.Event {
		d, _ := json.Marshal(map[string]any{"id": m.ID, "channel_id": m.ChannelID, "guild_id": m.GuildID,
			"content": m.Content, "timestamp": m.Timestamp, "author": map[string]any{"id": m.Author.ID}})
		return gateway.Event{Type: typ, ID: typ + ":" + m.ID, Data: d}
	}
	path := filepath.Join(t.TempDir(), "bot.db")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// run serves evs to echo.lua with the persisted dedup window, waits until the
	// platform has seen wantSent messages from the bot and everything settled, and stops.
	run := func(wantSent int, evs ...gateway.Event) {
		store, err := kv.Open(kv.Config{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		h, err := New(Config{API: api, Store: store})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Load("../examples/echo.lua"); err != nil {
			t.Fatal(err)
		}
		dedup, err := gateway.NewDedup(gateway.DedupConfig{Store: NewSessionStore(store)})
		if err != nil {
			t.Fatal(err)
		}
		h.dedup.Store(dedup)
		rctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			done <- h.serve(rctx, func(ctx context.Context, handle func(gateway.Event)) error {
				for _, ev := range evs {
					handle(ev)
				}
				<-ctx.Done()
				return nil
			})
		}()
		if _, err := platform.WaitSent(ctx, wantSent-1); err != nil {
			t.Fatal(err)
		}
		for !(h.Received() == uint64(len(evs)) && h.Idle()) {
			select {
			case <-ctx.Done():
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

	first, second := post("first"), post("second")
	run(1, event("AT_MESSAGE_CREATE", first))
	// The restarted bot gets the pair's other half, then a new message.
	run(2, event("MESSAGE_CREATE", first), event("AT_MESSAGE_CREATE", second))
	var got []string
	for _, m := range platform.Sent() {
		got = append(got, m.Content)
	}
	if len(got) != 2 || got[0] != "first" || got[1] != "second" {
		t.Fatalf("the bot sent %q; want first and second, once each", got)
	}
}
