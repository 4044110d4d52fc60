package openapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

// Guild, DM, group and C2C messages and what hangs off them (reactions,
// pins, announcements) against the simulator.

func TestSim_Messages(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	ch, alice := w.Channels[0], w.Members[0]
	in := mustPost(t, srv, sim.Post{ChannelID: ch.ID, AuthorID: alice.ID, Content: "ping", MentionBot: true})

	reply, err := c.PostMessage(ctx, ch.ID, &openapi.MessageToCreate{Content: "pong <@!" + alice.ID + ">", MsgID: in.ID})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Audit != nil || reply.ID == "" || reply.ChannelID != ch.ID || reply.GuildID != w.Guild.ID ||
		reply.Content != "pong <@!"+alice.ID+">" || !reply.Author.Bot || reply.Author.ID != w.Bot.ID || reply.SeqInChannel == "" {
		t.Errorf("PostMessage = %+v", reply)
	}
	wantTime(t, "timestamp", reply.Timestamp)
	if s := lastSent(t, srv); s.ID != reply.ID || s.MsgID != in.ID || s.Scene != sim.SceneGuild || !strings.HasPrefix(s.Authorization, "QQBot ") ||
		s.UnionAppID != srv.AppID() {
		t.Errorf("the simulator recorded %+v", s)
	}
	// A map body (as built from a Lua table) and an image URL.
	active, err := c.PostMessage(ctx, ch.ID, map[string]any{"image": "https://example.com/cat.png",
		"embed": map[string]any{"title": "t", "fields": []any{map[string]any{"name": "n"}}}})
	if err != nil || active.ID == "" {
		t.Fatalf("PostMessage(map) = %+v, %v", active, err)
	}
	_, err = c.PostMessage(ctx, ch.ID, &openapi.MessageToCreate{MsgID: in.ID})
	wantAPIError(t, err, http.StatusBadRequest, 50006)
	_, err = c.PostMessage(ctx, ch.ID, &openapi.MessageToCreate{Content: "x", MsgID: "nope"})
	wantAPIError(t, err, http.StatusBadRequest, 304026)
	_, err = c.PostMessage(ctx, ch.ID, &openapi.MessageToCreate{Content: "x", MsgID: reply.ID})
	wantAPIError(t, err, http.StatusBadRequest, 50045)

	got, err := c.GetMessage(ctx, ch.ID, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != in.ID || got.Content != in.Content || got.Author.ID != alice.ID || got.Author.Bot ||
		len(got.Mentions) != 1 || got.Mentions[0].ID != w.Bot.ID || len(got.Member) == 0 || got.Timestamp != in.Timestamp {
		t.Errorf("GetMessage(user's) = %+v, want %+v", got, in)
	}
	own, err := c.GetMessage(ctx, ch.ID, reply.ID)
	if err != nil || own.ID != reply.ID || own.Content != reply.Content || !own.Author.Bot || own.SeqInChannel != reply.SeqInChannel {
		t.Errorf("GetMessage(bot's) = %+v, %v; want %+v", own, err, reply.Message)
	}

	ids := func(ms []openapi.Message) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	all := []string{in.ID, reply.ID, active.ID}
	if list, err := c.Messages(ctx, ch.ID, openapi.HistoryPager{}); err != nil || !slices.Equal(ids(list), all) {
		t.Errorf("Messages(latest) = %v, %v; want %v", ids(list), err, all)
	}
	if list, err := c.Messages(ctx, ch.ID, openapi.HistoryPager{Limit: 2}); err != nil || !slices.Equal(ids(list), all[1:]) {
		t.Errorf("Messages(latest 2) = %v, %v; want %v", ids(list), err, all[1:])
	}
	if list, err := c.Messages(ctx, ch.ID, openapi.HistoryPager{Before: reply.ID}); err != nil || !slices.Equal(ids(list), all[:1]) {
		t.Errorf("Messages(before) = %v, %v", ids(list), err)
	}
	if list, err := c.Messages(ctx, ch.ID, openapi.HistoryPager{After: in.ID, Limit: 1}); err != nil || !slices.Equal(ids(list), all[1:2]) {
		t.Errorf("Messages(after) = %v, %v", ids(list), err)
	}
	if list, err := c.Messages(ctx, ch.ID, openapi.HistoryPager{Around: reply.ID, Limit: 3}); err != nil || !slices.Equal(ids(list), all) {
		t.Errorf("Messages(around) = %v, %v", ids(list), err)
	}

	if err := c.DeleteMessage(ctx, ch.ID, active.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetMessage(ctx, ch.ID, active.ID)
	wantAPIError(t, err, http.StatusNotFound, 404)
	if list, err := c.Messages(ctx, ch.ID, openapi.HistoryPager{}); err != nil || slices.Contains(ids(list), active.ID) {
		t.Errorf("Messages after delete = %v, %v", ids(list), err)
	}
}

func TestSim_Reactions(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	ch := w.Channels[0].ID
	m := mustPost(t, srv, sim.Post{ChannelID: ch, Content: "react to me"})
	smile := openapi.Emoji{Type: openapi.EmojiUnicode, ID: "128512"}

	if err := c.AddReaction(ctx, ch, m.ID, smile); err != nil {
		t.Fatal(err)
	}
	err := c.AddReaction(ctx, ch, m.ID, smile)
	wantAPIError(t, err, http.StatusBadRequest, 620003)
	for _, u := range w.Members[1:] {
		if err := srv.React(sim.Reaction{ChannelID: ch, MessageID: m.ID, UserID: u.ID, EmojiType: 2, EmojiID: "128512"}); err != nil {
			t.Fatal(err)
		}
	}
	var users []string
	cookie := ""
	for page := 0; ; page++ {
		r, err := c.ReactionUsers(ctx, ch, m.ID, smile, cookie, 2)
		if err != nil {
			t.Fatal(err)
		}
		if page > 3 || len(r.Users) == 0 || len(r.Users) > 2 {
			t.Fatalf("page %d = %+v", page, r)
		}
		for _, u := range r.Users {
			users = append(users, u.ID)
		}
		if r.IsEnd {
			break
		}
		cookie = r.Cookie
	}
	want := []string{w.Bot.ID, w.Members[1].ID, w.Members[2].ID}
	if !slices.Equal(users, want) {
		t.Errorf("ReactionUsers over pages = %v, want %v", users, want)
	}

	if err := c.DeleteReaction(ctx, ch, m.ID, smile); err != nil {
		t.Fatal(err)
	}
	r, err := c.ReactionUsers(ctx, ch, m.ID, smile, "", 0)
	if err != nil || len(r.Users) != 2 || !r.IsEnd || slices.ContainsFunc(r.Users, func(u openapi.User) bool { return u.ID == w.Bot.ID }) {
		t.Errorf("ReactionUsers after delete = %+v, %v", r, err)
	}
	err = c.DeleteReaction(ctx, ch, m.ID, smile)
	wantAPIError(t, err, http.StatusBadRequest, 620004)
	// A system face.
	if err := c.AddReaction(ctx, ch, m.ID, openapi.Emoji{Type: openapi.EmojiSystem, ID: "4"}); err != nil {
		t.Errorf("AddReaction(system face): %v", err)
	}
}

func TestSim_Pins(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	ch := w.Channels[0].ID
	a := mustPost(t, srv, sim.Post{ChannelID: ch, Content: "a"})
	b := mustPost(t, srv, sim.Post{ChannelID: ch, Content: "b"})

	if _, err := c.Pin(ctx, ch, a.ID); err != nil {
		t.Fatal(err)
	}
	p, err := c.Pin(ctx, ch, b.ID)
	if err != nil || p.GuildID != w.Guild.ID || p.ChannelID != ch || !slices.Equal(p.MessageIDs, []string{a.ID, b.ID}) {
		t.Fatalf("Pin = %+v, %v; want both pins", p, err)
	}
	if err := c.Unpin(ctx, ch, a.ID); err != nil {
		t.Fatal(err)
	}
	if p, err := c.Pins(ctx, ch); err != nil || !slices.Equal(p.MessageIDs, []string{b.ID}) {
		t.Errorf("Pins after unpin = %+v, %v", p, err)
	}
	err = c.Unpin(ctx, ch, a.ID)
	wantAPIError(t, err, http.StatusNotFound, 404)
	if err := c.Unpin(ctx, ch, "all"); err != nil {
		t.Fatal(err)
	}
	if p, err := c.Pins(ctx, ch); err != nil || len(p.MessageIDs) != 0 || p.MessageIDs == nil {
		t.Errorf("Pins after clearing = %+v, %v; want an empty list", p, err)
	}
	_, err = c.Pin(ctx, ch, "no-such-message")
	wantAPIError(t, err, http.StatusNotFound, 404)
}

func TestSim_GuildAnnounces(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	gid, ch := w.Guild.ID, w.Channels[0].ID
	m := mustPost(t, srv, sim.Post{ChannelID: ch, Content: "news"})

	a, err := c.CreateGuildAnnounce(ctx, gid, openapi.Announce{ChannelID: ch, MessageID: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	if a.GuildID != gid || a.ChannelID != ch || a.MessageID != m.ID || a.AnnouncesType != 0 {
		t.Errorf("CreateGuildAnnounce = %+v", a)
	}
	if err := c.DeleteGuildAnnounce(ctx, gid, m.ID); err != nil {
		t.Fatal(err)
	}
	err = c.DeleteGuildAnnounce(ctx, gid, m.ID)
	wantAPIError(t, err, http.StatusNotFound, 404)

	rec := []openapi.RecommendedChannel{{ChannelID: ch, Introduce: "come"}, {ChannelID: w.Channels[1].ID, Introduce: "chat"}}
	a, err = c.CreateGuildAnnounce(ctx, gid, openapi.Announce{AnnouncesType: 1, RecommendChannels: rec})
	if err != nil || a.AnnouncesType != 1 || !slices.Equal(a.RecommendChannels, rec) {
		t.Fatalf("CreateGuildAnnounce(recommend) = %+v, %v", a, err)
	}
	if err := c.DeleteGuildAnnounce(ctx, gid, "all"); err != nil {
		t.Errorf("DeleteGuildAnnounce(all): %v", err)
	}
	_, err = c.CreateGuildAnnounce(ctx, gid, openapi.Announce{ChannelID: ch, MessageID: "no-such-message"})
	wantAPIError(t, err, http.StatusNotFound, 404)
}

func TestSim_DMs(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	alice := w.Members[0]

	dm, err := c.CreateDM(ctx, alice.ID, w.Guild.ID)
	if err != nil {
		t.Fatal(err)
	}
	if dm.GuildID == "" || dm.ChannelID == "" || dm.GuildID == w.Guild.ID {
		t.Errorf("CreateDM = %+v", dm)
	}
	if n, err := parseUnix(dm.CreateTime); err != nil || n <= 0 {
		t.Errorf("create_time %q is not unix seconds", dm.CreateTime)
	}
	_, err = c.CreateDM(ctx, w.Bot.ID, w.Guild.ID)
	wantAPIError(t, err, http.StatusBadRequest, 304034)

	sent, err := c.PostDM(ctx, dm.GuildID, &openapi.MessageToCreate{Content: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if sent.ID == "" || sent.GuildID != dm.GuildID || sent.ChannelID != dm.ChannelID || !sent.DirectMessage ||
		sent.SrcGuildID != w.Guild.ID || !sent.Author.Bot {
		t.Errorf("PostDM = %+v", sent)
	}
	if s := lastSent(t, srv); s.ID != sent.ID || s.Scene != sim.SceneDM || s.SrcGuildID != w.Guild.ID {
		t.Errorf("the simulator recorded %+v", s)
	}

	// alice writes in the same session; the bot answers passively.
	in := mustPost(t, srv, sim.Post{Scene: sim.SceneDM, AuthorID: alice.ID, Content: "hi bot"})
	if in.GuildID != dm.GuildID {
		t.Fatalf("alice's DM went to %s, the session is %s", in.GuildID, dm.GuildID)
	}
	reply, err := c.Reply(ctx, openapi.Source{Scene: openapi.SceneDM, GuildID: dm.GuildID, MsgID: in.ID}, map[string]any{"content": "hi alice"}, nil)
	if err != nil || reply.ChannelID != dm.ChannelID || lastSent(t, srv).MsgID != in.ID {
		t.Fatalf("DM reply = %+v, %v", reply, err)
	}

	if err := c.DeleteDM(ctx, dm.GuildID, sent.ID, false); err != nil {
		t.Fatal(err)
	}
	err = c.DeleteDM(ctx, dm.GuildID, sent.ID, false)
	wantAPIError(t, err, http.StatusNotFound, 404)
	err = c.DeleteDM(ctx, dm.GuildID, in.ID, true)
	wantAPIError(t, err, http.StatusNotFound, 404) // not the bot's own
}

func TestSim_GroupAndC2C(t *testing.T) {
	tests := []struct {
		name   string
		scene  string
		post   func(c *openapi.Client, id string, msg any) (*openapi.SentMessage, error)
		delete func(c *openapi.Client, id, msgID string) error
	}{
		{"group", sim.SceneGroup,
			func(c *openapi.Client, id string, msg any) (*openapi.SentMessage, error) {
				return c.PostGroupMessage(t.Context(), id, msg)
			},
			func(c *openapi.Client, id, msgID string) error { return c.DeleteGroupMessage(t.Context(), id, msgID) }},
		{"c2c", sim.SceneC2C,
			func(c *openapi.Client, id string, msg any) (*openapi.SentMessage, error) {
				return c.PostC2CMessage(t.Context(), id, msg)
			},
			func(c *openapi.Client, id, msgID string) error { return c.DeleteC2CMessage(t.Context(), id, msgID) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := newSim(t, sim.Config{}, nil)
			w := srv.World()
			alice := w.Users[0]
			id := alice.OpenID
			if tt.scene == sim.SceneGroup {
				id = w.Groups[0].OpenID
			}
			in := mustPost(t, srv, sim.Post{Scene: tt.scene, GroupOpenID: w.Groups[0].OpenID, AuthorID: alice.ID, Content: "hi"})

			sent, err := tt.post(c, id, &openapi.MessageToCreate{Content: "hello", MsgID: in.ID, MsgSeq: 1})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(sent.ID, "ROBOT1.0_") || sent.Audit != nil {
				t.Errorf("sent = %+v", sent)
			}
			wantTime(t, "timestamp", sent.Timestamp)
			s := lastSent(t, srv)
			if s.ID != sent.ID || s.Scene != tt.scene || s.MsgID != in.ID || s.MsgSeq != 1 || s.MsgType != 0 {
				t.Errorf("the simulator recorded %+v", s)
			}
			if (tt.scene == sim.SceneGroup && s.GroupOpenID != id) || (tt.scene == sim.SceneC2C && s.UserOpenID != id) {
				t.Errorf("sent to %s/%s, want %s", s.GroupOpenID, s.UserOpenID, id)
			}
			// Markdown as a map, msg_type 2.
			if _, err := tt.post(c, id, map[string]any{"msg_type": 2, "markdown": map[string]any{"content": "# hi"},
				"msg_id": in.ID, "msg_seq": 2}); err != nil {
				t.Errorf("markdown reply: %v", err)
			}
			_, err = tt.post(c, id, &openapi.MessageToCreate{Content: "dup", MsgID: in.ID, MsgSeq: 1})
			wantAPIError(t, err, http.StatusBadRequest, 40054005)
			_, err = tt.post(c, id, &openapi.MessageToCreate{MsgID: in.ID, MsgSeq: 3})
			wantAPIError(t, err, http.StatusBadRequest, 50006)
			_, err = tt.post(c, "0123456789ABCDEF0123456789ABCDEF", &openapi.MessageToCreate{Content: "x"})
			wantAPIError(t, err, http.StatusNotFound, 404)

			if err := tt.delete(c, id, sent.ID); err != nil {
				t.Fatal(err)
			}
			err = tt.delete(c, id, sent.ID)
			wantAPIError(t, err, http.StatusNotFound, 404)
		})
	}
}
