package openapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

// Voice, schedule and forum channels against the simulator. The seed world
// has text channels only, so each test creates the channel it needs.

// mustCreateChannel creates a channel in the first guild.
func mustCreateChannel(t *testing.T, c *openapi.Client, srv *sim.Server, ch openapi.ChannelToCreate) string {
	t.Helper()
	got, err := c.CreateChannel(simCtx(t), srv.World().Guild.ID, ch)
	if err != nil {
		t.Fatalf("CreateChannel(%+v): %v", ch, err)
	}
	if got.Type != ch.Type || got.ApplicationID != ch.ApplicationID {
		t.Fatalf("CreateChannel(%+v) = %+v", ch, got)
	}
	return got.ID
}

func memberIDs(ms []openapi.Member) []string {
	ids := []string{}
	for _, m := range ms {
		ids = append(ids, m.User.ID)
	}
	return ids
}

func TestSim_Voice(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	text, bob := w.Channels[0].ID, w.Members[1].ID
	voice := mustCreateChannel(t, c, srv, openapi.ChannelToCreate{Name: "voice", Type: 2})
	live := mustCreateChannel(t, c, srv, openapi.ChannelToCreate{Name: "live", Type: 10005})

	if ms, err := c.VoiceMembers(ctx, voice); err != nil || len(ms) != 0 {
		t.Fatalf("VoiceMembers of an empty channel = %+v, %v", ms, err)
	}
	if n, err := c.OnlineNums(ctx, voice); err != nil || n != 0 {
		t.Fatalf("OnlineNums of an empty channel = %d, %v", n, err)
	}

	if err := c.MicOn(ctx, voice); err != nil {
		t.Fatal(err)
	}
	ms, err := c.VoiceMembers(ctx, voice)
	if err != nil || len(ms) != 1 || ms[0].User.ID != w.Bot.ID || !ms[0].User.Bot || len(ms[0].Roles) == 0 {
		t.Fatalf("VoiceMembers after MicOn = %+v, %v; want the bot", ms, err)
	}
	wantTime(t, "joined_at", ms[0].JoinedAt)
	if err := srv.JoinVoice(voice, bob); err != nil {
		t.Fatal(err)
	}
	if ms, err := c.VoiceMembers(ctx, voice); err != nil || !slices.Equal(memberIDs(ms), []string{w.Bot.ID, bob}) {
		t.Errorf("VoiceMembers = %v, %v; want the bot and bob", memberIDs(ms), err)
	}
	if n, err := c.OnlineNums(ctx, voice); err != nil || n != 2 {
		t.Errorf("OnlineNums = %d, %v; want 2", n, err)
	}
	if err := srv.JoinVoice(live, bob); err != nil {
		t.Fatal(err)
	}
	if n, err := c.OnlineNums(ctx, live); err != nil || n != 1 {
		t.Errorf("OnlineNums of the live channel = %d, %v; want 1", n, err)
	}

	for _, a := range []openapi.AudioControl{
		{AudioURL: "https://example.com/a.mp3", Text: "简单爱", Status: openapi.AudioStart},
		{Status: openapi.AudioPause},
		{Status: openapi.AudioResume},
		{Status: openapi.AudioStop},
	} {
		if err := c.ControlAudio(ctx, voice, a); err != nil {
			t.Errorf("ControlAudio(%+v): %v", a, err)
		}
	}
	if err := c.MicOff(ctx, voice); err != nil {
		t.Fatal(err)
	}
	if ms, err := c.VoiceMembers(ctx, voice); err != nil || !slices.Equal(memberIDs(ms), []string{bob}) {
		t.Errorf("VoiceMembers after MicOff = %v, %v; want bob", memberIDs(ms), err)
	}

	t.Run("errors", func(t *testing.T) {
		_, err := c.VoiceMembers(ctx, text)
		wantAPIError(t, err, http.StatusBadRequest, 12002)
		_, err = c.VoiceMembers(ctx, live)
		wantAPIError(t, err, http.StatusBadRequest, 12002)
		_, err = c.VoiceMembers(ctx, "1")
		wantAPIError(t, err, http.StatusNotFound, 10003)
		_, err = c.OnlineNums(ctx, text)
		wantAPIError(t, err, http.StatusBadRequest, 12002)
		wantAPIError(t, c.ControlAudio(ctx, voice, openapi.AudioControl{Status: openapi.AudioStart}), http.StatusBadRequest, 12002)
		wantAPIError(t, c.ControlAudio(ctx, voice, openapi.AudioControl{Status: 4}), http.StatusBadRequest, 12002)
		wantAPIError(t, c.ControlAudio(ctx, text, openapi.AudioControl{Status: openapi.AudioStop}), http.StatusBadRequest, 12002)
		wantAPIError(t, c.MicOn(ctx, text), http.StatusBadRequest, 12002)
		wantAPIError(t, c.MicOff(ctx, "1"), http.StatusNotFound, 10003)
	})
}

func TestSim_Schedules(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	text := w.Channels[0].ID
	ch := mustCreateChannel(t, c, srv, openapi.ChannelToCreate{Name: "日程", Type: 10006, ApplicationID: "1000050"})
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	start := time.Now().Add(time.Hour)
	end := start.Add(time.Hour)

	in := openapi.Schedule{Name: "standup", Description: "daily", StartTimestamp: ms(start), EndTimestamp: ms(end),
		JumpChannelID: text, RemindType: "1"}
	created, err := c.CreateSchedule(ctx, ch, in)
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.Name != in.Name || created.Description != in.Description ||
		created.StartTimestamp != in.StartTimestamp || created.EndTimestamp != in.EndTimestamp ||
		created.JumpChannelID != text || created.RemindType != "1" {
		t.Errorf("CreateSchedule = %+v", created)
	}
	if created.Creator == nil || created.Creator.User.ID != w.Bot.ID {
		t.Errorf("creator = %+v, want the bot", created.Creator)
	}

	// 0 asks for today's schedules, which include one that ends in two hours.
	if got, err := c.Schedules(ctx, ch, 0); err != nil || len(got) != 1 || got[0].ID != created.ID {
		t.Errorf("Schedules(today) = %+v, %v", got, err)
	}
	if got, err := c.Schedules(ctx, ch, end.UnixMilli()); err != nil || got == nil || len(got) != 0 {
		t.Errorf("Schedules(since its end) = %+v, %v; want an empty list", got, err)
	}
	got, err := c.Schedule(ctx, ch, created.ID)
	if err != nil || got.ID != created.ID || got.Name != "standup" || got.Creator == nil {
		t.Errorf("Schedule = %+v, %v", got, err)
	}

	// The client leaves empty description and remind_type out; those keep
	// their values.
	patched, err := c.PatchSchedule(ctx, ch, created.ID, openapi.Schedule{Name: "retro",
		StartTimestamp: ms(start), EndTimestamp: ms(end.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if patched.ID != created.ID || patched.Name != "retro" || patched.EndTimestamp != ms(end.Add(time.Hour)) ||
		patched.Description != "daily" || patched.RemindType != "1" {
		t.Errorf("PatchSchedule = %+v", patched)
	}

	if err := c.DeleteSchedule(ctx, ch, created.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Schedule(ctx, ch, created.ID)
	wantAPIError(t, err, http.StatusNotFound, 404)

	t.Run("errors", func(t *testing.T) {
		for _, bad := range []openapi.Schedule{
			{StartTimestamp: ms(start), EndTimestamp: ms(end)},
			{Name: "x", StartTimestamp: ms(end), EndTimestamp: ms(start)},
			{Name: "x", StartTimestamp: start.Format(time.RFC3339), EndTimestamp: ms(end)},
			{Name: "x", StartTimestamp: ms(start), EndTimestamp: ms(end), RemindType: "9"},
		} {
			_, err := c.CreateSchedule(ctx, ch, bad)
			wantAPIError(t, err, http.StatusBadRequest, 12002)
		}
		_, err := c.Schedules(ctx, text, 0)
		wantAPIError(t, err, http.StatusBadRequest, 12002)
		_, err = c.Schedules(ctx, "1", 0)
		wantAPIError(t, err, http.StatusNotFound, 10003)
		wantAPIError(t, c.DeleteSchedule(ctx, ch, created.ID), http.StatusNotFound, 404)
	})
}

// richText reads the text of the platform's rich-text JSON, a line per
// paragraph.
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
		t.Fatalf("%q is not rich text: %v", doc, err)
	}
	var lines []string
	for _, p := range rt.Paragraphs {
		for _, e := range p.Elems {
			lines = append(lines, e.Text.Text)
		}
	}
	return lines
}

func TestSim_Forums(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)
	w := srv.World()
	text := w.Channels[0].ID
	forum := mustCreateChannel(t, c, srv, openapi.ChannelToCreate{Name: "forum", Type: 10007})

	l, err := c.Threads(ctx, forum)
	if err != nil || l.IsFinish != 1 || len(l.Threads) != 0 {
		t.Fatalf("Threads of an empty forum = %+v, %v", l, err)
	}

	before := time.Now().Unix()
	res, err := c.PutThread(ctx, forum, openapi.ThreadToPut{Title: "Hello", Content: "line 1\nline 2", Format: openapi.ThreadText})
	if err != nil {
		t.Fatal(err)
	}
	if res.TaskID == "" {
		t.Errorf("PutThread = %+v, no task id", res)
	}
	if ct, err := strconv.ParseInt(res.CreateTime, 10, 64); err != nil || ct < before || ct > time.Now().Unix() {
		t.Errorf("create_time = %q, want unix seconds of now", res.CreateTime)
	}

	l, err = c.Threads(ctx, forum)
	if err != nil || l.IsFinish != 1 || len(l.Threads) != 1 {
		t.Fatalf("Threads = %+v, %v", l, err)
	}
	th := l.Threads[0]
	if th.GuildID != w.Guild.ID || th.ChannelID != forum || th.AuthorID != w.Bot.ID || th.ThreadInfo.ThreadID == "" {
		t.Errorf("thread = %+v", th)
	}
	if got := richText(t, th.ThreadInfo.Title); !slices.Equal(got, []string{"Hello"}) {
		t.Errorf("title text = %q", got)
	}
	if got := richText(t, th.ThreadInfo.Content); !slices.Equal(got, []string{"line 1", "line 2"}) {
		t.Errorf("content text = %q", got)
	}
	wantTime(t, "date_time", th.ThreadInfo.DateTime)

	one, err := c.Thread(ctx, forum, th.ThreadInfo.ThreadID)
	if err != nil || one == nil || *one != th {
		t.Errorf("Thread = %+v, %v; want %+v", one, err, th)
	}
	if err := c.DeleteThread(ctx, forum, th.ThreadInfo.ThreadID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Thread(ctx, forum, th.ThreadInfo.ThreadID)
	wantAPIError(t, err, http.StatusNotFound, 404)

	t.Run("errors", func(t *testing.T) {
		for _, bad := range []openapi.ThreadToPut{
			{Content: "c", Format: openapi.ThreadText},
			{Title: "t", Format: openapi.ThreadText},
			{Title: "t", Content: "c"},
			{Title: "t", Content: "not json", Format: openapi.ThreadJSON},
		} {
			_, err := c.PutThread(ctx, forum, bad)
			wantAPIError(t, err, http.StatusBadRequest, 12002)
		}
		_, err := c.Threads(ctx, text)
		wantAPIError(t, err, http.StatusBadRequest, 12002)
		_, err = c.Threads(ctx, "1")
		wantAPIError(t, err, http.StatusNotFound, 10003)
		wantAPIError(t, c.DeleteThread(ctx, forum, th.ThreadInfo.ThreadID), http.StatusNotFound, 404)
	})
}
