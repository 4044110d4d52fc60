package sim_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/sim"
)

// callbackBot is a webhook endpoint written from §10: it checks every
// signature, answers op 13, and fails the first delivery of each event.
type callbackBot struct {
	t   *testing.T
	key ed25519.PrivateKey

	mu        sync.Mutex
	validated bool
	attempts  map[string]int
	acked     chan string // event ids, once acknowledged
}

func seedKey(secret string) ed25519.PrivateKey {
	for len(secret) < 32 {
		secret += secret
	}
	return ed25519.NewKeyFromSeed([]byte(secret[:32]))
}

func (b *callbackBot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get("X-Signature-Timestamp")
	sig, err := hex.DecodeString(r.Header.Get("X-Signature-Ed25519"))
	pub := b.key.Public().(ed25519.PublicKey)
	if err != nil || !ed25519.Verify(pub, append([]byte(ts), body...), sig) ||
		r.ContentLength != int64(len(body)) || r.Header.Get("User-Agent") != "QQBot-Callback" ||
		r.Header.Get("X-Signature-Method") != "Ed25519" || r.Header.Get("X-Bot-Appid") == "" ||
		r.Header.Get("Content-Type") != "application/json" {
		b.t.Errorf("bad callback request: headers %v body %s", r.Header, body)
		return
	}
	var env struct {
		Op int             `json:"op"`
		ID string          `json:"id"`
		T  string          `json:"t"`
		D  json.RawMessage `json:"d"`
	}
	_ = json.Unmarshal(body, &env)
	switch env.Op {
	case 13:
		var d struct {
			PlainToken string `json:"plain_token"`
			EventTS    string `json:"event_ts"`
		}
		_ = json.Unmarshal(env.D, &d)
		b.mu.Lock()
		b.validated = true
		b.mu.Unlock()
		reply, _ := json.Marshal(map[string]string{"plain_token": d.PlainToken,
			"signature": hex.EncodeToString(ed25519.Sign(b.key, []byte(d.EventTS+d.PlainToken)))})
		_, _ = w.Write(reply)
	case 0:
		b.mu.Lock()
		b.attempts[env.ID]++
		first := b.attempts[env.ID] == 1
		b.mu.Unlock()
		if first {
			_, _ = w.Write([]byte(`{"op":12,"d":1}`))
			return
		}
		_, _ = w.Write([]byte(`{"op":12,"d":0}`))
		b.acked <- env.ID
	}
}

func TestWebhook_ValidatesSignsAndRetries(t *testing.T) {
	const secret = "naOC0ocQE3shWLAfffVLB1rhYPG7"
	bot := &callbackBot{t: t, key: seedKey(secret), attempts: map[string]int{}, acked: make(chan string, 4)}
	srv := httptest.NewServer(bot)
	t.Cleanup(srv.Close)
	s, err := sim.New(sim.Config{Secret: secret, WebhookURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	m, err := s.Post(sim.Post{Content: "over http", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-bot.acked:
		if id != m.EventID {
			t.Errorf("acked %s, want %s", id, m.EventID)
		}
	case <-testContext(t).Done():
		t.Fatal("event never acknowledged")
	}
	bot.mu.Lock()
	defer bot.mu.Unlock()
	if !bot.validated || bot.attempts[m.EventID] != 2 {
		t.Errorf("validated %v, attempts %v", bot.validated, bot.attempts)
	}
}

// The signature timestamp is the wall clock's, whatever the platform clock
// says: the bot compares it with its own clock to refuse replays, and a
// platform clock moved forward to test reply windows must not make every
// callback look stale.
func TestWebhook_SignatureTimestampIsWallClock(t *testing.T) {
	const secret = "naOC0ocQE3shWLAfffVLB1rhYPG7"
	stamps := make(chan string, 8)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		stamps <- r.Header.Get("X-Signature-Timestamp")
		var env struct {
			Op int `json:"op"`
			D  struct {
				PlainToken string `json:"plain_token"`
				EventTS    string `json:"event_ts"`
			} `json:"d"`
		}
		_ = json.Unmarshal(body, &env)
		if env.Op == 13 {
			sig := ed25519.Sign(seedKey(secret), []byte(env.D.EventTS+env.D.PlainToken))
			_ = json.NewEncoder(w).Encode(map[string]string{"plain_token": env.D.PlainToken, "signature": hex.EncodeToString(sig)})
			return
		}
		_, _ = w.Write([]byte(`{"op":12,"d":0}`))
	}))
	t.Cleanup(hook.Close)
	clock := newClock() // March 2025
	s := MustStart(t, sim.Config{Secret: secret, WebhookURL: hook.URL}, clock)
	clock.Advance(time.Hour)
	if _, err := s.Post(sim.Post{Content: "x", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	for range 2 { // the op-13 validation, then the event
		select {
		case ts := <-stamps:
			n, err := strconv.ParseInt(ts, 10, 64)
			if d := time.Since(time.Unix(n, 0)); err != nil || d < -time.Minute || d > time.Minute {
				t.Errorf("X-Signature-Timestamp %q is %v from the wall clock", ts, d)
			}
		case <-ctx.Done():
			t.Fatal("no callback")
		}
	}
}
