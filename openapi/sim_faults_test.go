package openapi_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

// Credentials, token expiry and injected failures against the simulator.

// TestSim_TokenExpiresMidTraffic keeps several callers busy for 2.5
// lifetimes of a 2 s access token, and halfway through expires every token
// at once: no call may fail. Once with tokens fetched on demand, once with
// the background refresher of Client.Run.
func TestSim_TokenExpiresMidTraffic(t *testing.T) {
	t.Parallel() // waits out token lifetimes; its own simulator
	const (
		ttl     = 2 * time.Second // refreshed every second: the forced expiry at 1.5 s stands until 2 s
		runFor  = 3 * time.Second
		workers = 3
	)
	for _, background := range []bool{false, true} {
		name := "on demand"
		if background {
			name = "background refresh"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs logBuffer
			srv, c := newSim(t, sim.Config{TokenTTL: ttl}, func(cfg *openapi.Config) { cfg.Logger = logs.logger() })
			ctx := simCtx(t)
			if background {
				runCtx, stop := context.WithCancel(ctx)
				done := make(chan error, 1)
				go func() { done <- c.Run(runCtx) }()
				t.Cleanup(func() {
					stop()
					if err := <-done; err != nil {
						t.Errorf("Run = %v", err)
					}
				})
			}
			w := srv.World()
			ch := w.Channels[0].ID
			in := mustPost(t, srv, sim.Post{ChannelID: ch, Content: "keep talking", MentionBot: true})
			calls := []func() error{
				func() error { _, err := c.Me(ctx); return err },
				func() error { _, err := c.Guild(ctx, w.Guild.ID); return err },
				func() error {
					_, err := c.PostMessage(ctx, ch, &openapi.MessageToCreate{Content: "still here", MsgID: in.ID})
					return err
				},
				func() error { _, err := c.Channels(ctx, w.Guild.ID); return err },
			}

			end := time.Now().Add(runFor)
			var wg sync.WaitGroup
			var mu sync.Mutex
			var failures []error
			made := 0
			for i := range workers {
				wg.Go(func() {
					// Paced: 120 calls a second in all still cross every refresh and
					// the forced expiry many times over; at 300 the two subtests took
					// 2 s of CPU under -race from the rest of the suite.
					tick := time.NewTicker(25 * time.Millisecond)
					defer tick.Stop()
					for n := i; time.Now().Before(end); n++ {
						err := calls[n%len(calls)]()
						mu.Lock()
						made++
						if err != nil {
							failures = append(failures, err)
						}
						mu.Unlock()
						select {
						case <-tick.C:
						case <-ctx.Done():
							return
						}
					}
				})
			}
			select {
			case <-time.After(runFor / 2):
				if err := srv.Inject(sim.Fault{Kind: sim.FaultExpireToken}); err != nil {
					t.Error(err)
				}
			case <-ctx.Done():
			}
			wg.Wait()

			for _, err := range failures {
				t.Errorf("a call failed: %v", err)
			}
			tokens := map[string]bool{}
			for _, s := range srv.Sent() {
				tokens[s.Authorization] = true
			}
			t.Logf("%d calls, %d distinct tokens on sends", made, len(tokens))
			// Refreshes at about 1 s and 2 s plus the forced expiry: at least three tokens served sends.
			if len(tokens) < 3 || made < 50 {
				t.Errorf("%d calls used %d distinct tokens, want at least 3", made, len(tokens))
			}
			if !strings.Contains(logs.String(), "access token rejected, refetching") {
				t.Error("the forced expiry never reached the 11244 refetch path")
			}
		})
	}
}

func TestSim_Credentials(t *testing.T) {
	t.Run("legacy bot token", func(t *testing.T) {
		srv, _ := newSim(t, sim.Config{}, nil)
		c, err := openapi.New(openapi.Config{AppID: srv.AppID(), Token: srv.BotToken(), BaseURL: srv.APIURL()})
		if err != nil {
			t.Fatal(err)
		}
		if me, err := c.Me(simCtx(t)); err != nil || !me.Bot {
			t.Errorf("Me with the legacy token = %+v, %v", me, err)
		}
	})
	t.Run("legacy bot token after 2025", func(t *testing.T) {
		srv, _ := newSim(t, sim.Config{Platform2025: true}, nil)
		c, err := openapi.New(openapi.Config{AppID: srv.AppID(), Token: srv.BotToken(), BaseURL: srv.APIURL()})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Me(simCtx(t))
		if e := wantAPIError(t, err, http.StatusUnauthorized, 11245); e.Hint() == "" || e.Attempts != 1 {
			t.Errorf("11245: hint %q, attempts %d", e.Hint(), e.Attempts)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		_, c := newSim(t, sim.Config{}, func(cfg *openapi.Config) { cfg.Secret = "not-the-secret" })
		_, err := c.Me(simCtx(t))
		wantCode := 100016 // the token service answers HTTP 200 with a code
		var e *openapi.Error
		if !errors.As(err, &e) || e.Code != wantCode || strings.Contains(err.Error(), "not-the-secret") {
			t.Errorf("Me with a wrong secret = %v, want code %d without the secret", err, wantCode)
		}
	})
}

// TestSim_Retry injects 429 and 5xx answers and checks what the client
// retries: 429 for every method, 5xx only for GET, PUT and DELETE.
func TestSim_Retry(t *testing.T) {
	t.Parallel() // waits out retry backoffs; its own simulators
	inject := func(t *testing.T, srv *sim.Server, status, count int) {
		t.Helper()
		if err := srv.Inject(sim.Fault{Kind: sim.FaultRESTStatus, Status: status, Count: count}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("429 three times, then success", func(t *testing.T) {
		srv, c := newSim(t, sim.Config{}, nil)
		ctx := simCtx(t)
		inject(t, srv, http.StatusTooManyRequests, 3)
		if me, err := c.Me(ctx); err != nil || me.ID != srv.World().Bot.ID {
			t.Fatalf("Me after three 429s = %+v, %v", me, err)
		}
		// Four in a row outlast the three retries: the fourth answer is the error.
		inject(t, srv, http.StatusTooManyRequests, 4)
		_, err := c.Me(ctx)
		e := wantAPIError(t, err, http.StatusTooManyRequests, 20028)
		if e.Attempts != 4 || e.Hint() == "" {
			t.Errorf("429 error: attempts %d (want 4), hint %q", e.Attempts, e.Hint())
		}
		// Exactly four requests consumed the fault: the next call goes through.
		if _, err := c.Me(ctx); err != nil {
			t.Errorf("Me after the fault = %v", err)
		}
	})

	t.Run("429 on a send is retried, and it is sent once", func(t *testing.T) {
		srv, c := newSim(t, sim.Config{}, nil)
		ctx := simCtx(t)
		ch := srv.World().Channels[0].ID
		in := mustPost(t, srv, sim.Post{ChannelID: ch, Content: "hi", MentionBot: true})
		inject(t, srv, http.StatusTooManyRequests, 3)
		sent, err := c.Reply(ctx, openapi.Source{Scene: openapi.SceneGuild, ChannelID: ch, MsgID: in.ID}, map[string]any{"content": "hello"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if all := srv.Sent(); len(all) != 1 || all[0].ID != sent.ID || all[0].MsgSeq != 1 {
			t.Errorf("the simulator recorded %+v, want the one reply with msg_seq 1", all)
		}
	})

	t.Run("5xx on GET, PUT and DELETE is retried", func(t *testing.T) {
		srv, c := newSim(t, sim.Config{}, nil)
		ctx := simCtx(t)
		w := srv.World()
		ch := w.Channels[0].ID
		m := mustPost(t, srv, sim.Post{ChannelID: ch, Content: "x"})
		smile := openapi.Emoji{Type: openapi.EmojiUnicode, ID: "128512"}
		for _, tc := range []struct {
			status int
			call   func() error
		}{
			{http.StatusInternalServerError, func() error { _, err := c.Guild(ctx, w.Guild.ID); return err }},
			{http.StatusBadGateway, func() error { return c.AddReaction(ctx, ch, m.ID, smile) }},
			{http.StatusServiceUnavailable, func() error { return c.DeleteReaction(ctx, ch, m.ID, smile) }},
			{http.StatusGatewayTimeout, func() error { _, err := c.Pins(ctx, ch); return err }},
		} {
			inject(t, srv, tc.status, 3)
			if err := tc.call(); err != nil {
				t.Errorf("call after three %ds = %v", tc.status, err)
			}
		}
		inject(t, srv, http.StatusInternalServerError, 4)
		_, err := c.Guild(ctx, w.Guild.ID)
		if e := wantAPIError(t, err, http.StatusInternalServerError, 500); e.Attempts != 4 || e.Hint() == "" {
			t.Errorf("5xx error: attempts %d (want 4), hint %q", e.Attempts, e.Hint())
		}
	})

	t.Run("5xx on an active send is not retried", func(t *testing.T) {
		srv, c := newSim(t, sim.Config{}, nil)
		ctx := simCtx(t)
		ch := srv.World().Channels[0].ID
		inject(t, srv, http.StatusInternalServerError, 1)
		_, err := c.PostMessage(ctx, ch, &openapi.MessageToCreate{Content: "news"})
		if e := wantAPIError(t, err, http.StatusInternalServerError, 500); e.Attempts != 1 {
			t.Errorf("an active send was sent %d times after a 500", e.Attempts)
		}
		if n := len(srv.Sent()); n != 0 {
			t.Fatalf("the simulator recorded %d messages", n)
		}
		// Even when the platform did store it: the answer is lost, the send is not repeated.
		if err := srv.Inject(sim.Fault{Kind: sim.FaultRESTStatus, Status: http.StatusBadGateway, After: true}); err != nil {
			t.Fatal(err)
		}
		_, err = c.PostMessage(ctx, ch, &openapi.MessageToCreate{Content: "news"})
		if e := wantAPIError(t, err, http.StatusBadGateway, 502); e.Attempts != 1 {
			t.Errorf("an active send was sent %d times after a 502", e.Attempts)
		}
		if n := len(srv.Sent()); n != 1 {
			t.Fatalf("the simulator recorded %d messages, want the one that got through", n)
		}
	})

	// A passive reply carries msg_id and msg_seq; the platform takes each pair
	// once, so repeating it with the same msg_seq cannot deliver it twice.
	for _, scene := range []string{sim.SceneGuild, sim.SceneGroup} {
		t.Run("5xx before a "+scene+" reply is processed: retried, one message", func(t *testing.T) {
			srv, c := newSim(t, sim.Config{}, nil)
			src := replySource(t, srv, scene)
			inject(t, srv, http.StatusInternalServerError, 2)
			sent, err := c.Reply(simCtx(t), src, map[string]any{"content": "one"}, nil)
			if err != nil {
				t.Fatalf("reply after two 500s = %v", err)
			}
			all := srv.Sent()
			if len(all) != 1 || all[0].ID != sent.ID || all[0].MsgSeq != 1 || sent.Deduplicated {
				t.Errorf("the simulator recorded %+v (answer %+v), want one reply with msg_seq 1", all, sent)
			}
		})
		t.Run("5xx after a "+scene+" reply was stored: the repeat is deduplicated, one message", func(t *testing.T) {
			srv, c := newSim(t, sim.Config{}, nil)
			src := replySource(t, srv, scene)
			if err := srv.Inject(sim.Fault{Kind: sim.FaultRESTStatus, Status: http.StatusServiceUnavailable, After: true}); err != nil {
				t.Fatal(err)
			}
			sent, err := c.Reply(simCtx(t), src, map[string]any{"content": "one"}, nil)
			if err != nil {
				t.Fatalf("reply after a lost answer = %v", err)
			}
			if !sent.Deduplicated || sent.ID != "" {
				t.Errorf("answer %+v, want Deduplicated and no id", sent)
			}
			if all := srv.Sent(); len(all) != 1 || all[0].MsgSeq != 1 || all[0].Content != "one" {
				t.Errorf("the simulator recorded %+v, want exactly one reply", all)
			}
			// The next reply is numbered after it and goes through.
			if _, err := c.Reply(simCtx(t), src, map[string]any{"content": "two"}, nil); err != nil {
				t.Fatal(err)
			}
			if s := lastSent(t, srv); s.MsgSeq != 2 || len(srv.Sent()) != 2 {
				t.Errorf("next reply: msg_seq %d, %d stored", s.MsgSeq, len(srv.Sent()))
			}
		})
	}

	t.Run("40054005 on a first attempt is an error", func(t *testing.T) {
		srv, c := newSim(t, sim.Config{}, nil)
		ctx := simCtx(t)
		src := replySource(t, srv, sim.SceneGuild)
		body := map[string]any{"content": "x", "msg_id": src.MsgID, "msg_seq": 1}
		if _, err := c.PostMessage(ctx, src.ChannelID, body); err != nil {
			t.Fatal(err)
		}
		_, err := c.PostMessage(ctx, src.ChannelID, body)
		wantAPIError(t, err, http.StatusBadRequest, openapi.CodeDuplicateSeq)
	})
	t.Run("latency within the deadline", func(t *testing.T) {
		srv, c := newSim(t, sim.Config{}, nil)
		if err := srv.Inject(sim.Fault{Kind: sim.FaultLatency, LatencyMS: 300}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(simCtx(t), 100*time.Millisecond)
		defer cancel()
		_, err := c.Me(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Me against a slow platform = %v, want the deadline", err)
		}
		if err := srv.Inject(sim.Fault{Kind: sim.FaultLatency}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Me(simCtx(t)); err != nil {
			t.Errorf("Me after the latency = %v", err)
		}
	})
}

// replySource has a user post in scene and returns it as a reply source.
func replySource(t *testing.T, srv *sim.Server, scene string) openapi.Source {
	t.Helper()
	w := srv.World()
	switch scene {
	case sim.SceneGroup:
		in := mustPost(t, srv, sim.Post{Scene: sim.SceneGroup, Content: "hi"})
		return openapi.Source{Scene: openapi.SceneGroup, GroupOpenID: w.Groups[0].OpenID, MsgID: in.ID}
	default:
		in := mustPost(t, srv, sim.Post{ChannelID: w.Channels[0].ID, Content: "hi", MentionBot: true})
		return openapi.Source{Scene: openapi.SceneGuild, ChannelID: w.Channels[0].ID, MsgID: in.ID}
	}
}

// TestSim_ActiveSendAfterRefusedConnection: a request that never reached the
// platform (the connection was refused) is repeated even when it is an
// active send.
func TestSim_ActiveSendAfterRefusedConnection(t *testing.T) {
	var refuse atomic.Int32
	var dialer net.Dialer
	tr := &http.Transport{
		DisableKeepAlives: true, // every request dials
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if refuse.Add(-1) >= 0 {
				return nil, &net.OpError{Op: "dial", Net: network, Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
	srv, c := newSim(t, sim.Config{}, func(cfg *openapi.Config) { cfg.HTTPClient = &http.Client{Transport: tr} })
	ctx := simCtx(t)
	ch := srv.World().Channels[0].ID
	if _, err := c.Me(ctx); err != nil { // fetches the token first
		t.Fatal(err)
	}
	refuse.Store(2)
	sent, err := c.PostMessage(ctx, ch, &openapi.MessageToCreate{Content: "news"})
	if err != nil {
		t.Fatalf("active send after two refused connections = %v", err)
	}
	if all := srv.Sent(); len(all) != 1 || all[0].ID != sent.ID {
		t.Errorf("the simulator recorded %+v, want the one send", all)
	}
	// Refused more often than the retries allow: the error says so.
	refuse.Store(10)
	_, err = c.PostMessage(ctx, ch, &openapi.MessageToCreate{Content: "news"})
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error = %v, want connection refused", err)
	}
}
