package conformance_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencent-connect/botgo"
	"github.com/tencent-connect/botgo/constant"
	"github.com/tencent-connect/botgo/dto"
	"github.com/tencent-connect/botgo/event"
	"github.com/tencent-connect/botgo/token"

	"github.com/luabot/luabot/sim"
)

// waitTimeout bounds every wait; botgo spaces connects by at least 1 s.
const waitTimeout = 15 * time.Second

// quietLogger discards botgo's console logging.
type quietLogger struct{}

func (quietLogger) Debug(...any)          {}
func (quietLogger) Info(...any)           {}
func (quietLogger) Warn(...any)           {}
func (quietLogger) Error(...any)          {}
func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Sync() error           { return nil }

// bot is what botgo's handlers observed, fed through channels.
type bot struct {
	readies  chan *dto.WSReadyData
	messages chan *dto.WSATMessageData
	audios   chan typed[*dto.WSAudioData]
	threads  chan typed[*dto.WSThreadData]

	mu      sync.Mutex
	seen    map[string]int // message id → deliveries
	eventID map[string]string
}

func newBot() *bot {
	return &bot{
		readies:  make(chan *dto.WSReadyData, 16),
		messages: make(chan *dto.WSATMessageData, 64),
		audios:   make(chan typed[*dto.WSAudioData], 16),
		threads:  make(chan typed[*dto.WSThreadData], 16),
		seen:     make(map[string]int),
		eventID:  make(map[string]string),
	}
}

func (b *bot) ready(_ *dto.WSPayload, d *dto.WSReadyData) { b.readies <- d }

func (b *bot) atMessage(p *dto.WSPayload, d *dto.WSATMessageData) error {
	b.mu.Lock()
	b.seen[d.ID]++
	b.eventID[d.ID] = p.EventID
	b.mu.Unlock()
	b.messages <- d
	return nil
}

// typed is an event's data with its type, for handlers botgo shares
// between several event types.
type typed[T any] struct {
	t dto.EventType
	d T
}

func (b *bot) audio(p *dto.WSPayload, d *dto.WSAudioData) error {
	b.audios <- typed[*dto.WSAudioData]{p.Type, d}
	return nil
}

func (b *bot) thread(p *dto.WSPayload, d *dto.WSThreadData) error {
	b.threads <- typed[*dto.WSThreadData]{p.Type, d}
	return nil
}

func (b *bot) deliveries(id string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seen[id]
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("botgo did not receive %s within %v", what, waitTimeout)
		panic("unreachable")
	}
}

// expectMessage waits until botgo handled the message with the given id,
// skipping nothing: any other message first is a failure.
func (b *bot) expectMessage(t *testing.T, want sim.Message) *dto.WSATMessageData {
	t.Helper()
	got := receive(t, b.messages, "AT_MESSAGE_CREATE "+want.ID)
	if got.ID != want.ID {
		t.Fatalf("botgo got message %s (%q), want %s (%q)", got.ID, got.Content, want.ID, want.Content)
	}
	b.mu.Lock()
	id := b.eventID[got.ID]
	b.mu.Unlock()
	if id != want.EventID {
		t.Errorf("envelope id %q, want %q", id, want.EventID)
	}
	return got
}

func TestBotgo(t *testing.T) {
	// max_concurrency 2 makes botgo wait 1 s before each connect, not 2.
	s, err := sim.New(sim.Config{MaxConcurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	botgo.SetLogger(quietLogger{})
	constant.APIDomain = s.APIURL()
	constant.TokenDomain = s.TokenURL()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Token fetch: expires_in must be a string for botgo's decoder.
	ts := token.NewQQBotTokenSource(&token.QQBotCredentials{AppID: s.AppID(), AppSecret: s.Secret()})
	tok, err := ts.Token()
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	if tok.AccessToken == "" || tok.TokenType != "QQBot" || time.Until(tok.Expiry) < time.Hour {
		t.Fatalf("token = %+v", tok)
	}

	api := botgo.NewOpenAPI(s.AppID(), ts).WithTimeout(5 * time.Second)
	me, err := api.Me(ctx)
	if err != nil || me.ID != s.World().Bot.ID || !me.Bot {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	ap, err := api.WS(ctx, nil, "")
	if err != nil {
		t.Fatalf("WS: %v", err)
	}
	if ap.URL != s.GatewayURL() || ap.Shards != 1 || ap.SessionStartLimit.Remaining == 0 {
		t.Fatalf("gateway/bot = %+v", ap)
	}

	// Identify: botgo sends op 2 before reading Hello.
	b := newBot()
	intent := event.RegisterHandlers(event.ReadyHandler(b.ready), event.ATMessageEventHandler(b.atMessage),
		event.AudioEventHandler(b.audio), event.ThreadEventHandler(b.thread))
	go func() {
		// Start never returns: botgo's session manager has no stop.
		_ = botgo.NewSessionManager().Start(ap, ts, &intent)
	}()
	first := receive(t, b.readies, "READY")
	if first.SessionID == "" || first.User.ID != s.World().Bot.ID || first.Shard[1] != 1 {
		t.Fatalf("READY = %+v", first)
	}
	if err := s.WaitSessions(ctx, 1); err != nil {
		t.Fatal(err)
	}

	channel := s.World().Channels[0]
	t.Run("AT_MESSAGE_CREATE and a reply with msg_id", func(t *testing.T) {
		posted, err := s.Post(sim.Post{ChannelID: channel.ID, Content: "ping", MentionBot: true})
		if err != nil {
			t.Fatal(err)
		}
		got := b.expectMessage(t, posted)
		if got.ChannelID != channel.ID || got.GuildID != channel.GuildID || got.Author.ID != posted.Author.ID ||
			!strings.HasSuffix(got.Content, "ping") || len(got.Mentions) != 1 || got.Mentions[0].ID != s.World().Bot.ID {
			t.Errorf("botgo decoded %+v", got)
		}
		reply, err := api.PostMessage(ctx, got.ChannelID, &dto.MessageToCreate{Content: "pong", MsgID: got.ID})
		if err != nil {
			t.Fatalf("PostMessage: %v", err)
		}
		sent, err := s.WaitSent(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if reply.ID != sent.ID || reply.Content != "pong" || sent.MsgID != posted.ID ||
			!strings.HasPrefix(sent.Authorization, "QQBot ") || sent.UnionAppID != s.AppID() {
			t.Errorf("reply = %+v, recorded %+v", reply, sent)
		}
	})

	t.Run("resume after a drop loses no event", func(t *testing.T) {
		s.DropConnections()
		var posted []sim.Message
		for _, text := range []string{"while away 1", "while away 2", "while away 3"} {
			m, err := s.Post(sim.Post{ChannelID: channel.ID, Content: text, MentionBot: true})
			if err != nil {
				t.Fatal(err)
			}
			posted = append(posted, m)
		}
		for _, m := range posted {
			b.expectMessage(t, m)
		}
		if err := s.WaitSessions(ctx, 1); err != nil {
			t.Fatal(err)
		}
		assertNoReady(t, b)
	})

	t.Run("op 7 reconnect resumes the session", func(t *testing.T) {
		s.RequestReconnect()
		m, err := s.Post(sim.Post{ChannelID: channel.ID, Content: "after op 7", MentionBot: true})
		if err != nil {
			t.Fatal(err)
		}
		b.expectMessage(t, m)
		assertNoReady(t, b)
	})

	t.Run("op 9 makes botgo identify afresh", func(t *testing.T) {
		s.InvalidateSessions()
		again := receive(t, b.readies, "a new READY after op 9")
		if again.SessionID == first.SessionID {
			t.Errorf("session id %s reused after op 9", again.SessionID)
		}
		m, err := s.Post(sim.Post{ChannelID: channel.ID, Content: "after op 9", MentionBot: true})
		if err != nil {
			t.Fatal(err)
		}
		b.expectMessage(t, m)
	})

	for _, m := range s.Sent() {
		if n := b.deliveries(m.MsgID); m.MsgID != "" && n != 1 {
			t.Errorf("message %s delivered %d times", m.MsgID, n)
		}
	}

	// REST round-trips (rest_test.go), after the gateway steps so that
	// these sends do not shift the indexes they wait on.
	restEnv{ctx: ctx, s: s, api: api, b: b}.run(t)
}

// assertNoReady checks that botgo resumed instead of identifying again.
func assertNoReady(t *testing.T, b *bot) {
	t.Helper()
	select {
	case r := <-b.readies:
		t.Errorf("botgo identified again (session %s) instead of resuming", r.SessionID)
	default:
	}
}
