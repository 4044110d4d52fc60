package sim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/sim"
)

func TestControl_PostReplyAndListSent(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	c, _ := MustIdentify(t, s, sim.IntentPublicGuildMessages|sim.IntentGroupAndC2C)
	r := do(t, http.MethodPost, s.ControlURL()+"/messages", `{"content":"hello","mention_bot":true}`)
	if r.status != http.StatusOK {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	checkJSONHeaders(t, r)
	posted := decode[map[string]string](t, r.body)
	f := c.readOp(0)
	if f.T != "AT_MESSAGE_CREATE" || f.ID != posted["event_id"] || posted["scene"] != "guild" {
		t.Fatalf("frame %s for control answer %s", f.raw, r.body)
	}
	r = do(t, http.MethodPost, s.ControlURL()+"/messages", `{"scene":"group","content":"hi"}`)
	if f := c.readOp(0); f.T != "GROUP_AT_MESSAGE_CREATE" || r.status != http.StatusOK {
		t.Fatalf("group post %d %s, frame %s", r.status, r.body, f.raw)
	}

	auth := "Authorization: QQBot " + MustToken(t, s)
	body := fmt.Sprintf(`{"content":"pong","msg_id":%q,"msg_seq":1}`, posted["id"])
	if r := do(t, http.MethodPost, postURL(s, 0), body, auth); r.status != http.StatusOK {
		t.Fatalf("reply %d %s", r.status, r.body)
	}
	r = do(t, http.MethodGet, s.ControlURL()+"/sent?since=0&wait_ms=1000", "")
	sent := decode[[]struct {
		Index   int             `json:"index"`
		Scene   string          `json:"scene"`
		Content string          `json:"content"`
		MsgID   string          `json:"msg_id"`
		Body    json.RawMessage `json:"body"`
	}](t, r.body)
	if len(sent) != 1 || sent[0].Content != "pong" || sent[0].MsgID != posted["id"] || sent[0].Scene != "guild" || string(sent[0].Body) != body {
		t.Fatalf("sent = %s", r.body)
	}
	if r := do(t, http.MethodGet, s.ControlURL()+"/sent?since=1", ""); string(r.body) != "[]" {
		t.Errorf("since=1: %s", r.body)
	}

	checkError(t, do(t, http.MethodPost, s.ControlURL()+"/messages", `{"channel_id":"1"}`), http.StatusNotFound, 404)
	checkError(t, do(t, http.MethodPost, s.ControlURL()+"/messages", `{"scene":"space"}`), http.StatusBadRequest, 400)
	checkError(t, do(t, http.MethodGet, s.ControlURL()+"/nope", ""), http.StatusNotFound, 404)
	checkError(t, do(t, http.MethodDelete, s.ControlURL()+"/world", ""), http.StatusMethodNotAllowed, 405)
}

func TestControl_WorldEvents(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	all := sim.IntentGuilds | sim.IntentGuildMembers | sim.IntentGuildMessageReactions | sim.IntentInteraction
	c, _ := MustIdentify(t, s, all)

	r := do(t, http.MethodPost, s.ControlURL()+"/members", `{"username":"dave"}`)
	dave := decode[map[string]any](t, r.body)
	f := c.readOp(0)
	if d := decode[map[string]any](t, f.D); f.T != "GUILD_MEMBER_ADD" || d["guild_id"] != s.World().Guild.ID ||
		d["user"].(map[string]any)["id"] != dave["id"] || dave["openid"] == "" {
		t.Fatalf("member add %s", f.raw)
	}

	r = do(t, http.MethodPost, s.ControlURL()+"/guilds", `{"name":"second"}`)
	g := decode[map[string]any](t, r.body)
	if f := c.readOp(0); f.T != "GUILD_CREATE" || !strings.Contains(string(f.D), `"name":"second"`) {
		t.Fatalf("guild create %s", f.raw)
	}
	if w := s.World(); len(w.Guilds) != 2 || w.Guilds[1].ID != g["id"] {
		t.Errorf("guilds = %+v", w.Guilds)
	}

	posted, err := s.Post(sim.Post{Content: "react to me"})
	if err != nil {
		t.Fatal(err)
	}
	r = do(t, http.MethodPost, s.ControlURL()+"/reactions",
		fmt.Sprintf(`{"channel_id":%q,"message_id":%q,"emoji_type":2,"emoji_id":"128512"}`, posted.ChannelID, posted.ID))
	if r.status != http.StatusNoContent {
		t.Fatalf("react %d %s", r.status, r.body)
	}
	if f := c.readOp(0); f.T != "MESSAGE_REACTION_ADD" || !strings.Contains(string(f.D), `"target":{"id":"`+posted.ID+`","type":0}`) {
		t.Fatalf("reaction %s", f.raw)
	}
	unreact := fmt.Sprintf(`{"channel_id":%q,"message_id":%q,"emoji_type":2,"emoji_id":"128512","remove":true}`, posted.ChannelID, posted.ID)
	if r := do(t, http.MethodPost, s.ControlURL()+"/reactions", unreact); r.status != http.StatusNoContent {
		t.Fatalf("unreact %d %s", r.status, r.body)
	}
	if f := c.readOp(0); f.T != "MESSAGE_REACTION_REMOVE" || !strings.Contains(string(f.D), `"emoji":{"id":"128512","type":2}`) {
		t.Fatalf("reaction removal %s", f.raw)
	}
	// Taken back already: nothing to remove, and no event.
	checkError(t, do(t, http.MethodPost, s.ControlURL()+"/reactions", unreact), http.StatusBadRequest, 400)

	r = do(t, http.MethodPost, s.ControlURL()+"/interactions", `{"scene":"c2c","button_id":"1","button_data":"go"}`)
	in := decode[map[string]any](t, r.body)
	f = c.readOp(0)
	d := decode[map[string]any](t, f.D)
	if f.T != "INTERACTION_CREATE" || f.ID != in["event_id"] || d["id"] != in["id"] || d["scene"] != "c2c" || d["chat_type"] != float64(2) {
		t.Fatalf("interaction %s", f.raw)
	}
	// botgo acknowledges with a text/plain body.
	auth := "Authorization: QQBot " + MustToken(t, s)
	id := in["id"].(string)
	if r := do(t, http.MethodPut, s.APIURL()+"/interactions/"+id, `{"code":0}`, auth, "Content-Type: text/plain; charset=utf-8"); r.status != http.StatusNoContent {
		t.Fatalf("ack %d %s", r.status, r.body)
	}
	if got, _ := s.Interaction(id); !got.Acked || got.AckBody != `{"code":0}` {
		t.Errorf("interaction = %+v", got)
	}
	// An event_id reply to the click is passive.
	c2c := s.APIURL() + "/v2/users/" + s.World().Users[0].OpenID + "/messages"
	if r := do(t, http.MethodPost, c2c, fmt.Sprintf(`{"content":"ok","event_id":%q}`, in["event_id"]), auth); r.status != http.StatusOK {
		t.Fatalf("event_id reply %d %s", r.status, r.body)
	}
}

func TestFault_REST(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	me := s.APIURL() + "/users/@me"
	if r := do(t, http.MethodPost, s.ControlURL()+"/faults", `{"kind":"rest_status","status":429,"count":2}`); r.status != http.StatusNoContent {
		t.Fatalf("inject %d %s", r.status, r.body)
	}
	checkError(t, do(t, http.MethodGet, me, "", auth), http.StatusTooManyRequests, 20028)
	checkError(t, do(t, http.MethodGet, me, "", auth), http.StatusTooManyRequests, 20028)
	if r := do(t, http.MethodGet, me, "", auth); r.status != http.StatusOK {
		t.Fatalf("third request %d", r.status)
	}
	if err := s.Inject(sim.Fault{Kind: sim.FaultRESTStatus, Status: 503}); err != nil {
		t.Fatal(err)
	}
	checkError(t, do(t, http.MethodGet, me, "", auth), http.StatusServiceUnavailable, 503)

	if err := s.Inject(sim.Fault{Kind: sim.FaultExpireToken}); err != nil {
		t.Fatal(err)
	}
	checkError(t, do(t, http.MethodGet, me, "", auth), http.StatusUnauthorized, 11244)

	// Latency holds every response at least that long.
	if err := s.Inject(sim.Fault{Kind: sim.FaultLatency, LatencyMS: 50}); err != nil {
		t.Fatal(err)
	}
	auth = "Authorization: QQBot " + MustToken(t, s)
	start := time.Now()
	if r := do(t, http.MethodGet, me, "", auth); r.status != http.StatusOK || time.Since(start) < 50*time.Millisecond {
		t.Errorf("with latency: %d after %v", r.status, time.Since(start))
	}
	if err := s.Inject(sim.Fault{Kind: sim.FaultLatency}); err != nil {
		t.Fatal(err)
	}

	for _, bad := range []string{`{"kind":"nope"}`, `{"kind":"rest_status","status":404}`, `{"kind":"close","code":1006}`, `{"kind":"latency","latency_ms":-1}`} {
		checkError(t, do(t, http.MethodPost, s.ControlURL()+"/faults", bad), http.StatusBadRequest, 12002)
	}
}

func TestFault_Gateway(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	inject := func(f string) {
		t.Helper()
		if r := do(t, http.MethodPost, s.ControlURL()+"/faults", f); r.status != http.StatusNoContent {
			t.Fatalf("inject %s: %d %s", f, r.status, r.body)
		}
	}

	c, _ := MustIdentify(t, s, sim.IntentGuilds)
	inject(`{"kind":"unknown_op","op":42}`)
	if f := c.read(); f.Op != 42 {
		t.Fatalf("got %s", f.raw)
	}
	inject(`{"kind":"unknown_event","event":"FUTURE_EVENT"}`)
	if f := c.readOp(0); f.T != "FUTURE_EVENT" || f.S == nil || *f.S != 2 || !strings.HasPrefix(f.ID, "FUTURE_EVENT:") {
		t.Fatalf("got %s", f.raw)
	}
	inject(`{"kind":"malformed"}`)
	if _, b, err := c.c.ReadMessage(); err != nil || json.Valid(b) {
		t.Fatalf("malformed frame = %q, %v", b, err)
	}
	inject(`{"kind":"close","code":4900,"reason":"internal"}`)
	c.expectClose(4900)

	c, ready := MustIdentify(t, s, sim.IntentGuilds)
	inject(`{"kind":"invalid_session"}`)
	if f := c.readOp(9); string(f.raw) != `{"op":9,"d":false}` {
		t.Errorf("op 9 = %s", f.raw)
	}
	c.expectClose(4006)
	// The session is gone: resuming it fails the same way.
	c2 := dial(t, s)
	c2.send(fmt.Sprintf(`{"op":6,"d":{"token":%q,"session_id":%q,"seq":1}}`, MustToken(t, s), ready.SessionID))
	c2.readOp(10)
	c2.readOp(9)
	c2.expectClose(4006)
}

func TestGateway_SeveralShards(t *testing.T) {
	s := MustStart(t, sim.Config{Shards: 2}, nil)
	r := do(t, http.MethodGet, s.APIURL()+"/gateway/bot", "", "Authorization: QQBot "+MustToken(t, s))
	if gb := decode[map[string]any](t, r.body); gb["shards"] != float64(2) {
		t.Fatalf("gateway/bot %s", r.body)
	}
	shard0, _ := MustIdentify(t, s, sim.IntentPublicGuildMessages|sim.IntentGuilds, 0, 2)
	shard1, _ := MustIdentify(t, s, sim.IntentPublicGuildMessages|sim.IntentGuilds, 1, 2)
	second, err := s.JoinGuild("odd") // the next guild id lands on the other shard
	if err != nil {
		t.Fatal(err)
	}
	first := s.World().Guild
	var ch2 string
	for _, g := range decode[struct {
		Guilds []struct {
			ID       string `json:"id"`
			Channels []struct {
				ID string `json:"id"`
			} `json:"channels"`
		} `json:"guilds"`
	}](t, do(t, http.MethodGet, s.ControlURL()+"/world", "").body).Guilds {
		if g.ID == second.ID {
			ch2 = g.Channels[0].ID
		}
	}
	owner := map[string]*wsClient{}
	for _, c := range []*wsClient{shard0, shard1} {
		c.send(`{"op":1,"d":null}`)
		for {
			f := c.read()
			if f.Op == 11 {
				break
			}
			if f.T == "GUILD_CREATE" {
				owner[second.ID] = c
			}
		}
	}
	if owner[second.ID] == nil {
		t.Fatal("no shard got GUILD_CREATE")
	}
	m1, _ := s.Post(sim.Post{Content: "one", MentionBot: true})
	m2, err := s.Post(sim.Post{ChannelID: ch2, Content: "two", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	if m1.GuildID != first.ID {
		t.Fatal("first post went elsewhere")
	}
	other := shard0
	if owner[second.ID] == shard0 {
		other = shard1
	}
	if f := owner[second.ID].readOp(0); !strings.Contains(string(f.D), m2.ID) {
		t.Errorf("owner of the second guild got %s", f.raw)
	}
	if f := other.readOp(0); !strings.Contains(string(f.D), m1.ID) {
		t.Errorf("other shard got %s", f.raw)
	}
	shard0.heartbeatProbe()
	shard1.heartbeatProbe()
}

func TestREST_OversizedBody(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	big := `{"content":"` + strings.Repeat("x", 1<<20) + `"}`
	checkError(t, do(t, http.MethodPost, postURL(s, 0), big, "Authorization: QQBot "+MustToken(t, s)), http.StatusRequestEntityTooLarge, 413)
}

func TestControl_Voice(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	a := newAPI(t, s)
	voice := mustChannel(a, "lounge", 2, "")
	w := s.World()
	bob := w.Members[1].ID
	members := func() []string {
		var ids []string
		for _, m := range decode[[]struct {
			User struct {
				ID string `json:"id"`
			} `json:"user"`
		}](t, a.call(http.MethodGet, "/channels/"+voice+"/voice/members", "", http.StatusOK).body) {
			ids = append(ids, m.User.ID)
		}
		return ids
	}

	if r := do(t, http.MethodPost, s.ControlURL()+"/voice", fmt.Sprintf(`{"channel_id":%q,"user_id":%q}`, voice, bob)); r.status != http.StatusOK {
		t.Fatalf("join: %d %s", r.status, r.body)
	}
	if got := members(); len(got) != 1 || got[0] != bob {
		t.Fatalf("voice members after join = %v, want [%s]", got, bob)
	}
	if r := do(t, http.MethodPost, s.ControlURL()+"/voice", fmt.Sprintf(`{"channel_id":%q,"user_id":%q,"leave":true}`, voice, bob)); r.status != http.StatusOK {
		t.Fatalf("leave: %d %s", r.status, r.body)
	}
	if got := members(); len(got) != 0 {
		t.Fatalf("voice members after leave = %v", got)
	}
	checkError(t, do(t, http.MethodPost, s.ControlURL()+"/voice", `{"channel_id":"1"}`), http.StatusNotFound, 404)
	checkError(t, do(t, http.MethodPost, s.ControlURL()+"/voice", fmt.Sprintf(`{"channel_id":%q}`, w.Channels[0].ID)), http.StatusBadRequest, 400)
}

// token_status makes the token service answer the next requests with a 5xx
// (an outage), then it is back; rest_status with after:true lets the
// request take effect and loses its answer.
func TestFault_TokenOutageAndLostAnswer(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	if r := do(t, http.MethodPost, s.ControlURL()+"/faults", `{"kind":"token_status","status":503,"count":2}`); r.status != http.StatusNoContent {
		t.Fatalf("inject %d %s", r.status, r.body)
	}
	for range 2 {
		r, _ := requestToken(t, s, credentials(s))
		checkError(t, r, http.StatusServiceUnavailable, 503)
	}
	auth := "Authorization: QQBot " + MustToken(t, s)

	ch := s.World().Channels[0].ID
	in, err := s.Post(sim.Post{ChannelID: ch, Content: "hi", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Inject(sim.Fault{Kind: sim.FaultRESTStatus, Status: 500, After: true}); err != nil {
		t.Fatal(err)
	}
	send := s.APIURL() + "/channels/" + ch + "/messages"
	body := `{"content":"pong","msg_id":"` + in.ID + `","msg_seq":1}`
	checkError(t, do(t, http.MethodPost, send, body, auth), http.StatusInternalServerError, 500)
	if n := len(s.Sent()); n != 1 {
		t.Fatalf("%d messages stored after the lost answer, want 1", n)
	}
	// The repeat names the same msg_seq: deduplicated.
	checkError(t, do(t, http.MethodPost, send, body, auth), http.StatusBadRequest, 40054005)
	if n := len(s.Sent()); n != 1 {
		t.Fatalf("%d messages stored after the repeat, want 1", n)
	}
	// A 500 before processing stores nothing.
	if err := s.Inject(sim.Fault{Kind: sim.FaultRESTStatus, Status: 500}); err != nil {
		t.Fatal(err)
	}
	body2 := `{"content":"pong","msg_id":"` + in.ID + `","msg_seq":2}`
	checkError(t, do(t, http.MethodPost, send, body2, auth), http.StatusInternalServerError, 500)
	if r := do(t, http.MethodPost, send, body2, auth); r.status != http.StatusOK || len(s.Sent()) != 2 {
		t.Fatalf("msg_seq 2 after a 500 before processing: %d %s, %d stored", r.status, r.body, len(s.Sent()))
	}
	for _, bad := range []string{`{"kind":"token_status","status":401}`} {
		checkError(t, do(t, http.MethodPost, s.ControlURL()+"/faults", bad), http.StatusBadRequest, 12002)
	}
}

func TestControl_Sessions(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	if r := do(t, http.MethodGet, s.ControlURL()+"/sessions", ""); string(r.body) != `{"connected":0}` {
		t.Fatalf("before identify: %d %s", r.status, r.body)
	}
	// The wait ends when the session is READY, not at wait_ms.
	got := make(chan response, 1)
	go func() {
		r, _ := doErr(testContext(t), http.MethodGet, s.ControlURL()+"/sessions?min=1&wait_ms=60000", "")
		got <- r
	}()
	MustIdentify(t, s, sim.IntentPublicGuildMessages)
	select {
	case r := <-got:
		if string(r.body) != `{"connected":1}` {
			t.Fatalf("after identify: %d %s", r.status, r.body)
		}
	case <-testContext(t).Done():
		t.Fatal("GET /sim/sessions?min=1 did not return once a session was READY")
	}
	checkError(t, do(t, http.MethodGet, s.ControlURL()+"/sessions?min=x&wait_ms=10", ""), http.StatusBadRequest, 12002)
}
