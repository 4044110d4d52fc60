package openapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

// Passive replies (window, cap, msg_seq), the audit path and media uploads
// against the simulator.

// sourceOf is the reply source for a message a simulated user posted.
func sourceOf(t *testing.T, m sim.Message) openapi.Source {
	t.Helper()
	src := openapi.Source{Scene: openapi.Scene(m.Scene), MsgID: m.ID, Time: wantTime(t, "timestamp", m.Timestamp)}
	switch m.Scene {
	case sim.SceneGuild:
		src.ChannelID = m.ChannelID
	case sim.SceneDM:
		src.GuildID = m.GuildID
	case sim.SceneGroup:
		src.GroupOpenID = m.GroupOpenID
	case sim.SceneC2C:
		src.UserOpenID = m.UserOpenID
	}
	return src
}

// sentBody decodes the JSON body the simulator recorded for a send.
func sentBody(t *testing.T, s sim.SentMessage) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(s.Body, &body); err != nil {
		t.Fatalf("recorded body %q: %v", s.Body, err)
	}
	return body
}

// TestSim_ReplyWindow moves a Replier's clock past each scene's window: a
// reply just inside it reaches the simulator (which accepts it), one just
// past it is refused locally and never sent.
func TestSim_ReplyWindow(t *testing.T) {
	tests := []struct {
		scene     string
		inside    time.Duration
		pastBy    time.Duration
		wantLimit time.Duration
	}{
		{sim.SceneGuild, 4*time.Minute + 59*time.Second, 2 * time.Second, openapi.ReplyWindow},
		{sim.SceneDM, 4*time.Minute + 59*time.Second, 2 * time.Second, openapi.ReplyWindow},
		{sim.SceneGroup, 4*time.Minute + 59*time.Second, 2 * time.Second, openapi.ReplyWindow},
		{sim.SceneC2C, 59*time.Minute + 59*time.Second, 2 * time.Second, openapi.ReplyWindowC2C},
	}
	for _, tt := range tests {
		t.Run(tt.scene, func(t *testing.T) {
			srv, c := newSim(t, sim.Config{}, nil)
			ctx := simCtx(t)
			in := mustPost(t, srv, sim.Post{Scene: tt.scene, Content: "hello", MentionBot: true})
			src := sourceOf(t, in)
			clk := &clock{now: src.Time}
			r := openapi.NewReplier(clk.Now)

			clk.Advance(tt.inside)
			var out openapi.SentMessage
			if err := r.Send(ctx, c, src, map[string]any{"content": "just in time"}, nil, &out); err != nil {
				t.Fatalf("reply %v after the source: %v", tt.inside, err)
			}
			if s := lastSent(t, srv); s.ID != out.ID || s.MsgID != in.ID || s.MsgSeq != 1 {
				t.Errorf("the simulator recorded %+v", s)
			}
			clk.Advance(tt.pastBy)
			err := r.Send(ctx, c, src, map[string]any{"content": "too late"}, nil, &out)
			var re *openapi.ReplyError
			if !errors.Is(err, openapi.ErrReplyExpired) || !errors.As(err, &re) || re.Hint() == "" {
				t.Fatalf("reply %v after the source = %v, want ErrReplyExpired with a hint", tt.inside+tt.pastBy, err)
			}
			if tt.inside+tt.pastBy <= tt.wantLimit {
				t.Fatalf("test setup: %v is inside the %v window", tt.inside+tt.pastBy, tt.wantLimit)
			}
			if n := len(srv.Sent()); n != 1 {
				t.Errorf("the simulator recorded %d messages; the late reply must not be sent", n)
			}
		})
	}
	// The platform enforces the same windows: with the client's clock still
	// inside, only the simulator's aged clock can refuse the reply.
	for _, tt := range tests {
		t.Run("sim side/"+tt.scene, func(t *testing.T) {
			srv, c := newSim(t, sim.Config{}, nil)
			in := mustPost(t, srv, sim.Post{Scene: tt.scene, Content: "hello", MentionBot: true})
			src := sourceOf(t, in)
			r := openapi.NewReplier(func() time.Time { return src.Time })
			if err := srv.Advance(tt.wantLimit + time.Second); err != nil {
				t.Fatal(err)
			}
			var out openapi.SentMessage
			err := r.Send(simCtx(t), c, src, map[string]any{"content": "too late"}, nil, &out)
			wantAPIError(t, err, http.StatusBadRequest, 304027)
			var e *openapi.Error
			if errors.As(err, &e) && e.Hint() == "" {
				t.Errorf("304027 from the platform carries no hint: %v", err)
			}
		})
	}
}

// TestSim_ReplyCapAndSeq sends five concurrent replies to one group or C2C
// message through the client's shared Replier: the simulator sees msg_seq
// 1–5 once each and accepts all; the sixth is refused locally. Guild
// messages take more replies, numbered on.
func TestSim_ReplyCapAndSeq(t *testing.T) {
	for _, scene := range []string{sim.SceneGroup, sim.SceneC2C} {
		t.Run(scene, func(t *testing.T) {
			srv, c := newSim(t, sim.Config{}, nil)
			ctx := simCtx(t)
			in := mustPost(t, srv, sim.Post{Scene: scene, Content: "tell me five things"})
			src := sourceOf(t, in)

			var wg sync.WaitGroup
			errs := make([]error, openapi.MaxReplies)
			for i := range openapi.MaxReplies {
				wg.Go(func() {
					_, errs[i] = c.Reply(ctx, src, map[string]any{"content": "thing"}, nil)
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("reply %d: %v", i+1, err)
				}
			}
			var seqs []int
			for _, s := range srv.Sent() {
				if s.MsgID != in.ID || s.MsgType != 0 {
					t.Errorf("recorded %+v", s)
				}
				seqs = append(seqs, s.MsgSeq)
			}
			slices.Sort(seqs)
			if !slices.Equal(seqs, []int{1, 2, 3, 4, 5}) {
				t.Errorf("msg_seq values the simulator saw = %v, want 1–5 once each", seqs)
			}

			_, err := c.Reply(ctx, src, map[string]any{"content": "one more"}, nil)
			var re *openapi.ReplyError
			if !errors.Is(err, openapi.ErrReplyLimit) || !errors.As(err, &re) || re.Hint() == "" {
				t.Fatalf("sixth reply = %v, want ErrReplyLimit with a hint", err)
			}
			if n := len(srv.Sent()); n != openapi.MaxReplies {
				t.Errorf("the simulator recorded %d messages, want %d", n, openapi.MaxReplies)
			}
			// The platform agrees: a sixth reply sent by hand is refused.
			msg := &openapi.MessageToCreate{Content: "by hand", MsgID: in.ID, MsgSeq: 6}
			if scene == sim.SceneGroup {
				_, err = c.PostGroupMessage(ctx, src.GroupOpenID, msg)
			} else {
				_, err = c.PostC2CMessage(ctx, src.UserOpenID, msg)
			}
			wantAPIError(t, err, http.StatusBadRequest, 22009)
		})
	}

	t.Run("guild", func(t *testing.T) {
		srv, c := newSim(t, sim.Config{}, nil)
		ctx := simCtx(t)
		in := mustPost(t, srv, sim.Post{Content: "talk to me", MentionBot: true})
		src := sourceOf(t, in)
		other := sourceOf(t, mustPost(t, srv, sim.Post{Content: "me too", MentionBot: true}))
		for range openapi.MaxReplies + 2 {
			if _, err := c.Reply(ctx, src, map[string]any{"content": "more"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Reply(ctx, other, map[string]any{"content": "you too"}, nil); err != nil {
			t.Fatal(err)
		}
		var seqs []int
		for _, s := range srv.Sent() {
			seqs = append(seqs, s.MsgSeq)
		}
		if !slices.Equal(seqs, []int{1, 2, 3, 4, 5, 6, 7, 1}) {
			t.Errorf("msg_seq values = %v, want 1–7 then 1 for the other message", seqs)
		}
	})

	t.Run("event id", func(t *testing.T) {
		srv, c := newSim(t, sim.Config{}, nil)
		ctx := simCtx(t)
		w := srv.World()
		in, err := srv.Click(sim.Click{Scene: sim.SceneGroup, ButtonID: "b"})
		if err != nil {
			t.Fatal(err)
		}
		src := openapi.Source{Scene: openapi.SceneGroup, GroupOpenID: w.Groups[0].OpenID, EventID: in.EventID}
		for range 2 {
			if _, err := c.Reply(ctx, src, map[string]any{"content": "clicked"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		for i, s := range srv.Sent() {
			if body := sentBody(t, s); s.EventID != in.EventID || s.MsgSeq != i+1 || body["msg_id"] != nil {
				t.Errorf("reply %d recorded as %+v, body %s", i+1, s, s.Body)
			}
		}
	})
}

// TestSim_Audit runs sends against a platform that holds guild and DM
// messages for audit: 202 with 304023 (active) or 304024 (reply) is a
// result with Audit set, not an error.
func TestSim_Audit(t *testing.T) {
	srv, c := newSim(t, sim.Config{Audit: true}, nil)
	ctx := simCtx(t)
	w := srv.World()
	ch := w.Channels[0].ID

	wantAudit := func(t *testing.T, what string, sent *openapi.SentMessage, err error, code int) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		a := sent.Audit
		if a == nil || a.Code != code || a.ID == "" || a.Message == "" || a.TraceID == "" || sent.ID != "" {
			t.Fatalf("%s = %+v (audit %+v), want held for audit with %d", what, sent, a, code)
		}
		if s := lastSent(t, srv); s.AuditID != a.ID {
			t.Errorf("%s: audit id %q, the simulator holds %q", what, a.ID, s.AuditID)
		}
	}

	sent, err := c.PostMessage(ctx, ch, &openapi.MessageToCreate{Content: "announcement"})
	wantAudit(t, "active message", sent, err, openapi.CodeAuditPush)

	in := mustPost(t, srv, sim.Post{ChannelID: ch, Content: "hi", MentionBot: true})
	sent, err = c.Reply(ctx, sourceOf(t, in), map[string]any{"content": "hello"}, nil)
	wantAudit(t, "reply", sent, err, openapi.CodeAuditReply)

	sent, err = c.Send(ctx, openapi.Target{Scene: openapi.SceneGuild, ID: ch}, map[string]any{"content": "via Send"}, nil)
	wantAudit(t, "Send", sent, err, openapi.CodeAuditPush)

	dm, err := c.CreateDM(ctx, w.Members[0].ID, w.Guild.ID)
	if err != nil {
		t.Fatal(err)
	}
	sent, err = c.PostDM(ctx, dm.GuildID, map[string]any{"content": "psst"})
	wantAudit(t, "dm", sent, err, openapi.CodeAuditPush)

	// A rejection is announced by event later; the answer is the same.
	if err := srv.Inject(sim.Fault{Kind: sim.FaultAuditReject}); err != nil {
		t.Fatal(err)
	}
	sent, err = c.PostMessage(ctx, ch, &openapi.MessageToCreate{Content: "doomed"})
	wantAudit(t, "rejected message", sent, err, openapi.CodeAuditPush)

	// Do hands the body over; AuditOf recognises it.
	var raw json.RawMessage
	if err := c.Do(ctx, http.MethodPost, "/channels/"+ch+"/messages", nil, map[string]any{"content": "raw"}, &raw); err != nil {
		t.Fatal(err)
	}
	if a, ok := openapi.AuditOf(raw); !ok || a.Code != openapi.CodeAuditPush || a.ID != lastSent(t, srv).AuditID {
		t.Errorf("AuditOf(%s) = %+v, %v", raw, a, ok)
	}

	// Groups are not audited.
	g := mustPost(t, srv, sim.Post{Scene: sim.SceneGroup, Content: "hi"})
	sent, err = c.Reply(ctx, sourceOf(t, g), map[string]any{"content": "hello group"}, nil)
	if err != nil || sent.Audit != nil || sent.ID == "" {
		t.Errorf("group reply = %+v, %v; want sent at once", sent, err)
	}
}

// fileInfo decodes the file_info of a recorded media message: the
// simulator's file_info is base64 of JSON naming the upload.
func fileInfo(t *testing.T, s sim.SentMessage) map[string]any {
	t.Helper()
	body := sentBody(t, s)
	media, _ := body["media"].(map[string]any)
	info, _ := media["file_info"].(string)
	raw, err := base64.StdEncoding.DecodeString(info)
	if err != nil {
		t.Fatalf("media.file_info %q of %s is not base64: %v", info, s.Body, err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("file_info %s: %v", raw, err)
	}
	return out
}

func TestSim_Upload(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 2048)...)
	const picURL = "https://example.com/cat.png"

	for _, scene := range []string{sim.SceneGroup, sim.SceneC2C} {
		t.Run(scene, func(t *testing.T) {
			srv, c := newSim(t, sim.Config{}, nil)
			ctx := simCtx(t)
			src := sourceOf(t, mustPost(t, srv, sim.Post{Scene: scene, Content: "show me"}))

			// From a URL: the platform fetches it; the reply is a media message.
			if _, err := c.Reply(ctx, src, map[string]any{"content": "a cat", "image": picURL}, nil); err != nil {
				t.Fatalf("reply with an image URL: %v", err)
			}
			s := lastSent(t, srv)
			body := sentBody(t, s)
			if info := fileInfo(t, s); s.MsgType != 7 || info["url"] != picURL || info["type"] != float64(openapi.FileImage) ||
				body["image"] != nil || body["content"] != "a cat" || s.MsgSeq != 1 {
				t.Errorf("URL upload sent as %s (file_info %v)", s.Body, info)
			}

			// From a file: base64 file_data; the extension picks the type.
			for i, f := range []struct {
				file openapi.File
				typ  int
			}{
				{openapi.File{Name: "cat.png", Data: png}, openapi.FileImage},
				{openapi.File{Name: "clip.mp4", Data: []byte("....ftypmp42")}, openapi.FileVideo},
			} {
				if _, err := c.Reply(ctx, src, nil, &f.file); err != nil {
					t.Fatalf("reply with %s: %v", f.file.Name, err)
				}
				s := lastSent(t, srv)
				if info := fileInfo(t, s); s.MsgType != 7 || info["type"] != float64(f.typ) || info["url"] != "" ||
					sentBody(t, s)["content"] != " " || s.MsgSeq != i+2 {
					t.Errorf("%s sent as %s (file_info %v)", f.file.Name, s.Body, info)
				}
			}

			// Files the platform does not take, and files too large to try.
			_, err := c.Reply(ctx, src, nil, &openapi.File{Name: "notes.txt", Data: []byte("text")})
			if e := wantAPIError(t, err, http.StatusBadRequest, 304082); e.Hint() == "" {
				t.Errorf("304082 has no hint")
			}
			_, err = c.Reply(ctx, src, nil, &openapi.File{Name: "huge.png", Data: make([]byte, openapi.MaxUploadSize+1)})
			if !errors.Is(err, openapi.ErrTooLarge) {
				t.Errorf("oversized upload = %v, want ErrTooLarge", err)
			}
			if n := len(srv.Sent()); n != 3 {
				t.Errorf("the simulator recorded %d messages, want 3", n)
			}
			// Neither failure used up a reply: two remain of five.
			for range 2 {
				if _, err := c.Reply(ctx, src, map[string]any{"content": "ok"}, nil); err != nil {
					t.Fatal(err)
				}
			}
		})
	}

	t.Run("typed uploads", func(t *testing.T) {
		srv, c := newSim(t, sim.Config{}, nil)
		ctx := simCtx(t)
		w := srv.World()
		group, user := w.Groups[0].OpenID, w.Users[1].OpenID

		m, err := c.UploadGroupMedia(ctx, group, openapi.MediaUpload{URL: picURL})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := base64.StdEncoding.DecodeString(m.FileInfo); err != nil || m.FileUUID == "" || m.TTL <= 0 || m.ID != "" {
			t.Errorf("UploadGroupMedia = %+v", m)
		}
		// The file_info is usable in a message of the same chat.
		in := mustPost(t, srv, sim.Post{Scene: sim.SceneGroup, Content: "post it"})
		if _, err := c.PostGroupMessage(ctx, group, &openapi.MessageToCreate{MsgType: 7, Content: " ",
			Media: &openapi.MediaRef{FileInfo: m.FileInfo}, MsgID: in.ID, MsgSeq: 1}); err != nil {
			t.Errorf("posting the uploaded media: %v", err)
		}

		// srv_send_msg: the platform sends the file itself, as an active message.
		data := base64.StdEncoding.EncodeToString(png)
		m, err = c.UploadC2CMedia(ctx, user, openapi.MediaUpload{FileType: openapi.FileImage, FileData: data, SrvSendMsg: true})
		if err != nil {
			t.Fatal(err)
		}
		s := lastSent(t, srv)
		if m.ID == "" || s.ID != m.ID || s.UserOpenID != user || s.MsgType != 7 || sentBody(t, s)["file_data"] != data {
			t.Errorf("UploadC2CMedia(srv_send_msg) = %+v; the simulator recorded %+v", m, s)
		}
		_, err = c.UploadGroupMedia(ctx, group, openapi.MediaUpload{FileType: openapi.FileFile, URL: picURL})
		wantAPIError(t, err, http.StatusBadRequest, 304082)
	})

	t.Run("guild channel image URL", func(t *testing.T) {
		srv, c := newSim(t, sim.Config{}, nil)
		ctx := simCtx(t)
		src := sourceOf(t, mustPost(t, srv, sim.Post{Content: "pic?", MentionBot: true}))
		if _, err := c.Reply(ctx, src, map[string]any{"image": picURL}, nil); err != nil {
			t.Fatal(err)
		}
		if body := sentBody(t, lastSent(t, srv)); body["image"] != picURL || body["media"] != nil {
			t.Errorf("guild image sent as %v; guild channels take the URL as is", body)
		}
	})

	t.Run("guild channel file", func(t *testing.T) {
		srv, c := newSim(t, sim.Config{}, nil)
		ctx := simCtx(t)
		src := sourceOf(t, mustPost(t, srv, sim.Post{Content: "pic?", MentionBot: true}))
		sent, err := c.Reply(ctx, src, map[string]any{"content": "here"}, &openapi.File{Name: "cat.png", Data: png})
		if err != nil {
			t.Fatalf("reply with a file: %v", err)
		}
		if len(sent.Attachments) != 1 {
			t.Fatalf("reply with a file answered %+v, want one attachment", sent)
		}
		a := sent.Attachments[0]
		if a.Filename != "cat.png" || a.ContentType != "image/png" || a.Size != len(png) || !strings.HasPrefix(a.URL, "https://") {
			t.Errorf("attachment %+v", a)
		}
		// The platform took it as multipart file_image, with the other fields as form values.
		s := lastSent(t, srv)
		want := sim.Attachment{URL: a.URL, Filename: "cat.png", ContentType: "image/png", Size: len(png)}
		if s.ID != sent.ID || s.MsgID != src.MsgID || len(s.Attachments) != 1 || s.Attachments[0] != want {
			t.Errorf("the simulator recorded %+v", s)
		}
		if body := sentBody(t, s); body["content"] != "here" || body["msg_id"] != src.MsgID || body["file_image"] != nil {
			t.Errorf("form fields recorded as %v", body)
		}
		got, err := c.GetMessage(ctx, src.ChannelID, sent.ID)
		if err != nil || len(got.Attachments) != 1 || got.Attachments[0].URL != a.URL {
			t.Errorf("GetMessage = %+v, %v; want the attachment", got, err)
		}
	})
}
