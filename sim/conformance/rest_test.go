package conformance_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tencent-connect/botgo/dto"
	"github.com/tencent-connect/botgo/dto/keyboard"
	"github.com/tencent-connect/botgo/errs"
	"github.com/tencent-connect/botgo/openapi"

	"github.com/luabot/luabot/sim"
)

// restEnv is what the REST round-trips share with TestBotgo: the
// simulator, botgo's OpenAPI client pointed at it, and the bot whose
// handlers receive the events those calls dispatch.
type restEnv struct {
	ctx context.Context
	s   *sim.Server
	api openapi.OpenAPI
	b   *bot
}

// run calls botgo's OpenAPI methods against the simulator, one subtest per
// resource. Each checks what botgo decoded and what changed in the
// simulator, and works on its own channels and messages.
func (e restEnv) run(t *testing.T) {
	for _, tt := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"voice members, mic and audio", e.voice},
		{"schedules", e.schedules},
		{"channel announces", e.channelAnnounces},
		{"setting guides", e.settingGuides},
		{"PatchMessage", e.patchMessage},
		{"webhook sessions", e.webhookSessions},
		{"forum threads through Transport", e.forumThreads},
		{"guilds and channels", e.guildsAndChannels},
		{"members and roles", e.membersAndRoles},
		{"reactions and pins", e.reactionsAndPins},
		{"direct messages", e.directMessages},
	} {
		t.Run(tt.name, tt.run)
	}
}

// wantAPIError checks that botgo failed with its error for an HTTP status
// and a §8.2 body carrying code. botgo's error code is the HTTP status and
// its text the response body.
func wantAPIError(t *testing.T, what string, err error, status, code int) {
	t.Helper()
	var e *errs.Err
	if !errors.As(err, &e) {
		t.Errorf("%s: err = %v, want botgo's error for HTTP %d", what, err, status)
		return
	}
	var body struct {
		Code    int    `json:"code"`
		ErrCode int    `json:"err_code"`
		TraceID string `json:"trace_id"`
	}
	if jerr := json.Unmarshal([]byte(e.Text()), &body); jerr != nil {
		t.Errorf("%s: error body %q: %v", what, e.Text(), jerr)
		return
	}
	if e.Code() != status || body.Code != code || body.ErrCode != code || body.TraceID == "" || e.Trace() != body.TraceID {
		t.Errorf("%s: HTTP %d %s (trace header %q), want HTTP %d with code %d", what, e.Code(), e.Text(), e.Trace(), status, code)
	}
}

// checkTime checks that ts is an RFC3339 time, as botgo's Timestamp.Time
// parses it.
func checkTime(t *testing.T, what string, ts dto.Timestamp) time.Time {
	t.Helper()
	tm, err := ts.Time()
	if err != nil {
		t.Errorf("%s %q: %v", what, ts, err)
	}
	return tm
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// newChannel creates a channel in the first guild with botgo's
// PostChannel and checks the answer and the simulator's world.
func (e restEnv) newChannel(t *testing.T, v dto.ChannelValueObject) *dto.Channel {
	t.Helper()
	guild := e.s.World().Guild.ID
	ch, err := e.api.PostChannel(e.ctx, guild, &v)
	if err != nil {
		t.Fatalf("PostChannel(%s): %v", v.Name, err)
	}
	if ch.ID == "" || ch.GuildID != guild || ch.Name != v.Name || ch.Type != v.Type || ch.ApplicationID != v.ApplicationID {
		t.Fatalf("PostChannel(%+v) = %+v", v, ch)
	}
	if !slices.ContainsFunc(e.s.World().Channels, func(c sim.Channel) bool {
		return c.ID == ch.ID && c.Name == v.Name && c.Type == int(v.Type)
	}) {
		t.Fatalf("channel %s is not in the world", ch.ID)
	}
	return ch
}

// expectAudio waits for the next audio event and checks its type and
// channel.
func (b *bot) expectAudio(t *testing.T, want dto.EventType, ch *dto.Channel) *dto.WSAudioData {
	t.Helper()
	got := receive(t, b.audios, string(want))
	if got.t != want || got.d.ChannelID != ch.ID || got.d.GuildID != ch.GuildID {
		t.Fatalf("got %s %+v, want %s in channel %s", got.t, got.d, want, ch.ID)
	}
	return got.d
}

// voiceIDs lists the user ids of voice channel members as botgo decodes
// them.
func (e restEnv) voiceIDs(t *testing.T, channelID string) []string {
	t.Helper()
	members, err := e.api.ListVoiceChannelMembers(e.ctx, channelID)
	if err != nil {
		t.Fatalf("ListVoiceChannelMembers: %v", err)
	}
	ids := []string{}
	for _, m := range members {
		if m.User == nil || m.User.Username == "" || m.Roles == nil {
			t.Fatalf("voice member %+v", m)
		}
		checkTime(t, "voice member joined_at", m.JoinedAt)
		ids = append(ids, m.User.ID)
	}
	return ids
}

func (e restEnv) voice(t *testing.T) {
	w := e.s.World()
	alice := w.Members[0]
	ch := e.newChannel(t, dto.ChannelValueObject{Name: "lounge", Type: dto.ChannelTypeVoice})
	if ids := e.voiceIDs(t, ch.ID); len(ids) != 0 {
		t.Fatalf("empty channel lists %v", ids)
	}

	if err := e.s.JoinVoice(ch.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.api.PutMic(e.ctx, ch.ID); err != nil {
		t.Fatalf("PutMic: %v", err)
	}
	e.b.expectAudio(t, dto.EventAudioOnMic, ch)
	// Already on the mic: no second AUDIO_ON_MIC, as the next event
	// expected below shows.
	if err := e.api.PutMic(e.ctx, ch.ID); err != nil {
		t.Fatalf("PutMic again: %v", err)
	}
	if ids := e.voiceIDs(t, ch.ID); !slices.Equal(ids, []string{alice.ID, w.Bot.ID}) {
		t.Errorf("members after PutMic = %v, want alice then the bot", ids)
	}

	start := &dto.AudioControl{URL: "https://example.com/song.mp3", Text: "now playing", Status: dto.AudioStatusStart}
	got, err := e.api.PostAudio(e.ctx, ch.ID, start)
	if err != nil || got != start {
		t.Fatalf("PostAudio(start) = %+v, %v", got, err)
	}
	if d := e.b.expectAudio(t, dto.EventAudioStart, ch); d.URL != start.URL || d.Text != start.Text {
		t.Errorf("AUDIO_START %+v", d)
	}
	if _, err := e.api.PostAudio(e.ctx, ch.ID, &dto.AudioControl{Status: dto.AudioStatusPause}); err != nil {
		t.Fatalf("PostAudio(pause): %v", err)
	}
	// Stop names the track started above; pause dispatched nothing.
	if _, err := e.api.PostAudio(e.ctx, ch.ID, &dto.AudioControl{Status: dto.AudioStatusStop}); err != nil {
		t.Fatalf("PostAudio(stop): %v", err)
	}
	if d := e.b.expectAudio(t, dto.EventAudioFinish, ch); d.URL != start.URL || d.Text != start.Text {
		t.Errorf("AUDIO_FINISH %+v", d)
	}
	_, err = e.api.PostAudio(e.ctx, ch.ID, &dto.AudioControl{Status: dto.AudioStatusStart})
	wantAPIError(t, "PostAudio(start without audio_url)", err, http.StatusBadRequest, 12002)

	if err := e.api.DeleteMic(e.ctx, ch.ID); err != nil {
		t.Fatalf("DeleteMic: %v", err)
	}
	e.b.expectAudio(t, dto.EventAudioOffMic, ch)
	if ids := e.voiceIDs(t, ch.ID); !slices.Equal(ids, []string{alice.ID}) {
		t.Errorf("members after DeleteMic = %v, want alice", ids)
	}

	wantAPIError(t, "PutMic(text channel)", e.api.PutMic(e.ctx, w.Channels[0].ID), http.StatusBadRequest, 12002)
	_, err = e.api.ListVoiceChannelMembers(e.ctx, "1")
	wantAPIError(t, "ListVoiceChannelMembers(unknown channel)", err, http.StatusNotFound, 10003)
}

func (e restEnv) schedules(t *testing.T) {
	w := e.s.World()
	app := e.newChannel(t, dto.ChannelValueObject{Name: "calendar", Type: dto.ChannelTypeApplication, ApplicationID: "1000050"})
	now := e.s.Now()
	start, end := now.Add(time.Hour), now.Add(2*time.Hour)

	created, err := e.api.CreateSchedule(e.ctx, app.ID, &dto.Schedule{Name: "standup", Description: "daily",
		StartTimestamp: ms(start), EndTimestamp: ms(end), JumpChannelID: w.Channels[0].ID, RemindType: "2"})
	if err != nil {
		t.Fatalf("CreateSchedule: %v", err)
	}
	if created.ID == "" || created.Name != "standup" || created.Description != "daily" ||
		created.StartTimestamp != ms(start) || created.EndTimestamp != ms(end) ||
		created.JumpChannelID != w.Channels[0].ID || created.RemindType != "2" {
		t.Errorf("CreateSchedule = %+v", created)
	}
	if c := created.Creator; c == nil || c.User == nil || c.User.ID != w.Bot.ID || !c.User.Bot {
		t.Errorf("creator = %+v, want the bot", c)
	} else {
		checkTime(t, "creator joined_at", c.JoinedAt)
	}
	if got, err := e.api.GetSchedule(e.ctx, app.ID, created.ID); err != nil || !reflect.DeepEqual(got, created) {
		t.Errorf("GetSchedule = %+v, %v; want %+v", got, err, created)
	}

	// Ended a week ago: not among today's schedules.
	weekAgo := now.Add(-7 * 24 * time.Hour)
	old, err := e.api.CreateSchedule(e.ctx, app.ID, &dto.Schedule{Name: "last week",
		StartTimestamp: ms(weekAgo), EndTimestamp: ms(weekAgo.Add(time.Hour))})
	if err != nil || old.RemindType != "0" {
		t.Fatalf("CreateSchedule(last week) = %+v, %v; want remind_type \"0\" by default", old, err)
	}
	list := func(since uint64) []string {
		t.Helper()
		got, err := e.api.ListSchedules(e.ctx, app.ID, since)
		if err != nil {
			t.Fatalf("ListSchedules(%d): %v", since, err)
		}
		ids := []string{}
		for _, sc := range got {
			ids = append(ids, sc.ID)
		}
		return ids
	}
	// botgo sends since=0 for its documented "today's schedules".
	if got := list(0); !slices.Equal(got, []string{created.ID}) {
		t.Errorf("ListSchedules(0) = %v, want today's [%s]", got, created.ID)
	}
	if got := list(uint64(weekAgo.UnixMilli())); !slices.Equal(got, []string{old.ID, created.ID}) {
		t.Errorf("ListSchedules(a week ago) = %v, want [%s %s] by start", got, old.ID, created.ID)
	}
	if got := list(uint64(end.UnixMilli())); len(got) != 0 {
		t.Errorf("ListSchedules(after the last end) = %v, want none", got)
	}

	// botgo leaves empty fields out, so the patch changes only these.
	modified, err := e.api.ModifySchedule(e.ctx, app.ID, created.ID, &dto.Schedule{Name: "retro", RemindType: "5"})
	if err != nil {
		t.Fatalf("ModifySchedule: %v", err)
	}
	want := *created
	want.Name, want.RemindType = "retro", "5"
	if !reflect.DeepEqual(*modified, want) {
		t.Errorf("ModifySchedule = %+v, want %+v", modified, want)
	}
	if got, err := e.api.GetSchedule(e.ctx, app.ID, created.ID); err != nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("GetSchedule after modify = %+v, %v", got, err)
	}

	if err := e.api.DeleteSchedule(e.ctx, app.ID, created.ID); err != nil {
		t.Fatalf("DeleteSchedule: %v", err)
	}
	_, err = e.api.GetSchedule(e.ctx, app.ID, created.ID)
	wantAPIError(t, "GetSchedule(deleted)", err, http.StatusNotFound, 404)
	wantAPIError(t, "DeleteSchedule(deleted)", e.api.DeleteSchedule(e.ctx, app.ID, created.ID), http.StatusNotFound, 404)
	if got := list(uint64(weekAgo.UnixMilli())); !slices.Equal(got, []string{old.ID}) {
		t.Errorf("ListSchedules after delete = %v, want [%s]", got, old.ID)
	}
	_, err = e.api.CreateSchedule(e.ctx, w.Channels[0].ID, &dto.Schedule{Name: "x", StartTimestamp: ms(start), EndTimestamp: ms(end)})
	wantAPIError(t, "CreateSchedule(text channel)", err, http.StatusBadRequest, 12002)
}

func (e restEnv) channelAnnounces(t *testing.T) {
	w := e.s.World()
	ch := w.Channels[1]
	posted, err := e.s.Post(sim.Post{ChannelID: ch.ID, Content: "read the rules"})
	if err != nil {
		t.Fatal(err)
	}
	create := func() {
		t.Helper()
		a, err := e.api.CreateChannelAnnounces(e.ctx, ch.ID, &dto.ChannelAnnouncesToCreate{MessageID: posted.ID})
		if err != nil {
			t.Fatalf("CreateChannelAnnounces: %v", err)
		}
		if a.GuildID != ch.GuildID || a.ChannelID != ch.ID || a.MessageID != posted.ID || a.AnnouncesType != 0 {
			t.Errorf("CreateChannelAnnounces = %+v", a)
		}
	}

	create()
	if err := e.api.DeleteChannelAnnounces(e.ctx, ch.ID, posted.ID); err != nil {
		t.Fatalf("DeleteChannelAnnounces: %v", err)
	}
	// Gone: deleting it by id again finds nothing.
	wantAPIError(t, "DeleteChannelAnnounces(deleted)", e.api.DeleteChannelAnnounces(e.ctx, ch.ID, posted.ID), http.StatusNotFound, 404)

	create()
	if err := e.api.CleanChannelAnnounces(e.ctx, ch.ID); err != nil {
		t.Fatalf("CleanChannelAnnounces: %v", err)
	}
	wantAPIError(t, "DeleteChannelAnnounces(cleaned)", e.api.DeleteChannelAnnounces(e.ctx, ch.ID, posted.ID), http.StatusNotFound, 404)

	// The channel route sets the guild's one announcement.
	create()
	if err := e.api.DeleteGuildAnnounces(e.ctx, ch.GuildID, posted.ID); err != nil {
		t.Errorf("DeleteGuildAnnounces(the channel's announcement): %v", err)
	}
	_, err = e.api.CreateChannelAnnounces(e.ctx, w.Channels[0].ID, &dto.ChannelAnnouncesToCreate{MessageID: posted.ID})
	wantAPIError(t, "CreateChannelAnnounces(message of another channel)", err, http.StatusNotFound, 404)
}

func (e restEnv) settingGuides(t *testing.T) {
	w := e.s.World()
	ch := w.Channels[1]
	alice, bob := w.Members[0], w.Members[1]

	n := len(e.s.Sent())
	m, err := e.api.PostSettingGuide(e.ctx, ch.ID, []string{alice.ID, bob.ID})
	if err != nil {
		t.Fatalf("PostSettingGuide: %v", err)
	}
	if m.ID == "" || m.ChannelID != ch.ID || m.GuildID != ch.GuildID || m.Content != "<@"+alice.ID+"><@"+bob.ID+">" ||
		m.Author == nil || m.Author.ID != w.Bot.ID || !m.Author.Bot {
		t.Errorf("PostSettingGuide = %+v", m)
	}
	checkTime(t, "guide timestamp", m.Timestamp)
	sent, err := e.s.WaitSent(e.ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if !sent.SettingGuide || sent.ID != m.ID || sent.Scene != sim.SceneGuild || sent.Content != m.Content {
		t.Errorf("recorded %+v", sent)
	}
	if stored, ok := e.s.Message(m.ID); !ok || stored.Content != m.Content {
		t.Errorf("stored guide = %+v, %v", stored, ok)
	}
	_, err = e.api.PostSettingGuide(e.ctx, ch.ID, nil)
	wantAPIError(t, "PostSettingGuide(nobody)", err, http.StatusBadRequest, 50006)

	dm, err := e.api.CreateDirectMessage(e.ctx, &dto.DirectMessageToCreate{SourceGuildID: w.Guild.ID, RecipientID: alice.ID})
	if err != nil {
		t.Fatalf("CreateDirectMessage: %v", err)
	}
	g, err := e.api.PostDMSettingGuide(e.ctx, dm, w.Guild.ID)
	if err != nil {
		t.Fatalf("PostDMSettingGuide: %v", err)
	}
	if g.ID == "" || g.GuildID != dm.GuildID || g.ChannelID != dm.ChannelID || !g.DirectMessage ||
		g.SrcGuildID != w.Guild.ID || g.Content != "" || g.Author == nil || g.Author.ID != w.Bot.ID {
		t.Errorf("PostDMSettingGuide = %+v", g)
	}
	sent, err = e.s.WaitSent(e.ctx, n+1)
	if err != nil {
		t.Fatal(err)
	}
	if !sent.SettingGuide || sent.ID != g.ID || sent.Scene != sim.SceneDM || sent.GuildID != dm.GuildID {
		t.Errorf("recorded %+v", sent)
	}
	_, err = e.api.PostDMSettingGuide(e.ctx, dm, "1")
	wantAPIError(t, "PostDMSettingGuide(unknown guild)", err, http.StatusNotFound, 10004)
}

// voteKeyboard is a one-button keyboard labelled label.
func voteKeyboard(label string) *keyboard.MessageKeyboard {
	return &keyboard.MessageKeyboard{Content: &keyboard.CustomKeyboard{Rows: []*keyboard.Row{{Buttons: []*keyboard.Button{{
		ID:         "vote",
		RenderData: &keyboard.RenderData{Label: label, VisitedLabel: label, Style: 1},
		Action: &keyboard.Action{Type: keyboard.ActionTypeCallback, Data: "vote",
			Permission: &keyboard.Permission{Type: keyboard.PermissionTypAll}},
	}}}}}}
}

// storedEdit decodes the markdown content and button label the simulator
// keeps for message id.
func (e restEnv) storedEdit(t *testing.T, id string) (markdown, label string, edited string) {
	t.Helper()
	m, ok := e.s.Message(id)
	if !ok {
		t.Fatalf("message %s is not stored", id)
	}
	var md dto.Markdown
	var kb keyboard.MessageKeyboard
	if err := json.Unmarshal(m.Markdown, &md); err != nil {
		t.Fatalf("stored markdown %s: %v", m.Markdown, err)
	}
	if err := json.Unmarshal(m.Keyboard, &kb); err != nil || kb.Content == nil || len(kb.Content.Rows) != 1 ||
		len(kb.Content.Rows[0].Buttons) != 1 || kb.Content.Rows[0].Buttons[0].RenderData == nil {
		t.Fatalf("stored keyboard %s: %v", m.Keyboard, err)
	}
	return md.Content, kb.Content.Rows[0].Buttons[0].RenderData.Label, m.EditedTimestamp
}

func (e restEnv) patchMessage(t *testing.T) {
	w := e.s.World()
	ch := w.Channels[1]
	sent, err := e.api.PostMessage(e.ctx, ch.ID, &dto.MessageToCreate{MsgType: dto.MarkdownMsg,
		Markdown: &dto.Markdown{Content: "# poll v1"}, Keyboard: voteKeyboard("vote")})
	if err != nil {
		t.Fatalf("PostMessage(markdown): %v", err)
	}
	if sent.ID == "" || sent.EditedTimestamp != "" {
		t.Fatalf("PostMessage = %+v", sent)
	}

	edited, err := e.api.PatchMessage(e.ctx, ch.ID, sent.ID, &dto.MessageToCreate{Markdown: &dto.Markdown{Content: "# poll v2"}})
	if err != nil {
		t.Fatalf("PatchMessage(markdown): %v", err)
	}
	if edited.ID != sent.ID || edited.ChannelID != ch.ID || edited.GuildID != ch.GuildID || edited.Timestamp != sent.Timestamp ||
		edited.Author == nil || edited.Author.ID != w.Bot.ID {
		t.Errorf("PatchMessage = %+v, sent %+v", edited, sent)
	}
	if at := checkTime(t, "edited_timestamp", edited.EditedTimestamp); at.Before(checkTime(t, "timestamp", sent.Timestamp)) {
		t.Errorf("edited at %s, before it was sent at %s", edited.EditedTimestamp, sent.Timestamp)
	}
	// The keyboard was left out, so it stays.
	if md, label, at := e.storedEdit(t, sent.ID); md != "# poll v2" || label != "vote" || at != string(edited.EditedTimestamp) {
		t.Errorf("stored after the markdown edit: %q, %q, edited %q", md, label, at)
	}
	if _, err := e.api.PatchMessage(e.ctx, ch.ID, sent.ID, &dto.MessageToCreate{Keyboard: voteKeyboard("voted")}); err != nil {
		t.Fatalf("PatchMessage(keyboard): %v", err)
	}
	if md, label, _ := e.storedEdit(t, sent.ID); md != "# poll v2" || label != "voted" {
		t.Errorf("stored after the keyboard edit: %q, %q", md, label)
	}

	posted, err := e.s.Post(sim.Post{ChannelID: ch.ID, Content: "not yours"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.api.PatchMessage(e.ctx, ch.ID, posted.ID, &dto.MessageToCreate{Markdown: &dto.Markdown{Content: "x"}})
	wantAPIError(t, "PatchMessage(a user's message)", err, http.StatusBadRequest, 50051)
	_, err = e.api.PatchMessage(e.ctx, ch.ID, sent.ID, &dto.MessageToCreate{Content: "plain text"})
	wantAPIError(t, "PatchMessage(neither markdown nor keyboard)", err, http.StatusBadRequest, 50006)
}

// hookSession finds session id in a botgo session list.
func hookSession(list []*dto.HTTPSession, id string) *dto.HTTPSession {
	for _, hs := range list {
		if hs.SessionID == id {
			return hs
		}
	}
	return nil
}

func (e restEnv) webhookSessions(t *testing.T) {
	w := e.s.World()
	identity := dto.HTTPIdentity{Intents: dto.IntentGuildAtMessage | dto.IntentAudio, Shards: [2]uint32{0, 1},
		Callback: "https://bot.example/qq/callback"}
	ready, err := e.api.CreateSession(e.ctx, identity)
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if ready.Version != 1 || ready.SessionID == "" || ready.Bot.ID != w.Bot.ID || ready.Bot.Username != w.Bot.Username ||
		ready.Shard != [2]uint32{0, 1} {
		t.Errorf("CreateSession = %+v", ready)
	}

	list, err := e.api.SessionList(e.ctx)
	if err != nil {
		t.Fatalf("SessionList: %v", err)
	}
	hs := hookSession(list, ready.SessionID)
	if hs == nil {
		t.Fatalf("SessionList %+v lacks %s", list, ready.SessionID)
	}
	if strconv.FormatInt(hs.AppID, 10) != e.s.AppID() || hs.CallbackURL != identity.Callback ||
		hs.Intents != int64(identity.Intents) || hs.Shards != [2]int64{0, 1} || hs.State == "" {
		t.Errorf("session %+v", hs)
	}
	heard := checkTime(t, "last_heartbeat_time", dto.Timestamp(hs.LastHeartbeatTime))

	// A check marks every session as heard from now.
	if err := e.s.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	checked, err := e.api.CheckSessions(e.ctx)
	if err != nil {
		t.Fatalf("CheckSessions: %v", err)
	}
	if hs := hookSession(checked, ready.SessionID); hs == nil {
		t.Errorf("CheckSessions %+v lacks %s", checked, ready.SessionID)
	} else if at := checkTime(t, "checked last_heartbeat_time", dto.Timestamp(hs.LastHeartbeatTime)); !at.After(heard) {
		t.Errorf("last_heartbeat_time %s after a check, was %s", hs.LastHeartbeatTime, heard)
	}

	if err := e.api.RemoveSession(e.ctx, ready.SessionID); err != nil {
		t.Fatalf("RemoveSession: %v", err)
	}
	if list, err := e.api.SessionList(e.ctx); err != nil || hookSession(list, ready.SessionID) != nil {
		t.Errorf("SessionList after remove = %+v, %v", list, err)
	}
	wantAPIError(t, "RemoveSession(removed)", e.api.RemoveSession(e.ctx, ready.SessionID), http.StatusNotFound, 404)
	_, err = e.api.CreateSession(e.ctx, dto.HTTPIdentity{Shards: [2]uint32{0, 1}, Callback: "not a url"})
	wantAPIError(t, "CreateSession(bad callback_url)", err, http.StatusBadRequest, 12002)
}

// expectThread waits for the next forum thread event and checks its type,
// channel and thread.
func (b *bot) expectThread(t *testing.T, want dto.EventType, ch *dto.Channel) *dto.WSThreadData {
	t.Helper()
	got := receive(t, b.threads, string(want))
	if got.t != want || got.d.ChannelID != ch.ID || got.d.GuildID != ch.GuildID || got.d.ThreadInfo.ThreadID == "" {
		t.Fatalf("got %s %+v, want %s in channel %s", got.t, got.d, want, ch.ID)
	}
	return got.d
}

// richText reads the text lines of a forum rich-text document.
func richText(t *testing.T, doc string) []string {
	t.Helper()
	var rt struct {
		Paragraphs []struct {
			Elems []struct {
				Text struct {
					Text string `json:"text"`
				} `json:"text"`
			} `json:"elems"`
		} `json:"paragraphs"`
	}
	if err := json.Unmarshal([]byte(doc), &rt); err != nil {
		t.Fatalf("rich text %q: %v", doc, err)
	}
	var lines []string
	for _, p := range rt.Paragraphs {
		var line strings.Builder
		for _, el := range p.Elems {
			line.WriteString(el.Text.Text)
		}
		lines = append(lines, line.String())
	}
	return lines
}

// forumThreads uses Transport, botgo's pass-through for endpoints it has no
// method for, and botgo's typed FORUM_THREAD_* events.
func (e restEnv) forumThreads(t *testing.T) {
	w := e.s.World()
	forum := e.newChannel(t, dto.ChannelValueObject{Name: "forum", Type: dto.ChannelTypeForum})
	base := e.s.APIURL() + "/channels/" + forum.ID + "/threads"
	body, err := e.api.Transport(e.ctx, http.MethodPut, base,
		map[string]any{"title": "Release notes", "content": "line one\nline two", "format": 1})
	if err != nil {
		t.Fatalf("PUT thread: %v", err)
	}
	var task struct {
		TaskID     string `json:"task_id"`
		CreateTime string `json:"create_time"`
	}
	if err := json.Unmarshal(body, &task); err != nil || task.TaskID == "" {
		t.Fatalf("PUT thread answered %s (%v)", body, err)
	}
	if _, err := strconv.ParseInt(task.CreateTime, 10, 64); err != nil {
		t.Errorf("create_time %q is not unix seconds", task.CreateTime)
	}

	created := e.b.expectThread(t, dto.EventForumThreadCreate, forum)
	info := created.ThreadInfo
	if created.AuthorID != w.Bot.ID || !slices.Equal(richText(t, info.Title), []string{"Release notes"}) ||
		!slices.Equal(richText(t, info.Content), []string{"line one", "line two"}) {
		t.Errorf("FORUM_THREAD_CREATE %+v", created)
	}
	checkTime(t, "thread date_time", dto.Timestamp(info.DateTime))

	body, err = e.api.Transport(e.ctx, http.MethodGet, base+"/"+info.ThreadID, nil)
	var detail struct {
		Thread dto.Thread `json:"thread"`
	}
	if err != nil || json.Unmarshal(body, &detail) != nil || !reflect.DeepEqual(detail.Thread, dto.Thread(*created)) {
		t.Errorf("GET thread = %s, %v; want the created thread %+v", body, err, created)
	}

	if _, err := e.api.Transport(e.ctx, http.MethodDelete, base+"/"+info.ThreadID, nil); err != nil {
		t.Fatalf("DELETE thread: %v", err)
	}
	if deleted := e.b.expectThread(t, dto.EventForumThreadDelete, forum); deleted.ThreadInfo.ThreadID != info.ThreadID {
		t.Errorf("FORUM_THREAD_DELETE %+v, want thread %s", deleted, info.ThreadID)
	}
	_, err = e.api.Transport(e.ctx, http.MethodGet, base+"/"+info.ThreadID, nil)
	wantAPIError(t, "GET deleted thread", err, http.StatusNotFound, 404)
}

func (e restEnv) guildsAndChannels(t *testing.T) {
	w := e.s.World()
	guilds, err := e.api.MeGuilds(e.ctx, &dto.GuildPager{Limit: "100"})
	if err != nil {
		t.Fatalf("MeGuilds: %v", err)
	}
	if len(guilds) != len(w.Guilds) || guilds[0].ID != w.Guild.ID || guilds[0].Name != w.Guild.Name {
		t.Errorf("MeGuilds = %+v; want %d guilds, the first %+v", guilds, len(w.Guilds), w.Guild)
	}
	g, err := e.api.Guild(e.ctx, w.Guild.ID)
	if err != nil {
		t.Fatalf("Guild: %v", err)
	}
	if g.ID != w.Guild.ID || g.Name != w.Guild.Name || g.OwnerID != w.Guild.OwnerID || g.MemberCount != w.Guild.MemberCount || g.MaxMembers == 0 {
		t.Errorf("Guild = %+v, want %+v", g, w.Guild)
	}
	checkTime(t, "guild joined_at", g.JoinedAt)

	channels, err := e.api.Channels(e.ctx, w.Guild.ID)
	if err != nil {
		t.Fatalf("Channels: %v", err)
	}
	var ids []string
	for _, c := range channels {
		ids = append(ids, c.ID)
	}
	for _, c := range w.Channels {
		if !slices.Contains(ids, c.ID) {
			t.Errorf("Channels %v lacks %s (%s)", ids, c.ID, c.Name)
		}
	}
	if c, err := e.api.Channel(e.ctx, w.Channels[0].ID); err != nil || c.Name != w.Channels[0].Name || c.Type != dto.ChannelTypeText || c.GuildID != w.Guild.ID {
		t.Errorf("Channel = %+v, %v; want %+v", c, err, w.Channels[0])
	}

	ch := e.newChannel(t, dto.ChannelValueObject{Name: "scratch", Type: dto.ChannelTypeText, SubType: dto.ChannelSubTypeGuide})
	if ch.SubType != dto.ChannelSubTypeGuide {
		t.Errorf("sub_type = %d, want %d", ch.SubType, dto.ChannelSubTypeGuide)
	}
	patched, err := e.api.PatchChannel(e.ctx, ch.ID, &dto.ChannelValueObject{Name: "renamed"})
	if err != nil || patched.ID != ch.ID || patched.Name != "renamed" || patched.SubType != dto.ChannelSubTypeGuide {
		t.Errorf("PatchChannel = %+v, %v", patched, err)
	}
	if !slices.ContainsFunc(e.s.World().Channels, func(c sim.Channel) bool { return c.ID == ch.ID && c.Name == "renamed" }) {
		t.Errorf("the world did not see the rename")
	}
	if err := e.api.DeleteChannel(e.ctx, ch.ID); err != nil {
		t.Fatalf("DeleteChannel: %v", err)
	}
	if slices.ContainsFunc(e.s.World().Channels, func(c sim.Channel) bool { return c.ID == ch.ID }) {
		t.Errorf("deleted channel %s is still in the world", ch.ID)
	}
	_, err = e.api.Channel(e.ctx, ch.ID)
	wantAPIError(t, "Channel(deleted)", err, http.StatusNotFound, 10003)
}

// memberRoles reads a member's roles through botgo.
func (e restEnv) memberRoles(t *testing.T, guildID, userID string) []string {
	t.Helper()
	m, err := e.api.GuildMember(e.ctx, guildID, userID)
	if err != nil {
		t.Fatalf("GuildMember: %v", err)
	}
	if m.User == nil || m.User.ID != userID {
		t.Fatalf("GuildMember(%s) = %+v", userID, m)
	}
	checkTime(t, "member joined_at", m.JoinedAt)
	return m.Roles
}

func (e restEnv) membersAndRoles(t *testing.T) {
	w := e.s.World()
	guild, alice := w.Guild.ID, w.Members[0]
	members, err := e.api.GuildMembers(e.ctx, guild, &dto.GuildMembersPager{After: "0", Limit: "400"})
	if err != nil {
		t.Fatalf("GuildMembers: %v", err)
	}
	var ids []string
	for _, m := range members {
		if m.User == nil {
			t.Fatalf("member without user: %+v", m)
		}
		ids = append(ids, m.User.ID)
	}
	for _, u := range append([]sim.User{w.Bot}, w.Members...) {
		if !slices.Contains(ids, u.ID) {
			t.Errorf("GuildMembers %v lacks %s (%s)", ids, u.ID, u.Username)
		}
	}

	// botgo sends {guild_id, filter, info} and reads {role_id, guild_id, role}.
	created, err := e.api.PostRole(e.ctx, guild, &dto.Role{Name: "testers", Color: 0xff00ff00, Hoist: 1})
	if err != nil {
		t.Fatalf("PostRole: %v", err)
	}
	if created.RoleID == "" || created.GuildID != guild || created.Role == nil || created.Role.ID != created.RoleID ||
		created.Role.Name != "testers" || created.Role.Color != 0xff00ff00 || created.Role.Hoist != 1 {
		t.Errorf("PostRole = %+v (role %+v)", created, created.Role)
	}
	role := created.RoleID
	patched, err := e.api.PatchRole(e.ctx, guild, role, &dto.Role{Name: "qa", Color: 0xff0000ff})
	if err != nil || patched.RoleID != role || patched.Role == nil || patched.Role.Name != "qa" || patched.Role.Color != 0xff0000ff {
		t.Errorf("PatchRole = %+v, %v", patched, err)
	}
	roles, err := e.api.Roles(e.ctx, guild)
	if err != nil || roles.GuildID != guild || roles.NumLimit == "" ||
		!slices.ContainsFunc(roles.Roles, func(r *dto.Role) bool { return r.ID == role && r.Name == "qa" }) {
		t.Errorf("Roles = %+v, %v; want role %s named qa", roles, err, role)
	}

	if err := e.api.MemberAddRole(e.ctx, guild, role, alice.ID, nil); err != nil {
		t.Fatalf("MemberAddRole: %v", err)
	}
	if got := e.memberRoles(t, guild, alice.ID); !slices.Contains(got, string(role)) {
		t.Errorf("roles after MemberAddRole = %v", got)
	}
	inRole, _, err := e.api.GuildRoleMembers(e.ctx, guild, string(role), &dto.GuildRoleMembersPager{StartIndex: "0", Limit: "10"})
	if err != nil || len(inRole) != 1 || inRole[0].User == nil || inRole[0].User.ID != alice.ID {
		t.Errorf("GuildRoleMembers = %+v, %v; want alice", inRole, err)
	}
	if err := e.api.MemberDeleteRole(e.ctx, guild, role, alice.ID, nil); err != nil {
		t.Fatalf("MemberDeleteRole: %v", err)
	}
	if got := e.memberRoles(t, guild, alice.ID); slices.Contains(got, string(role)) {
		t.Errorf("roles after MemberDeleteRole = %v", got)
	}

	if err := e.api.DeleteRole(e.ctx, guild, role); err != nil {
		t.Fatalf("DeleteRole: %v", err)
	}
	if roles, err := e.api.Roles(e.ctx, guild); err != nil || slices.ContainsFunc(roles.Roles, func(r *dto.Role) bool { return r.ID == role }) {
		t.Errorf("Roles after delete = %+v, %v", roles, err)
	}
	wantAPIError(t, "DeleteRole(deleted)", e.api.DeleteRole(e.ctx, guild, role), http.StatusNotFound, 404)
}

func (e restEnv) reactionsAndPins(t *testing.T) {
	w := e.s.World()
	ch := w.Channels[1]
	posted, err := e.s.Post(sim.Post{ChannelID: ch.ID, Content: "react to me"})
	if err != nil {
		t.Fatal(err)
	}
	emoji := dto.Emoji{ID: "4", Type: 1}
	reactors := func() []string {
		t.Helper()
		users, err := e.api.GetMessageReactionUsers(e.ctx, ch.ID, posted.ID, emoji, &dto.MessageReactionPager{Limit: "20"})
		if err != nil {
			t.Fatalf("GetMessageReactionUsers: %v", err)
		}
		if !users.IsEnd {
			t.Errorf("is_end false for a single page: %+v", users)
		}
		ids := []string{}
		for _, u := range users.Users {
			ids = append(ids, u.ID)
		}
		return ids
	}
	if err := e.api.CreateMessageReaction(e.ctx, ch.ID, posted.ID, emoji); err != nil {
		t.Fatalf("CreateMessageReaction: %v", err)
	}
	if got := reactors(); !slices.Equal(got, []string{w.Bot.ID}) {
		t.Errorf("reactors = %v, want the bot", got)
	}
	wantAPIError(t, "CreateMessageReaction(again)", e.api.CreateMessageReaction(e.ctx, ch.ID, posted.ID, emoji), http.StatusBadRequest, 620003)
	if err := e.api.DeleteOwnMessageReaction(e.ctx, ch.ID, posted.ID, emoji); err != nil {
		t.Fatalf("DeleteOwnMessageReaction: %v", err)
	}
	if got := reactors(); len(got) != 0 {
		t.Errorf("reactors after delete = %v", got)
	}

	pins, err := e.api.AddPins(e.ctx, ch.ID, posted.ID)
	if err != nil || pins.GuildID != ch.GuildID || pins.ChannelID != ch.ID || !slices.Contains(pins.MessageIDs, posted.ID) {
		t.Fatalf("AddPins = %+v, %v", pins, err)
	}
	if got, err := e.api.GetPins(e.ctx, ch.ID); err != nil || !reflect.DeepEqual(got, pins) {
		t.Errorf("GetPins = %+v, %v; want %+v", got, err, pins)
	}
	if err := e.api.DeletePins(e.ctx, ch.ID, posted.ID); err != nil {
		t.Fatalf("DeletePins: %v", err)
	}
	if got, err := e.api.GetPins(e.ctx, ch.ID); err != nil || slices.Contains(got.MessageIDs, posted.ID) {
		t.Errorf("GetPins after delete = %+v, %v", got, err)
	}
	if _, err := e.api.AddPins(e.ctx, ch.ID, posted.ID); err != nil {
		t.Fatalf("AddPins again: %v", err)
	}
	if err := e.api.CleanPins(e.ctx, ch.ID); err != nil {
		t.Fatalf("CleanPins: %v", err)
	}
	if got, err := e.api.GetPins(e.ctx, ch.ID); err != nil || len(got.MessageIDs) != 0 {
		t.Errorf("GetPins after clean = %+v, %v", got, err)
	}
}

func (e restEnv) directMessages(t *testing.T) {
	w := e.s.World()
	bob := w.Members[1]
	dm, err := e.api.CreateDirectMessage(e.ctx, &dto.DirectMessageToCreate{SourceGuildID: w.Guild.ID, RecipientID: bob.ID})
	if err != nil {
		t.Fatalf("CreateDirectMessage: %v", err)
	}
	if dm.GuildID == "" || dm.ChannelID == "" || dm.GuildID == w.Guild.ID {
		t.Errorf("CreateDirectMessage = %+v", dm)
	}
	if _, err := strconv.ParseInt(dm.CreateTime, 10, 64); err != nil {
		t.Errorf("create_time %q is not unix seconds", dm.CreateTime)
	}

	n := len(e.s.Sent())
	m, err := e.api.PostDirectMessage(e.ctx, dm, &dto.MessageToCreate{Content: "hello in private"})
	if err != nil {
		t.Fatalf("PostDirectMessage: %v", err)
	}
	if m.ID == "" || m.GuildID != dm.GuildID || m.ChannelID != dm.ChannelID || !m.DirectMessage ||
		m.SrcGuildID != w.Guild.ID || m.Content != "hello in private" {
		t.Errorf("PostDirectMessage = %+v", m)
	}
	sent, err := e.s.WaitSent(e.ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if sent.ID != m.ID || sent.Scene != sim.SceneDM || sent.Content != m.Content {
		t.Errorf("recorded %+v", sent)
	}
	if err := e.api.RetractDMMessage(e.ctx, dm.GuildID, m.ID); err != nil {
		t.Fatalf("RetractDMMessage: %v", err)
	}
	if _, ok := e.s.Message(m.ID); ok {
		t.Errorf("message %s is still stored after the recall", m.ID)
	}
}
