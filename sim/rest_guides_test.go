package sim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/luabot/luabot/sim"
)

// Message editing, setting guides and channel announcements.

// sentMessage is the Message a send, edit or guide answers with.
type sentMessage struct {
	ID              string `json:"id"`
	ChannelID       string `json:"channel_id"`
	GuildID         string `json:"guild_id"`
	Content         string `json:"content"`
	Timestamp       string `json:"timestamp"`
	EditedTimestamp string `json:"edited_timestamp"`
	Author          struct {
		ID  string `json:"id"`
		Bot bool   `json:"bot"`
	} `json:"author"`
	SeqInChannel  string `json:"seq_in_channel"`
	DirectMessage bool   `json:"direct_message"`
	SrcGuildID    string `json:"src_guild_id"`
	Attachments   []struct {
		URL         string `json:"url"`
		Filename    string `json:"filename"`
		ContentType string `json:"content_type"`
		Height      *int   `json:"height"`
		Width       *int   `json:"width"`
		Size        *int   `json:"size"`
	} `json:"attachments"`
}

func TestPatchMessage(t *testing.T) {
	clock := newClock()
	s := MustStart(t, sim.Config{}, clock)
	a := newAPI(t, s)
	w := s.World()
	ch, other := w.Channels[0].ID, w.Channels[1].ID
	c, _ := MustIdentify(t, s, sim.IntentGuildMessages|sim.IntentPublicGuildMessages)
	in, err := s.Post(sim.Post{Content: "menu?", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	c.readOp(0) // the AT_MESSAGE_CREATE of in
	c.readOp(0) // and its MESSAGE_CREATE

	const md, kb = `{"content":"# menu"}`, `{"id":"kb1"}`
	r := a.call(http.MethodPost, "/channels/"+ch+"/messages",
		`{"content":"text","markdown":`+md+`,"keyboard":`+kb+`,"msg_id":"`+in.ID+`"}`, http.StatusOK)
	own := decode[sentMessage](t, r.body)
	plain := decode[sentMessage](t, a.call(http.MethodPost, "/channels/"+ch+"/messages", `{"content":"plain"}`, http.StatusOK).body)
	inOther, err := s.Post(sim.Post{ChannelID: other, Content: "elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	c.readOp(0) // the MESSAGE_CREATE of inOther
	recalled := decode[sentMessage](t, a.call(http.MethodPost, "/channels/"+ch+"/messages",
		`{"markdown":{"content":"gone"},"msg_id":"`+in.ID+`"}`, http.StatusOK).body)
	a.call(http.MethodDelete, "/channels/"+ch+"/messages/"+recalled.ID, "", http.StatusOK)

	clock.Advance(time.Minute)
	path := "/channels/" + ch + "/messages/" + own.ID
	r = a.call(http.MethodPatch, path, `{"markdown":{"content":"# menu v2"},"msg_id":"`+in.ID+`"}`, http.StatusOK)
	edited := decode[sentMessage](t, r.body)
	if edited.ID != own.ID || edited.Content != "text" || !edited.Author.Bot || edited.Timestamp != own.Timestamp ||
		edited.SeqInChannel != own.SeqInChannel {
		t.Errorf("edit answered %s, want the message %+v", r.body, own)
	}
	if want := clock.Now().In(time.FixedZone("", 8*3600)).Format(time.RFC3339); edited.EditedTimestamp != want {
		t.Errorf("edited_timestamp = %q, want %q", edited.EditedTimestamp, want)
	}
	m, ok := s.Message(own.ID)
	if !ok || string(m.Markdown) != `{"content":"# menu v2"}` || string(m.Keyboard) != kb || m.EditedTimestamp != edited.EditedTimestamp {
		t.Errorf("stored after markdown edit = %+v, %v; the keyboard should stay", m, ok)
	}
	if sent := s.Sent(); string(sent[0].Markdown) != md {
		t.Errorf("Sent()[0].Markdown = %s, want the markdown as sent", sent[0].Markdown)
	}
	a.call(http.MethodPatch, path, `{"keyboard":{"id":"kb2"},"event_id":"`+in.EventID+`"}`, http.StatusOK)
	if m, _ := s.Message(own.ID); string(m.Keyboard) != `{"id":"kb2"}` || string(m.Markdown) != `{"content":"# menu v2"}` {
		t.Errorf("stored after keyboard edit = %+v", m)
	}
	got := decode[struct {
		Message sentMessage `json:"message"`
	}](t, a.call(http.MethodGet, path, "", http.StatusOK).body)
	if got.Message.EditedTimestamp != edited.EditedTimestamp {
		t.Errorf("GET after edit has edited_timestamp %q, want %q", got.Message.EditedTimestamp, edited.EditedTimestamp)
	}
	if n := len(s.Sent()); n != 3 {
		t.Errorf("%d messages recorded as sent, want 3: an edit is not a send", n)
	}

	tests := []struct {
		name   string
		path   string
		body   string
		status int
		code   int
	}{
		{"someone else's message", "/channels/" + ch + "/messages/" + in.ID, `{"markdown":{"content":"x"}}`, http.StatusBadRequest, 50051},
		{"plain message", "/channels/" + ch + "/messages/" + plain.ID, `{"markdown":{"content":"x"}}`, http.StatusBadRequest, 12002},
		{"no markdown or keyboard", path, `{"content":"x"}`, http.StatusBadRequest, 50006},
		{"null markdown", path, `{"markdown":null,"keyboard":null}`, http.StatusBadRequest, 50006},
		{"empty body", path, ``, http.StatusBadRequest, 50006},
		{"markdown not an object", path, `{"markdown":"# x"}`, http.StatusBadRequest, 12002},
		{"keyboard not an object", path, `{"keyboard":[1]}`, http.StatusBadRequest, 12002},
		{"not json", path, `markdown=x`, http.StatusBadRequest, 12002},
		{"unknown msg id", path, `{"markdown":{"content":"x"},"msg_id":"08ff"}`, http.StatusBadRequest, 304026},
		{"msg id of another channel", path, `{"markdown":{"content":"x"},"msg_id":"` + inOther.ID + `"}`, http.StatusBadRequest, 304026},
		{"unknown event id", path, `{"markdown":{"content":"x"},"event_id":"AT_MESSAGE_CREATE:nope"}`, http.StatusBadRequest, 304026},
		{"unknown message", "/channels/" + ch + "/messages/08ff", `{"markdown":{"content":"x"}}`, http.StatusNotFound, 404},
		{"message of another channel", "/channels/" + other + "/messages/" + own.ID, `{"markdown":{"content":"x"}}`, http.StatusNotFound, 404},
		{"recalled message", "/channels/" + ch + "/messages/" + recalled.ID, `{"markdown":{"content":"x"}}`, http.StatusNotFound, 404},
		{"unknown channel", "/channels/1/messages/" + own.ID, `{"markdown":{"content":"x"}}`, http.StatusNotFound, 10003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, do(t, http.MethodPatch, s.APIURL()+tt.path, tt.body, a.auth), tt.status, tt.code)
		})
	}
	if m, _ := s.Message(own.ID); string(m.Markdown) != `{"content":"# menu v2"}` {
		t.Errorf("a refused edit changed the message: %s", m.Markdown)
	}
	// The protocol names no event for an edit.
	c.heartbeatProbe()
}

func TestSettingGuide_Channel(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	a := newAPI(t, s)
	w := s.World()
	ch, alice := w.Channels[0], w.Members[0]
	body := `{"content":"<@` + alice.ID + `> please allow messages"}`
	r := a.call(http.MethodPost, "/channels/"+ch.ID+"/settingguide", body, http.StatusOK)
	checkJSONHeaders(t, r)
	g := decode[sentMessage](t, r.body)
	if g.ID == "" || g.ChannelID != ch.ID || g.GuildID != w.Guild.ID || g.Content != "<@"+alice.ID+"> please allow messages" ||
		!g.Author.Bot || g.Author.ID != w.Bot.ID || g.SeqInChannel == "" {
		t.Errorf("guide = %s", r.body)
	}
	if _, err := time.Parse(time.RFC3339, g.Timestamp); err != nil {
		t.Errorf("timestamp %q: %v", g.Timestamp, err)
	}
	sent := s.Sent()
	if len(sent) != 1 || !sent[0].SettingGuide || sent[0].ID != g.ID || sent[0].Scene != sim.SceneGuild || string(sent[0].Body) != body {
		t.Errorf("Sent() = %+v", sent)
	}
	a.call(http.MethodGet, "/channels/"+ch.ID+"/messages/"+g.ID, "", http.StatusOK)

	// A guide takes no active-message quota (20 a day per channel).
	for range 20 {
		a.call(http.MethodPost, "/channels/"+ch.ID+"/settingguide", body, http.StatusOK)
	}
	a.call(http.MethodPost, "/channels/"+ch.ID+"/messages", `{"content":"still allowed"}`, http.StatusOK)

	tests := []struct {
		name, path, body string
		status, code     int
	}{
		{"no content", "/channels/" + ch.ID + "/settingguide", `{}`, http.StatusBadRequest, 50006},
		{"empty content", "/channels/" + ch.ID + "/settingguide", `{"content":""}`, http.StatusBadRequest, 50006},
		{"content not a string", "/channels/" + ch.ID + "/settingguide", `{"content":1}`, http.StatusBadRequest, 12002},
		{"unknown channel", "/channels/1/settingguide", body, http.StatusNotFound, 10003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, do(t, http.MethodPost, s.APIURL()+tt.path, tt.body, a.auth), tt.status, tt.code)
		})
	}
	if n := len(s.Sent()); n != 22 {
		t.Errorf("%d sent, want 22: refused guides must not be recorded", n)
	}
}

func TestSettingGuide_DM(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	a := newAPI(t, s)
	w := s.World()
	r := a.call(http.MethodPost, "/users/@me/dms",
		fmt.Sprintf(`{"recipient_id":%q,"source_guild_id":%q}`, w.Members[1].ID, w.Guild.ID), http.StatusOK)
	dm := decode[struct {
		GuildID   string `json:"guild_id"`
		ChannelID string `json:"channel_id"`
	}](t, r.body)
	path := "/dms/" + dm.GuildID + "/settingguide"
	body := `{"setting_guide":{"guild_id":"` + w.Guild.ID + `"}}`
	r = a.call(http.MethodPost, path, body, http.StatusOK)
	g := decode[sentMessage](t, r.body)
	if g.ID == "" || g.ChannelID != dm.ChannelID || g.GuildID != dm.GuildID || !g.DirectMessage || g.SrcGuildID != w.Guild.ID ||
		!g.Author.Bot {
		t.Errorf("dm guide = %s", r.body)
	}
	sent := s.Sent()
	if len(sent) != 1 || !sent[0].SettingGuide || sent[0].Scene != sim.SceneDM || sent[0].ID != g.ID || string(sent[0].Body) != body {
		t.Errorf("Sent() = %+v", sent)
	}
	// Two DM guides and then an active DM: the 2-a-day DM quota is untouched.
	a.call(http.MethodPost, path, body, http.StatusOK)
	a.call(http.MethodPost, "/dms/"+dm.GuildID+"/messages", `{"content":"hi"}`, http.StatusOK)
	a.call(http.MethodPost, "/dms/"+dm.GuildID+"/messages", `{"content":"hi again"}`, http.StatusOK)

	tests := []struct {
		name, path, body string
		status, code     int
	}{
		{"no setting_guide", path, `{}`, http.StatusBadRequest, 12002},
		{"null setting_guide", path, `{"setting_guide":null}`, http.StatusBadRequest, 12002},
		{"no guild_id", path, `{"setting_guide":{}}`, http.StatusBadRequest, 12002},
		{"setting_guide not an object", path, `{"setting_guide":"x"}`, http.StatusBadRequest, 12002},
		{"unknown jump guild", path, `{"setting_guide":{"guild_id":"1"}}`, http.StatusNotFound, 10004},
		{"unknown dm session", "/dms/1/settingguide", body, http.StatusNotFound, 10004},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, do(t, http.MethodPost, s.APIURL()+tt.path, tt.body, a.auth), tt.status, tt.code)
		})
	}
}

func TestChannelAnnounces(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	a := newAPI(t, s)
	w := s.World()
	ch, other, gid := w.Channels[0].ID, w.Channels[1].ID, w.Guild.ID
	in, err := s.Post(sim.Post{ChannelID: ch, Content: "read me"})
	if err != nil {
		t.Fatal(err)
	}
	inOther, err := s.Post(sim.Post{ChannelID: other, Content: "not here"})
	if err != nil {
		t.Fatal(err)
	}

	r := a.call(http.MethodPost, "/channels/"+ch+"/announces", `{"message_id":"`+in.ID+`"}`, http.StatusOK)
	checkJSONHeaders(t, r)
	var got map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"guild_id": `"` + gid + `"`, "channel_id": `"` + ch + `"`, "message_id": `"` + in.ID + `"`,
		"announces_type": `0`, "recommend_channels": `[]`}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("%s = %s, want %s (body %s)", k, got[k], v, r.body)
		}
	}

	// "all" on another channel leaves this channel's announcement alone.
	a.call(http.MethodDelete, "/channels/"+other+"/announces/all", "", http.StatusNoContent)
	checkError(t, do(t, http.MethodDelete, s.APIURL()+"/channels/"+other+"/announces/"+in.ID, "", a.auth), http.StatusNotFound, 404)
	a.call(http.MethodDelete, "/channels/"+ch+"/announces/"+in.ID, "", http.StatusNoContent)
	checkError(t, do(t, http.MethodDelete, s.APIURL()+"/channels/"+ch+"/announces/"+in.ID, "", a.auth), http.StatusNotFound, 404)
	a.call(http.MethodDelete, "/channels/"+ch+"/announces/all", "", http.StatusNoContent)

	// The channel route sets the guild's one announcement: the guild route
	// sees it, and a channel announcement replaces a guild one.
	a.call(http.MethodPost, "/channels/"+ch+"/announces", `{"message_id":"`+in.ID+`"}`, http.StatusOK)
	a.call(http.MethodDelete, "/guilds/"+gid+"/announces/"+in.ID, "", http.StatusNoContent)
	a.call(http.MethodPost, "/guilds/"+gid+"/announces", `{"channel_id":"`+other+`","message_id":"`+inOther.ID+`"}`, http.StatusOK)
	a.call(http.MethodPost, "/channels/"+ch+"/announces", `{"message_id":"`+in.ID+`"}`, http.StatusOK)
	checkError(t, do(t, http.MethodDelete, s.APIURL()+"/guilds/"+gid+"/announces/"+inOther.ID, "", a.auth), http.StatusNotFound, 404)
	a.call(http.MethodDelete, "/channels/"+ch+"/announces/all", "", http.StatusNoContent)
	checkError(t, do(t, http.MethodDelete, s.APIURL()+"/guilds/"+gid+"/announces/"+in.ID, "", a.auth), http.StatusNotFound, 404)

	recalled, err := s.Post(sim.Post{ChannelID: ch, Content: "soon gone"})
	if err != nil {
		t.Fatal(err)
	}
	a.call(http.MethodDelete, "/channels/"+ch+"/messages/"+recalled.ID, "", http.StatusOK)
	tests := []struct {
		name, method, path, body string
		status, code             int
	}{
		{"no message_id", http.MethodPost, "/channels/" + ch + "/announces", `{}`, http.StatusBadRequest, 12002},
		{"message_id not a string", http.MethodPost, "/channels/" + ch + "/announces", `{"message_id":5}`, http.StatusBadRequest, 12002},
		{"unknown message", http.MethodPost, "/channels/" + ch + "/announces", `{"message_id":"08ff"}`, http.StatusNotFound, 404},
		{"message of another channel", http.MethodPost, "/channels/" + ch + "/announces", `{"message_id":"` + inOther.ID + `"}`, http.StatusNotFound, 404},
		{"recalled message", http.MethodPost, "/channels/" + ch + "/announces", `{"message_id":"` + recalled.ID + `"}`, http.StatusNotFound, 404},
		{"unknown channel", http.MethodPost, "/channels/1/announces", `{"message_id":"` + in.ID + `"}`, http.StatusNotFound, 10003},
		{"delete in unknown channel", http.MethodDelete, "/channels/1/announces/all", ``, http.StatusNotFound, 10003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, do(t, tt.method, s.APIURL()+tt.path, tt.body, a.auth), tt.status, tt.code)
		})
	}
}
