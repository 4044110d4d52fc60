package sim_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/sim"
)

// postURL is the send-message endpoint for the i-th channel.
func postURL(s *sim.Server, i int) string {
	return s.APIURL() + "/channels/" + s.World().Channels[i].ID + "/messages"
}

func TestPostMessage_Validation(t *testing.T) {
	clock := newClock()
	s := MustStart(t, sim.Config{}, clock)
	auth := "Authorization: QQBot " + MustToken(t, s)
	w := s.World()
	inGeneral, err := s.Post(sim.Post{Content: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	inRandom, err := s.Post(sim.Post{ChannelID: w.Channels[1].ID, Content: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	r := do(t, http.MethodPost, postURL(s, 0), `{"content":"mine"}`, auth)
	own := decode[map[string]any](t, r.body)["id"].(string)

	tests := []struct {
		name   string
		body   string
		ctype  string
		status int
		code   int
	}{
		{"empty object", `{}`, "", http.StatusBadRequest, 50006},
		{"all null", `{"content":null,"embed":null,"ark":null,"image":null,"markdown":null,"msg_id":null}`, "", http.StatusBadRequest, 50006},
		{"empty content", `{"content":""}`, "", http.StatusBadRequest, 50006},
		{"only keyboard", `{"keyboard":{"id":"1"}}`, "", http.StatusBadRequest, 50006},
		{"not json", `content=hi`, "", http.StatusBadRequest, 12002},
		{"content not a string", `{"content":5}`, "", http.StatusBadRequest, 12002},
		{"embed not an object", `{"embed":"x"}`, "", http.StatusBadRequest, 12002},
		{"multipart part without a name", "--b\r\n\r\n--b--\r\n", "multipart/form-data; boundary=b", http.StatusBadRequest, 50035},
		{"unknown msg id", `{"content":"x","msg_id":"08ffff"}`, "", http.StatusBadRequest, 304026},
		{"msg id from another channel", `{"content":"x","msg_id":"` + inRandom.ID + `"}`, "", http.StatusBadRequest, 304026},
		{"own message", `{"content":"x","msg_id":"` + own + `"}`, "", http.StatusBadRequest, 50045},
		{"unknown event id", `{"content":"x","event_id":"AT_MESSAGE_CREATE:nope"}`, "", http.StatusBadRequest, 304026},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctype := "application/json"
			if tt.ctype != "" {
				ctype = tt.ctype
			}
			checkError(t, do(t, http.MethodPost, postURL(s, 0), tt.body, auth, "Content-Type: "+ctype), tt.status, tt.code)
		})
	}

	t.Run("expired msg id", func(t *testing.T) {
		clock.Advance(5*time.Minute + time.Second)
		body := `{"content":"late","msg_id":"` + inGeneral.ID + `"}`
		checkError(t, do(t, http.MethodPost, postURL(s, 0), body, auth), http.StatusBadRequest, 304027)
	})
	if n := len(s.Sent()); n != 1 {
		t.Errorf("rejected messages were recorded: %d sent", n)
	}
}

func TestPostMessage_Reply(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	tok := MustToken(t, s)
	w := s.World()
	in, err := s.Post(sim.Post{AuthorID: w.Members[1].ID, Content: "ping", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	// botpy style: nulls, path params in the body, unknown keys.
	body := `{"content":"pong <@!` + in.Author.ID + `>","msg_id":"` + in.ID + `","msg_seq":2,"embed":null,` +
		`"channel_id":"` + w.Channels[0].ID + `","whatever":{"x":1}}`
	r := do(t, http.MethodPost, postURL(s, 0), body, "Authorization: QQBot "+tok, "X-Union-Appid: "+s.AppID())
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	checkJSONHeaders(t, r)
	got := decode[eventMessage](t, r.body)
	if got.ID == "" || got.ChannelID != w.Channels[0].ID || got.GuildID != w.Guild.ID ||
		got.Content != "pong <@!"+in.Author.ID+">" || !got.Author.Bot || got.Author.ID != w.Bot.ID ||
		got.Author.Username != w.Bot.Username {
		t.Errorf("response = %s", r.body)
	}
	if ts, err := time.Parse(time.RFC3339, got.Timestamp); err != nil || !strings.HasSuffix(got.Timestamp, "+08:00") {
		t.Errorf("timestamp %q (%v) %v", got.Timestamp, ts, err)
	}

	sent, err := s.WaitSent(testContext(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if sent.ID != got.ID || sent.Content != got.Content || sent.Author.ID != w.Bot.ID || sent.MsgID != in.ID ||
		sent.MsgSeq != 2 || sent.EventID != "" || sent.Authorization != "QQBot "+tok ||
		sent.UnionAppID != s.AppID() || string(sent.Body) != body || sent.Timestamp != got.Timestamp {
		t.Errorf("Sent()[0] = %+v", sent)
	}
	sent.Body[0] = 'X'
	if all := s.Sent(); len(all) != 1 || string(all[0].Body) != body {
		t.Error("Sent does not return copies")
	}
}

func TestPost_Errors(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	if _, err := s.Post(sim.Post{ChannelID: "1"}); !errors.Is(err, sim.ErrUnknownChannel) {
		t.Errorf("unknown channel: %v", err)
	}
	if _, err := s.Post(sim.Post{AuthorID: "1"}); !errors.Is(err, sim.ErrUnknownAuthor) {
		t.Errorf("unknown author: %v", err)
	}
	if _, err := s.Post(sim.Post{AuthorID: s.World().Bot.ID}); !errors.Is(err, sim.ErrUnknownAuthor) {
		t.Errorf("bot as author: %v", err)
	}
	m, err := s.Post(sim.Post{Content: "x", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	w := s.World()
	if m.ChannelID != w.Channels[0].ID || m.Author.ID != w.Members[0].ID || m.Content != "<@!"+w.Bot.ID+"> x" ||
		len(m.Mentions) != 1 || m.Mentions[0].ID != w.Bot.ID || m.GuildID != w.Guild.ID {
		t.Errorf("defaults: %+v", m)
	}
}

func TestWaitSent(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)

	short, cancel := context.WithTimeout(testContext(t), 50*time.Millisecond)
	defer cancel()
	if _, err := s.WaitSent(short, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitSent on nothing = %v, want deadline exceeded", err)
	}
	if _, err := s.WaitSent(testContext(t), -1); !errors.Is(err, sim.ErrNegativeIndex) {
		t.Fatalf("WaitSent(-1) = %v", err)
	}

	type result struct {
		m   sim.SentMessage
		err error
	}
	done := make(chan result, 1)
	ctx := testContext(t)
	go func() {
		m, err := s.WaitSent(ctx, 1)
		done <- result{m, err}
	}()
	do(t, http.MethodPost, postURL(s, 0), `{"content":"first"}`, auth)
	do(t, http.MethodPost, postURL(s, 0), `{"content":"second"}`, auth)
	res := <-done
	if res.err != nil || res.m.Content != "second" {
		t.Fatalf("WaitSent(1) = %+v, %v", res.m, res.err)
	}

	go func() {
		_, err := s.WaitSent(ctx, 5)
		done <- result{err: err}
	}()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if res := <-done; !errors.Is(res.err, sim.ErrServerClosed) {
		t.Fatalf("WaitSent across Close = %v", res.err)
	}
	if m, err := s.WaitSent(testContext(t), 0); err != nil || m.Content != "first" {
		t.Fatalf("WaitSent for a recorded message after Close = %+v, %v", m, err)
	}
}

func TestPostMessage_DelayIsConcurrent(t *testing.T) {
	const (
		n     = 50
		delay = 100 * time.Millisecond
	)
	s := MustStart(t, sim.Config{MessageDelay: delay}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	// Replies, since a channel takes only 20 active messages a day.
	posted, err := s.Post(sim.Post{Content: "talk to me"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx := testContext(t)
	var wg sync.WaitGroup
	results := make([]response, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = doErr(ctx, http.MethodPost, postURL(s, 0), fmt.Sprintf(`{"content":"m%d","msg_id":%q}`, i, posted.ID), auth)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	for i := range n {
		if errs[i] != nil || results[i].status != http.StatusOK {
			t.Fatalf("request %d: %v %d %s", i, errs[i], results[i].status, results[i].body)
		}
	}
	if elapsed < delay {
		t.Errorf("finished in %v, before the %v delay", elapsed, delay)
	}
	// Serial handling would take n×delay = 5 s.
	if elapsed > 2*time.Second {
		t.Errorf("%d delayed requests took %v; they are not served concurrently", n, elapsed)
	}
	if len(s.Sent()) != n {
		t.Errorf("sent %d, want %d", len(s.Sent()), n)
	}
}

func TestClose_EndsMessageDelay(t *testing.T) {
	s, err := sim.New(sim.Config{MessageDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	auth := "QQBot " + MustToken(t, s)
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest(http.MethodPost, postURL(s, 0), strings.NewReader(`{"content":"x"}`))
		req.Header.Set("Authorization", auth)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Close waited for MessageDelay")
	}
	<-done
	if n := len(s.Sent()); n != 0 {
		t.Fatalf("aborted request recorded %d messages", n)
	}
}

func TestPostMessage_EventID(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	c, _ := MustIdentify(t, s, sim.IntentPublicGuildMessages)
	if _, err := s.Post(sim.Post{Content: "hi", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	ev := c.readOp(0)
	body, _ := json.Marshal(map[string]any{"content": "ok", "event_id": ev.ID})
	r := do(t, http.MethodPost, postURL(s, 0), string(body), "Authorization: QQBot "+MustToken(t, s))
	if r.status != http.StatusOK {
		t.Fatalf("reply with event_id %q: %d %s", ev.ID, r.status, r.body)
	}
	if sent := s.Sent(); len(sent) != 1 || sent[0].EventID != ev.ID {
		t.Fatalf("Sent = %+v", sent)
	}
}

// An event_id reply names an event of the chat kind it answers in: a group
// or C2C message's event does not make a guild or DM send passive (§7.4).
func TestPostMessage_EventIDOfAnotherScene(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	g, err := s.Post(sim.Post{Scene: sim.SceneGroup, Content: "q"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Post(sim.Post{Scene: sim.SceneC2C, Content: "q"})
	if err != nil {
		t.Fatal(err)
	}
	dm, err := s.Post(sim.Post{Scene: sim.SceneDM, Content: "q"})
	if err != nil {
		t.Fatal(err)
	}
	reply := func(url, eventID string) response {
		return do(t, http.MethodPost, url, fmt.Sprintf(`{"content":"a","event_id":%q}`, eventID), auth)
	}
	dmURL := s.APIURL() + "/dms/" + dm.GuildID + "/messages"
	checkError(t, reply(postURL(s, 0), g.EventID), http.StatusBadRequest, 304026)
	checkError(t, reply(postURL(s, 0), c.EventID), http.StatusBadRequest, 304026)
	checkError(t, reply(postURL(s, 0), dm.EventID), http.StatusBadRequest, 304026)
	checkError(t, reply(dmURL, c.EventID), http.StatusBadRequest, 304026)
	if r := reply(dmURL, dm.EventID); r.status != http.StatusOK {
		t.Fatalf("DM reply to its DIRECT_MESSAGE_CREATE by event_id: %d %s", r.status, r.body)
	}
	if n := len(s.Sent()); n != 1 {
		t.Fatalf("%d messages sent, want the one DM reply", n)
	}
}
