package openapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

// Message editing, setting guides, channel announcements and file_image
// uploads against the simulator.

func TestSim_PatchMessage(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	ch := w.Channels[0].ID
	in := mustPost(t, srv, sim.Post{ChannelID: ch, Content: "menu?", MentionBot: true})

	own, err := c.PostMessage(ctx, ch, &openapi.MessageToCreate{MsgID: in.ID,
		Markdown: json.RawMessage(`{"content":"# menu"}`), Keyboard: json.RawMessage(`{"id":"kb1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	edited, err := c.PatchMessage(ctx, ch, own.ID, map[string]any{"markdown": map[string]any{"content": "# menu v2"}, "msg_id": in.ID})
	if err != nil {
		t.Fatal(err)
	}
	if edited.ID != own.ID || edited.ChannelID != ch || !edited.Author.Bot || edited.Timestamp != own.Timestamp {
		t.Errorf("PatchMessage = %+v, want the message %+v", edited, own.Message)
	}
	wantTime(t, "edited_timestamp", edited.EditedTimestamp)
	m, ok := srv.Message(own.ID)
	if !ok || string(m.Markdown) != `{"content":"# menu v2"}` || string(m.Keyboard) != `{"id":"kb1"}` {
		t.Errorf("the simulator holds %+v, %v after the edit; want the new markdown and the old keyboard", m, ok)
	}
	// The typed body works too; its empty fields are omitted.
	if _, err := c.PatchMessage(ctx, ch, own.ID, &openapi.MessageToCreate{Keyboard: json.RawMessage(`{"id":"kb2"}`)}); err != nil {
		t.Fatal(err)
	}
	if m, _ := srv.Message(own.ID); string(m.Keyboard) != `{"id":"kb2"}` {
		t.Errorf("keyboard after the second edit = %s", m.Keyboard)
	}
	if got, err := c.GetMessage(ctx, ch, own.ID); err != nil || got.EditedTimestamp == "" {
		t.Errorf("GetMessage after the edit = %+v, %v; want edited_timestamp", got, err)
	}

	plain, err := c.PostMessage(ctx, ch, &openapi.MessageToCreate{Content: "plain", MsgID: in.ID})
	if err != nil {
		t.Fatal(err)
	}
	md := map[string]any{"markdown": map[string]any{"content": "x"}}
	_, err = c.PatchMessage(ctx, ch, in.ID, md)
	wantAPIError(t, err, http.StatusBadRequest, 50051)
	_, err = c.PatchMessage(ctx, ch, plain.ID, md)
	wantAPIError(t, err, http.StatusBadRequest, 12002)
	_, err = c.PatchMessage(ctx, ch, own.ID, map[string]any{"content": "x"})
	wantAPIError(t, err, http.StatusBadRequest, 50006)
	_, err = c.PatchMessage(ctx, ch, "no-such-message", md)
	wantAPIError(t, err, http.StatusNotFound, 404)
}

func TestSim_SettingGuides(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	ch, alice := w.Channels[0].ID, w.Members[0]

	g, err := c.PostSettingGuide(ctx, ch, "<@"+alice.ID+"> please allow messages")
	if err != nil {
		t.Fatal(err)
	}
	if g.ID == "" || g.ChannelID != ch || g.GuildID != w.Guild.ID || g.Content != "<@"+alice.ID+"> please allow messages" ||
		!g.Author.Bot || g.SeqInChannel == "" {
		t.Errorf("PostSettingGuide = %+v", g)
	}
	wantTime(t, "timestamp", g.Timestamp)
	if s := lastSent(t, srv); s.ID != g.ID || !s.SettingGuide || s.Scene != sim.SceneGuild {
		t.Errorf("the simulator recorded %+v", s)
	}
	_, err = c.PostSettingGuide(ctx, ch, "")
	wantAPIError(t, err, http.StatusBadRequest, 50006)

	dm, err := c.CreateDM(ctx, alice.ID, w.Guild.ID)
	if err != nil {
		t.Fatal(err)
	}
	dg, err := c.PostDMSettingGuide(ctx, dm.GuildID, w.Guild.ID)
	if err != nil {
		t.Fatal(err)
	}
	if dg.ID == "" || dg.GuildID != dm.GuildID || dg.ChannelID != dm.ChannelID || !dg.DirectMessage || dg.SrcGuildID != w.Guild.ID {
		t.Errorf("PostDMSettingGuide = %+v", dg)
	}
	if s := lastSent(t, srv); s.ID != dg.ID || !s.SettingGuide || s.Scene != sim.SceneDM {
		t.Errorf("the simulator recorded %+v", s)
	}
	_, err = c.PostDMSettingGuide(ctx, dm.GuildID, "1")
	wantAPIError(t, err, http.StatusNotFound, 10004)
	_, err = c.PostDMSettingGuide(ctx, dm.GuildID, "")
	wantAPIError(t, err, http.StatusBadRequest, 12002)
}

func TestSim_ChannelAnnounces(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	gid, ch, other := w.Guild.ID, w.Channels[0].ID, w.Channels[1].ID
	m := mustPost(t, srv, sim.Post{ChannelID: ch, Content: "news"})

	a, err := c.CreateChannelAnnounce(ctx, ch, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.GuildID != gid || a.ChannelID != ch || a.MessageID != m.ID || a.AnnouncesType != 0 || len(a.RecommendChannels) != 0 {
		t.Errorf("CreateChannelAnnounce = %+v", a)
	}
	if err := c.DeleteChannelAnnounce(ctx, ch, m.ID); err != nil {
		t.Fatal(err)
	}
	err = c.DeleteChannelAnnounce(ctx, ch, m.ID)
	wantAPIError(t, err, http.StatusNotFound, 404)
	if err := c.DeleteChannelAnnounce(ctx, ch, "all"); err != nil {
		t.Errorf("DeleteChannelAnnounce(all): %v", err)
	}

	// The channel route and the guild route share the guild's announcement.
	if _, err := c.CreateChannelAnnounce(ctx, ch, m.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteGuildAnnounce(ctx, gid, m.ID); err != nil {
		t.Errorf("DeleteGuildAnnounce of a channel announcement: %v", err)
	}

	_, err = c.CreateChannelAnnounce(ctx, other, m.ID)
	wantAPIError(t, err, http.StatusNotFound, 404)
	_, err = c.CreateChannelAnnounce(ctx, "1", m.ID)
	wantAPIError(t, err, http.StatusNotFound, 10003)
}

// pngBytes is a real 4×3 PNG, so the simulator reads its size.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSim_FileImage(t *testing.T) {
	t.Parallel() // its own simulator
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	ch := w.Channels[0].ID
	img := pngBytes(t)
	wantAttachment := func(t *testing.T, got []openapi.Attachment, name string) {
		t.Helper()
		if len(got) != 1 || !strings.HasPrefix(got[0].URL, "https://") || got[0].Filename != name ||
			got[0].ContentType != "image/png" || got[0].Size != len(img) || got[0].Width != 4 || got[0].Height != 3 {
			t.Errorf("attachments = %+v, want %s, image/png, %d bytes, 4×3", got, name, len(img))
		}
	}

	t.Run("reply", func(t *testing.T) {
		in := mustPost(t, srv, sim.Post{ChannelID: ch, Content: "pic?", MentionBot: true})
		src := openapi.Source{Scene: openapi.SceneGuild, ChannelID: ch, MsgID: in.ID, Time: wantTime(t, "timestamp", in.Timestamp)}
		sent, err := c.Reply(ctx, src, map[string]any{"content": "here", "embed": map[string]any{"title": "cat"}},
			&openapi.File{Name: "cat.png", Data: img})
		if err != nil {
			t.Fatal(err)
		}
		if sent.ID == "" || sent.Content != "here" || !sent.Author.Bot {
			t.Errorf("Reply = %+v", sent)
		}
		wantAttachment(t, sent.Attachments, "cat.png")
		s := lastSent(t, srv)
		if s.ID != sent.ID || s.MsgID != in.ID || len(s.Attachments) != 1 || s.Attachments[0].URL != sent.Attachments[0].URL {
			t.Errorf("the simulator recorded %+v", s)
		}
		var body map[string]any
		if err := json.Unmarshal(s.Body, &body); err != nil || body["content"] != "here" || body["msg_id"] != in.ID ||
			body["embed"].(map[string]any)["title"] != "cat" {
			t.Errorf("recorded form fields %s, %v", s.Body, err)
		}
	})

	t.Run("form to a DM", func(t *testing.T) {
		dm, err := c.CreateDM(ctx, w.Members[0].ID, w.Guild.ID)
		if err != nil {
			t.Fatal(err)
		}
		sent, err := c.PostDM(ctx, dm.GuildID, &openapi.Form{Fields: map[string]any{"content": "for you"},
			FileField: "file_image", FileName: "dir/dm.png", File: img})
		if err != nil {
			t.Fatal(err)
		}
		if !sent.DirectMessage || sent.GuildID != dm.GuildID || sent.Content != "for you" {
			t.Errorf("PostDM(form) = %+v", sent)
		}
		wantAttachment(t, sent.Attachments, "dm.png")
	})

	t.Run("refused", func(t *testing.T) {
		in := mustPost(t, srv, sim.Post{ChannelID: ch, Content: "quote me"})
		// The client refuses message_reference with a file before sending;
		// a hand-built form reaches the simulator, which refuses it too.
		src := openapi.Source{Scene: openapi.SceneGuild, ChannelID: ch, MsgID: in.ID, Time: wantTime(t, "timestamp", in.Timestamp)}
		_, err := c.Reply(ctx, src, map[string]any{"message_reference": map[string]any{"message_id": in.ID}},
			&openapi.File{Name: "cat.png", Data: img})
		if !errors.Is(err, openapi.ErrInvalidRequest) {
			t.Errorf("Reply(file, message_reference) = %v, want ErrInvalidRequest", err)
		}
		_, err = c.PostMessage(ctx, ch, &openapi.Form{
			Fields:    map[string]any{"msg_id": in.ID, "message_reference": map[string]any{"message_id": in.ID}},
			FileField: "file_image", FileName: "cat.png", File: img})
		wantAPIError(t, err, http.StatusBadRequest, 50035)
		_, err = c.PostMessage(ctx, ch, &openapi.Form{Fields: map[string]any{"msg_id": in.ID},
			FileField: "file_image", FileName: "huge.png", File: make([]byte, openapi.MaxUploadSize+1)})
		wantAPIError(t, err, http.StatusBadRequest, 304020)
	})
}
