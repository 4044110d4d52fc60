package sim_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/sim"
)

type openEvent struct {
	ID          string `json:"id"`
	Content     string `json:"content"`
	Timestamp   string `json:"timestamp"`
	GroupID     string `json:"group_id"`
	GroupOpenID string `json:"group_openid"`
	Author      struct {
		ID           string `json:"id"`
		MemberOpenID string `json:"member_openid"`
		UserOpenID   string `json:"user_openid"`
	} `json:"author"`
}

func TestPost_GroupAndC2CEvents(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	w := s.World()
	c, _ := MustIdentify(t, s, sim.IntentGroupAndC2C)
	bob := w.Users[1]

	g, err := s.Post(sim.Post{Scene: sim.SceneGroup, AuthorID: bob.ID, Content: "hi group"})
	if err != nil {
		t.Fatal(err)
	}
	f := c.readOp(0)
	if f.T != "GROUP_AT_MESSAGE_CREATE" || f.ID != g.EventID || !strings.HasPrefix(f.ID, "GROUP_AT_MESSAGE_CREATE:") {
		t.Fatalf("frame %s", f.raw)
	}
	ge := decode[openEvent](t, f.D)
	if ge.ID != g.ID || !strings.HasPrefix(ge.ID, "ROBOT1.0_") || ge.Content != " hi group" ||
		ge.GroupID != w.Groups[0].OpenID || ge.GroupOpenID != ge.GroupID ||
		ge.Author.ID != bob.OpenID || ge.Author.MemberOpenID != bob.OpenID || len(bob.OpenID) != 32 {
		t.Errorf("group event %s", f.D)
	}

	m, err := s.Post(sim.Post{Scene: sim.SceneC2C, UserOpenID: bob.OpenID, Content: "hi bot"})
	if err != nil {
		t.Fatal(err)
	}
	f = c.readOp(0)
	ce := decode[openEvent](t, f.D)
	if f.T != "C2C_MESSAGE_CREATE" || ce.ID != m.ID || ce.Content != "hi bot" || ce.Author.ID != bob.OpenID || ce.Author.UserOpenID != bob.OpenID {
		t.Errorf("c2c frame %s", f.raw)
	}
	// Guild messages need other intents, so nothing else is queued.
	if _, err := s.Post(sim.Post{Content: "guild", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	c.heartbeatProbe()
}

func TestPost_DirectMessage(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	tok := MustToken(t, s)
	c, _ := MustIdentify(t, s, sim.IntentDirectMessages)
	m, err := s.Post(sim.Post{Scene: sim.SceneDM, Content: "psst"})
	if err != nil {
		t.Fatal(err)
	}
	f := c.readOp(0)
	d := decode[map[string]any](t, f.D)
	if f.T != "DIRECT_MESSAGE_CREATE" || d["direct_message"] != true || d["src_guild_id"] != s.World().Guild.ID ||
		d["guild_id"] != m.GuildID || m.GuildID == s.World().Guild.ID {
		t.Fatalf("dm frame %s", f.raw)
	}
	r := do(t, http.MethodPost, s.APIURL()+"/dms/"+m.GuildID+"/messages", `{"content":"hush","msg_id":"`+m.ID+`"}`, "Authorization: QQBot "+tok)
	if r.status != http.StatusOK {
		t.Fatalf("dm reply: %d %s", r.status, r.body)
	}
	if got := decode[map[string]any](t, r.body); got["direct_message"] != true || got["channel_id"] != m.ChannelID {
		t.Errorf("dm reply body %s", r.body)
	}
	// The DMS session endpoint returns the same session.
	r = do(t, http.MethodPost, s.APIURL()+"/users/@me/dms",
		fmt.Sprintf(`{"recipient_id":%q,"source_guild_id":%q}`, m.Author.ID, s.World().Guild.ID), "Authorization: QQBot "+tok)
	if d := decode[map[string]any](t, r.body); d["guild_id"] != m.GuildID || d["channel_id"] != m.ChannelID || d["create_time"] == "" {
		t.Errorf("dms = %s", r.body)
	}
}

func TestDelivery_GroupAndC2CReplies(t *testing.T) {
	clock := newClock()
	s := MustStart(t, sim.Config{}, clock)
	auth := "Authorization: QQBot " + MustToken(t, s)
	w := s.World()
	group := s.APIURL() + "/v2/groups/" + w.Groups[0].OpenID + "/messages"
	c2c := s.APIURL() + "/v2/users/" + w.Users[0].OpenID + "/messages"

	g, err := s.Post(sim.Post{Scene: sim.SceneGroup, Content: "q"})
	if err != nil {
		t.Fatal(err)
	}
	reply := func(url, msgID string, seq int) response {
		return do(t, http.MethodPost, url, fmt.Sprintf(`{"msg_type":0,"content":"a","msg_id":%q,"msg_seq":%d}`, msgID, seq), auth)
	}
	for seq := 1; seq <= 5; seq++ {
		r := reply(group, g.ID, seq)
		if r.status != http.StatusOK {
			t.Fatalf("reply %d: %d %s", seq, r.status, r.body)
		}
		body := decode[map[string]any](t, r.body)
		ts, _ := body["timestamp"].(string)
		if _, err := time.Parse(time.RFC3339, ts); err != nil || body["id"] == "" {
			t.Fatalf("group send response %s", r.body)
		}
	}
	checkError(t, reply(group, g.ID, 1), http.StatusBadRequest, 40054005) // msg_seq reused
	checkError(t, reply(group, g.ID, 6), http.StatusBadRequest, 22009)    // sixth reply
	checkError(t, reply(c2c, g.ID, 1), http.StatusBadRequest, 304026)     // another chat's message

	m, err := s.Post(sim.Post{Scene: sim.SceneC2C, Content: "q"})
	if err != nil {
		t.Fatal(err)
	}
	g2, err := s.Post(sim.Post{Scene: sim.SceneGroup, Content: "q2"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Minute) // past the group window, inside C2C's 60 min
	checkError(t, reply(group, g2.ID, 1), http.StatusBadRequest, 304027)
	if r := reply(c2c, m.ID, 1); r.status != http.StatusOK {
		t.Fatalf("c2c reply after 30 min: %d %s", r.status, r.body)
	}
	clock.Advance(31 * time.Minute)
	checkError(t, reply(c2c, m.ID, 2), http.StatusBadRequest, 304027)

	sent := s.Sent()
	if last := sent[len(sent)-1]; last.Scene != sim.SceneC2C || last.UserOpenID != w.Users[0].OpenID || last.MsgSeq != 1 {
		t.Errorf("last sent = %+v", last)
	}
	// Active group messages: 4 a month.
	for i := range 4 {
		if r := do(t, http.MethodPost, group, `{"content":"news"}`, auth); r.status != http.StatusOK {
			t.Fatalf("active %d: %d %s", i, r.status, r.body)
		}
	}
	checkError(t, do(t, http.MethodPost, group, `{"content":"news"}`, auth), http.StatusBadRequest, 22009)
}

func TestDelivery_Platform2025(t *testing.T) {
	s := MustStart(t, sim.Config{Platform2025: true}, nil)
	legacy := "Authorization: Bot " + s.AppID() + "." + s.BotToken()
	checkError(t, do(t, http.MethodGet, s.APIURL()+"/users/@me", "", legacy), http.StatusUnauthorized, 11245)
	auth := "Authorization: QQBot " + MustToken(t, s)
	url := s.APIURL() + "/v2/users/" + s.World().Users[0].OpenID + "/messages"
	checkError(t, do(t, http.MethodPost, url, `{"content":"hello?"}`, auth), http.StatusBadRequest, 40034102)

	c := dial(t, s)
	c.send(`{"op":2,"d":{"token":"Bot ` + s.AppID() + "." + s.BotToken() + `","intents":1}}`)
	c.expectClose(4004)
}

func TestDelivery_GuildActiveQuotaAndOwnMessage(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	var own string
	for i := range 20 {
		r := do(t, http.MethodPost, postURL(s, 1), `{"content":"push"}`, auth)
		if r.status != http.StatusOK {
			t.Fatalf("active %d: %d %s", i, r.status, r.body)
		}
		own = decode[map[string]any](t, r.body)["id"].(string)
	}
	checkError(t, do(t, http.MethodPost, postURL(s, 1), `{"content":"push"}`, auth), http.StatusBadRequest, 304045)
	checkError(t, do(t, http.MethodPost, postURL(s, 1), `{"content":"x","msg_id":"`+own+`"}`, auth), http.StatusBadRequest, 50045)
	// Other channels have their own quota.
	if r := do(t, http.MethodPost, postURL(s, 0), `{"content":"push"}`, auth); r.status != http.StatusOK {
		t.Fatalf("other channel: %d %s", r.status, r.body)
	}
}

func TestDelivery_Audit(t *testing.T) {
	s := MustStart(t, sim.Config{Audit: true}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	c, _ := MustIdentify(t, s, sim.IntentMessageAudit)
	r := do(t, http.MethodPost, postURL(s, 0), `{"content":"to audit"}`, auth)
	if r.status != http.StatusAccepted {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	body := decode[struct {
		Code int `json:"code"`
		Data struct {
			MessageAudit struct {
				AuditID string `json:"audit_id"`
			} `json:"message_audit"`
		} `json:"data"`
	}](t, r.body)
	if body.Code != 304023 || body.Data.MessageAudit.AuditID == "" {
		t.Fatalf("audit body %s", r.body)
	}
	f := c.readOp(0)
	pass := decode[map[string]string](t, f.D)
	sent := s.Sent()[0]
	if f.T != "MESSAGE_AUDIT_PASS" || pass["audit_id"] != body.Data.MessageAudit.AuditID || pass["message_id"] != sent.ID || sent.AuditID != pass["audit_id"] {
		t.Fatalf("audit event %s, sent %+v", f.raw, sent)
	}

	if err := s.Inject(sim.Fault{Kind: sim.FaultAuditReject}); err != nil {
		t.Fatal(err)
	}
	posted, err := s.Post(sim.Post{Content: "q"})
	if err != nil {
		t.Fatal(err)
	}
	r = do(t, http.MethodPost, postURL(s, 0), `{"content":"bad","msg_id":"`+posted.ID+`"}`, auth)
	if r.status != http.StatusAccepted || decode[map[string]any](t, r.body)["code"] != float64(304024) {
		t.Fatalf("reply audit: %d %s", r.status, r.body)
	}
	if f := c.readOp(0); f.T != "MESSAGE_AUDIT_REJECT" || strings.Contains(string(f.D), "message_id") {
		t.Fatalf("reject event %s", f.raw)
	}
}

func TestFiles_Upload(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	w := s.World()
	g, err := s.Post(sim.Post{Scene: sim.SceneGroup, Content: "pic?"})
	if err != nil {
		t.Fatal(err)
	}
	base := s.APIURL() + "/v2/groups/" + w.Groups[0].OpenID
	r := do(t, http.MethodPost, base+"/files", `{"file_type":1,"url":"https://example.invalid/a.png","srv_send_msg":false}`, auth)
	up := decode[struct {
		FileUUID string `json:"file_uuid"`
		FileInfo string `json:"file_info"`
		TTL      *int   `json:"ttl"`
	}](t, r.body)
	if _, err := base64.StdEncoding.DecodeString(up.FileInfo); err != nil || up.FileUUID == "" || up.TTL == nil {
		t.Fatalf("upload %d %s", r.status, r.body)
	}
	body := fmt.Sprintf(`{"msg_type":7,"content":" ","media":{"file_info":%q},"msg_id":%q}`, up.FileInfo, g.ID)
	if r := do(t, http.MethodPost, base+"/messages", body, auth); r.status != http.StatusOK {
		t.Fatalf("media send: %d %s", r.status, r.body)
	}
	checkError(t, do(t, http.MethodPost, base+"/messages", `{"msg_type":7,"media":{"file_info":"!"},"msg_id":"`+g.ID+`","msg_seq":2}`, auth),
		http.StatusBadRequest, 304083)
	checkError(t, do(t, http.MethodPost, base+"/files", `{"file_type":4,"url":"x"}`, auth), http.StatusBadRequest, 304082)
	// Recall the media message.
	id := s.Sent()[0].ID
	if r := do(t, http.MethodDelete, base+"/messages/"+id, "", auth); r.status != http.StatusOK {
		t.Fatalf("recall: %d %s", r.status, r.body)
	}
}
