package sim_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"github.com/luabot/luabot/sim"
)

func TestGateway_HappyPath(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	w := s.World()
	c := dial(t, s)

	hello := c.readOp(10)
	if string(hello.raw) != `{"op":10,"d":{"heartbeat_interval":41250}}` {
		t.Errorf("hello = %s", hello.raw)
	}
	// botgo's frames carry an extra "Session":null key.
	c.send(`{"op":2,"d":{"token":"QQBot ` + MustToken(t, s) + `","intents":1073741825,"shard":[0,1],"properties":{}},"Session":null}`)
	ready := c.readOp(0)
	if ready.T != "READY" || ready.S == nil || *ready.S != 1 || !strings.HasPrefix(ready.ID, "READY:") {
		t.Fatalf("READY envelope = %s", ready.raw)
	}
	rd := decode[readyData](t, ready.D)
	if rd.Version != 1 || rd.User.ID != w.Bot.ID || rd.User.Username != w.Bot.Username || !rd.User.Bot ||
		len(rd.Shard) != 2 || rd.Shard[0] != 0 || rd.Shard[1] != 1 {
		t.Errorf("READY d = %s", ready.D)
	}
	if _, err := uuid.Parse(rd.SessionID); err != nil {
		t.Errorf("session_id %q: %v", rd.SessionID, err)
	}
	if err := s.WaitSessions(testContext(t), 1); err != nil {
		t.Fatal(err)
	}
	if s.Sessions() != 1 {
		t.Errorf("Sessions = %d", s.Sessions())
	}

	c.send(`{"op":1,"d":1}`)
	if ack := c.read(); string(ack.raw) != `{"op":11}` {
		t.Errorf("heartbeat ack = %s", ack.raw)
	}

	posted, err := s.Post(sim.Post{AuthorID: w.Members[2].ID, Content: "hello", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	ev := c.readOp(0)
	if ev.T != "AT_MESSAGE_CREATE" || ev.S == nil || *ev.S != 2 {
		t.Fatalf("event = %s", ev.raw)
	}
	id, ok := strings.CutPrefix(ev.ID, "AT_MESSAGE_CREATE:")
	if _, err := uuid.Parse(id); !ok || err != nil {
		t.Errorf("event id %q", ev.ID)
	}
	m := decode[eventMessage](t, ev.D)
	if m.ID != posted.ID || m.ChannelID != w.Channels[0].ID || m.GuildID != w.Guild.ID ||
		m.Content != "<@!"+w.Bot.ID+"> hello" || m.Author.ID != w.Members[2].ID || m.Author.Bot ||
		len(m.Mentions) != 1 || m.Mentions[0].ID != w.Bot.ID || !m.Mentions[0].Bot ||
		m.Timestamp != posted.Timestamp || len(m.Member.Roles) == 0 || m.Member.JoinedAt == "" || m.SeqInChannel == "" {
		t.Errorf("event d = %s", ev.D)
	}
	if _, err := time.Parse(time.RFC3339, m.Timestamp); err != nil || !strings.HasSuffix(m.Timestamp, "+08:00") {
		t.Errorf("timestamp %q", m.Timestamp)
	}

	// Without intent 1<<9 a plain message is not delivered: the next
	// mention arrives as s=3.
	if _, err := s.Post(sim.Post{Content: "plain"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Post(sim.Post{Content: "again", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if ev := c.readOp(0); ev.T != "AT_MESSAGE_CREATE" || *ev.S != 3 {
		t.Fatalf("got %s, want the second mention as s=3", ev.raw)
	}
}

func TestGateway_IdentifyBeforeHello(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	c := dial(t, s)
	// Like botgo: identify first, read afterwards.
	c.send(map[string]any{"op": 2, "d": identifyData{Token: "QQBot " + MustToken(t, s), Intents: sim.IntentGuilds}})
	c.readOp(10)
	if f := c.readOp(0); f.T != "READY" {
		t.Fatalf("got %s", f.raw)
	}
}

func TestGateway_HeartbeatBeforeReady(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	c := dial(t, s)
	c.readOp(10)
	c.send(`{"op":1,"d":null}`)
	c.readOp(11)
	c.send(`{"op":1,"d":0}`)
	c.readOp(11)
	c.send(`{"op":1}`)
	c.readOp(11)
}

func TestGateway_MessageCreateIntent(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	both, _ := MustIdentify(t, s, sim.IntentGuildMessages|sim.IntentPublicGuildMessages)
	plainOnly, _ := MustIdentify(t, s, sim.IntentGuildMessages)
	atOnly, _ := MustIdentify(t, s, sim.IntentPublicGuildMessages)

	posted, err := s.Post(sim.Post{ChannelID: s.World().Channels[1].ID, Content: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*wsClient{both, plainOnly} {
		ev := c.readOp(0)
		if ev.T != "MESSAGE_CREATE" || *ev.S != 2 || !strings.HasPrefix(ev.ID, "MESSAGE_CREATE:") {
			t.Fatalf("got %s", ev.raw)
		}
		if m := decode[eventMessage](t, ev.D); m.ID != posted.ID || m.Content != "plain" || len(m.Mentions) != 0 {
			t.Errorf("d = %s", ev.D)
		}
	}
	atOnly.heartbeatProbe()

	if _, err := s.Post(sim.Post{Content: "at", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	// A mention is a message of the channel too: a session holding both intents gets it
	// twice, with one message id and two event ids.
	at := both.readOp(0)
	if at.T != "AT_MESSAGE_CREATE" || *at.S != 3 {
		t.Fatalf("got %s", at.raw)
	}
	plain := both.readOp(0)
	if plain.T != "MESSAGE_CREATE" || *plain.S != 4 || plain.ID == at.ID || !strings.HasPrefix(plain.ID, "MESSAGE_CREATE:") {
		t.Fatalf("got %s after %s", plain.raw, at.raw)
	}
	if a, p := decode[eventMessage](t, at.D), decode[eventMessage](t, plain.D); a.ID != p.ID || a.Content != p.Content {
		t.Errorf("AT_MESSAGE_CREATE d = %s, MESSAGE_CREATE d = %s", at.D, plain.D)
	}
	both.heartbeatProbe()
	if ev := atOnly.readOp(0); ev.T != "AT_MESSAGE_CREATE" || *ev.S != 2 {
		t.Fatalf("got %s", ev.raw)
	}
	atOnly.heartbeatProbe()
	if ev := plainOnly.readOp(0); ev.T != "MESSAGE_CREATE" || *ev.S != 3 {
		t.Fatalf("got %s", ev.raw)
	}
	plainOnly.heartbeatProbe()
}

// Approval granted or revoked while the simulator runs applies to the next Identify.
func TestGateway_SetGrantedIntents(t *testing.T) {
	s := MustStart(t, sim.Config{GrantedIntents: sim.IntentGuilds | sim.IntentPublicGuildMessages}, nil)
	tok := MustToken(t, s)
	identify := func() *wsClient {
		c := dial(t, s)
		c.readOp(10)
		c.send(map[string]any{"op": 2, "d": identifyData{Token: "QQBot " + tok, Intents: sim.IntentPublicGuildMessages | sim.IntentGuildMessages}})
		return c
	}
	identify().expectClose(4014)

	both := sim.IntentPublicGuildMessages | sim.IntentGuildMessages
	r := do(t, http.MethodPost, s.ControlURL()+"/intents", `{"granted":`+strconv.Itoa(int(both))+`}`)
	if got := decode[map[string]uint32](t, r.body); r.status != http.StatusOK || got["granted"] != both {
		t.Fatalf("POST /sim/intents: %d %s", r.status, r.body)
	}
	if ev := identify().readOp(0); ev.T != "READY" {
		t.Fatalf("got %s", ev.raw)
	}

	if err := s.SetGrantedIntents(sim.IntentPublicGuildMessages); err != nil {
		t.Fatal(err)
	}
	identify().expectClose(4014)
	r = do(t, http.MethodGet, s.ControlURL()+"/intents", "")
	if got := decode[map[string]uint32](t, r.body); got["granted"] != sim.IntentPublicGuildMessages {
		t.Fatalf("GET /sim/intents: %d %s", r.status, r.body)
	}
	if r := do(t, http.MethodPost, s.ControlURL()+"/intents", `{}`); r.status != http.StatusBadRequest {
		t.Fatalf("POST /sim/intents without granted: %d %s", r.status, r.body)
	}
	if err := s.SetGrantedIntents(1 << 31); err == nil {
		t.Fatal("an unknown bit was accepted")
	}
	if s.SetGrantedIntents(0); s.GrantedIntents() != sim.AllIntents {
		t.Fatalf("0 granted %#x, want every intent", s.GrantedIntents())
	}
}

func TestGateway_IdentifyRejected(t *testing.T) {
	tests := []struct {
		name    string
		cfg     sim.Config
		payload func(s *sim.Server, token string) string
		code    int
	}{
		{"bad token", sim.Config{}, func(*sim.Server, string) string {
			return `{"token":"QQBot nope","intents":1}`
		}, 4004},
		{"bare access token", sim.Config{}, func(_ *sim.Server, tok string) string {
			return `{"token":"` + tok + `","intents":1}`
		}, 4004},
		{"unknown intent bit", sim.Config{}, func(_ *sim.Server, tok string) string {
			return `{"token":"QQBot ` + tok + `","intents":` + strconv.Itoa(1<<15) + `}`
		}, 4013},
		{"bit 31", sim.Config{}, func(_ *sim.Server, tok string) string {
			return `{"token":"QQBot ` + tok + `","intents":2147483648}`
		}, 4013},
		{"intents not a number", sim.Config{}, func(_ *sim.Server, tok string) string {
			return `{"token":"QQBot ` + tok + `","intents":"1"}`
		}, 4013},
		{"intents missing", sim.Config{}, func(_ *sim.Server, tok string) string {
			return `{"token":"QQBot ` + tok + `"}`
		}, 4013},
		{"legacy intent bit", sim.Config{}, func(_ *sim.Server, tok string) string {
			return `{"token":"QQBot ` + tok + `","intents":4}`
		}, 4014},
		{"not granted", sim.Config{GrantedIntents: sim.IntentGuilds | sim.IntentPublicGuildMessages}, func(_ *sim.Server, tok string) string {
			return `{"token":"QQBot ` + tok + `","intents":` + strconv.Itoa(int(sim.IntentGuildMessages)) + `}`
		}, 4014},
		{"shard id equals count", sim.Config{}, func(_ *sim.Server, tok string) string {
			return `{"token":"QQBot ` + tok + `","intents":1,"shard":[1,1]}`
		}, 4010},
		{"shard count zero", sim.Config{}, func(_ *sim.Server, tok string) string {
			return `{"token":"QQBot ` + tok + `","intents":1,"shard":[0,0]}`
		}, 4010},
		{"negative shard", sim.Config{}, func(_ *sim.Server, tok string) string {
			return `{"token":"QQBot ` + tok + `","intents":1,"shard":[-1,1]}`
		}, 4010},
		{"short shard", sim.Config{}, func(_ *sim.Server, tok string) string {
			return `{"token":"QQBot ` + tok + `","intents":1,"shard":[0]}`
		}, 4010},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustStart(t, tt.cfg, nil)
			c := dial(t, s)
			c.send(`{"op":2,"d":` + tt.payload(s, MustToken(t, s)) + `}`)
			c.expectClose(tt.code)
			if s.Sessions() != 0 {
				t.Errorf("Sessions = %d after a rejected identify", s.Sessions())
			}
		})
	}
}

func TestGateway_LegacyTokens(t *testing.T) {
	s := MustStart(t, sim.Config{GrantedIntents: sim.IntentGuilds | sim.IntentPublicGuildMessages}, nil)
	for _, tok := range []string{
		"Bot " + s.AppID() + "." + s.BotToken(),
		s.AppID() + "." + s.BotToken(), // botgo v0.1.6: no scheme
	} {
		c := dial(t, s)
		c.send(map[string]any{"op": 2, "d": identifyData{Token: tok, Intents: sim.IntentPublicGuildMessages}})
		c.readOp(10)
		if f := c.readOp(0); f.T != "READY" {
			t.Fatalf("token %q: got %s", tok, f.raw)
		}
	}
}

func TestGateway_InvalidFrames(t *testing.T) {
	tests := []struct {
		name     string
		identify bool
		frame    string
		code     int
	}{
		{"not json", false, `hello`, 4002},
		{"no op", false, `{"d":1}`, 4002},
		{"unknown op", false, `{"op":99}`, 4001},
		{"heartbeat with a string", false, `{"op":1,"d":"x"}`, 4002},
		{"second identify", true, `{"op":2,"d":{"token":"x","intents":1}}`, 4005},
		{"resume after identify", true, `{"op":6,"d":{"token":"x","session_id":"y","seq":0}}`, 4005},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustStart(t, sim.Config{}, nil)
			var c *wsClient
			if tt.identify {
				c, _ = MustIdentify(t, s, sim.IntentGuilds)
			} else {
				c = dial(t, s)
			}
			c.send(tt.frame)
			c.expectClose(tt.code)
		})
	}
}

func TestGateway_HeartbeatTimeout(t *testing.T) {
	t.Parallel() // waits on the heartbeat timer; its own server
	s := MustStart(t, sim.Config{HeartbeatInterval: 200 * time.Millisecond}, nil)
	tok := MustToken(t, s)
	c := dial(t, s)
	// Identify at once, so READY is not at the mercy of the short timer.
	c.send(map[string]any{"op": 2, "d": identifyData{Token: "QQBot " + tok, Intents: sim.IntentGuilds}})
	if hello := c.readOp(10); string(hello.D) != `{"heartbeat_interval":200}` {
		t.Errorf("hello = %s", hello.raw)
	}
	c.readOp(0)
	c.expectClose(4009)
}

func TestGateway_Shards(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	gid, _ := strconv.ParseUint(s.World().Guild.ID, 10, 64)
	owner := (gid >> 22) % 2
	clients := make([]*wsClient, 2)
	for i := range clients {
		var rd readyData
		clients[i], rd = MustIdentify(t, s, sim.IntentPublicGuildMessages, uint64(i), 2)
		if rd.Shard[0] != uint64(i) || rd.Shard[1] != 2 {
			t.Fatalf("READY shard = %v, want [%d 2]", rd.Shard, i)
		}
	}
	if _, err := s.Post(sim.Post{Content: "x", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if ev := clients[owner].readOp(0); ev.T != "AT_MESSAGE_CREATE" {
		t.Fatalf("owner shard got %s", ev.raw)
	}
	clients[1-owner].heartbeatProbe()
}

func TestGateway_DropAndResume(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	c, rd := MustIdentify(t, s, sim.IntentPublicGuildMessages)
	if _, err := s.Post(sim.Post{Content: "one", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if ev := c.readOp(0); *ev.S != 2 {
		t.Fatalf("got %s", ev.raw)
	}

	s.DropConnections()
	if n := s.Sessions(); n != 0 {
		t.Fatalf("Sessions = %d right after DropConnections", n)
	}
	_, err := c.readErr()
	var ce *websocket.CloseError
	if err == nil || (errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure) {
		t.Fatalf("read after drop = %v, want an abrupt end without close frame", err)
	}

	missed, err := s.Post(sim.Post{Content: "while away", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}

	// botgo v0.2.1 resumes with the bare access token.
	c2 := dial(t, s)
	c2.readOp(10)
	c2.send(map[string]any{"op": 6, "d": map[string]any{"token": MustToken(t, s), "session_id": rd.SessionID, "seq": 2}})
	replay := c2.readOp(0)
	if replay.T != "AT_MESSAGE_CREATE" || *replay.S != 3 || decode[eventMessage](t, replay.D).ID != missed.ID {
		t.Fatalf("replay = %s", replay.raw)
	}
	resumed := c2.readOp(0)
	if resumed.T != "RESUMED" || *resumed.S != 4 || string(resumed.D) != `""` {
		t.Fatalf("resumed = %s", resumed.raw)
	}
	if err := s.WaitSessions(testContext(t), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Post(sim.Post{Content: "back", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	if ev := c2.readOp(0); *ev.S != 5 {
		t.Fatalf("after resume got %s", ev.raw)
	}
}

func TestGateway_ResumeTakesOver(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	old, rd := MustIdentify(t, s, sim.IntentGuilds)
	c := dial(t, s)
	c.readOp(10)
	c.send(map[string]any{"op": 6, "d": map[string]any{"token": "QQBot " + MustToken(t, s), "session_id": rd.SessionID, "seq": 1}})
	if f := c.readOp(0); f.T != "RESUMED" || *f.S != 2 {
		t.Fatalf("got %s", f.raw)
	}
	old.expectClose(4902)
	if err := s.WaitSessions(testContext(t), 1); err != nil || s.Sessions() != 1 {
		t.Fatalf("Sessions = %d, %v", s.Sessions(), err)
	}
}

func TestGateway_ResumeRejected(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	_, rd := MustIdentify(t, s, sim.IntentGuilds)
	tests := []struct {
		name      string
		token     string
		sessionID string
		seq       int
		invalid   bool // op 9 before the close
		code      int
	}{
		{"unknown session", "", "00000000-0000-0000-0000-000000000000", 0, true, 4006},
		{"seq ahead", "", rd.SessionID, 7, true, 4007},
		{"bad token", "nope", rd.SessionID, 1, false, 4004},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.token
			if tok == "" {
				tok = "QQBot " + MustToken(t, s)
			}
			c := dial(t, s)
			c.readOp(10)
			c.send(map[string]any{"op": 6, "d": map[string]any{"token": tok, "session_id": tt.sessionID, "seq": tt.seq}})
			if tt.invalid {
				if f := c.readOp(9); string(f.raw) != `{"op":9,"d":false}` {
					t.Errorf("invalid session frame = %s", f.raw)
				}
			}
			c.expectClose(tt.code)
		})
	}
}

func TestGateway_RequestReconnect(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	c, _ := MustIdentify(t, s, sim.IntentGuilds)
	s.RequestReconnect()
	if s.Sessions() != 0 {
		t.Errorf("Sessions = %d", s.Sessions())
	}
	if f := c.readOp(7); string(f.raw) != `{"op":7}` {
		t.Errorf("reconnect frame = %s", f.raw)
	}
	c.expectClose(4009)
}

func TestServer_CloseEndsGateway(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	c, _ := MustIdentify(t, s, sim.IntentGuilds)
	waiting := make(chan error, 1)
	ctx := testContext(t)
	go func() { waiting <- s.WaitSessions(ctx, 2) }()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	c.expectClose(websocket.CloseGoingAway)
	if err := <-waiting; !errors.Is(err, sim.ErrServerClosed) {
		t.Fatalf("WaitSessions across Close = %v", err)
	}
	if s.Sessions() != 0 {
		t.Errorf("Sessions = %d after Close", s.Sessions())
	}
	if _, err := s.Post(sim.Post{Content: "x"}); !errors.Is(err, sim.ErrServerClosed) {
		t.Errorf("Post after Close = %v", err)
	}
}
