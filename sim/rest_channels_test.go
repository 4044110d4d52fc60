package sim_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/luabot/luabot/sim"
)

// Tests of the endpoints that serve one kind of channel: voice and live
// (voice members, online_nums, audio, mic), schedule channels (schedules)
// and forum channels (threads).

// mustChannel creates a channel of typ in the first guild through the REST
// API and returns its id.
func mustChannel(a api, name string, typ int, appID string) string {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "type": typ, "application_id": appID})
	r := a.call(http.MethodPost, "/guilds/"+a.s.World().Guild.ID+"/channels", string(body), http.StatusOK)
	return decode[struct {
		ID string `json:"id"`
	}](a.t, r.body).ID
}

// errorCase is one request that must fail with status and code.
type errorCase struct {
	name, method, path, body string
	status, code             int
}

func runErrorCases(t *testing.T, a api, cases []errorCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, do(t, tt.method, a.s.APIURL()+tt.path, tt.body, a.auth), tt.status, tt.code)
		})
	}
}

type voiceMember struct {
	User struct {
		ID  string `json:"id"`
		Bot bool   `json:"bot"`
	} `json:"user"`
	Roles    []string `json:"roles"`
	JoinedAt string   `json:"joined_at"`
}

type audioAction struct {
	GuildID   string  `json:"guild_id"`
	ChannelID string  `json:"channel_id"`
	AudioURL  *string `json:"audio_url"`
	Text      *string `json:"text"`
}

// readEvent reads the next dispatch, checks its type and decodes d.
func readEvent[T any](t *testing.T, c *wsClient, typ string) T {
	t.Helper()
	f := c.readOp(0)
	if f.T != typ {
		t.Fatalf("event %s, want %s", f.raw, typ)
	}
	return decode[T](t, f.D)
}

func TestREST_Voice(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	a := newAPI(t, s)
	w := s.World()
	text := w.Channels[0].ID
	voice := mustChannel(a, "voice", 2, "")
	live := mustChannel(a, "live", 10005, "")
	bob := w.Members[1].ID
	c, _ := MustIdentify(t, s, sim.IntentAudioAction|sim.IntentAudioOrLiveChannel)

	members := func(ch string) []voiceMember {
		t.Helper()
		return decode[[]voiceMember](t, a.call(http.MethodGet, "/channels/"+ch+"/voice/members", "", http.StatusOK).body)
	}
	online := func(ch string) int {
		t.Helper()
		r := a.call(http.MethodGet, "/channels/"+ch+"/online_nums", "", http.StatusOK)
		checkJSONHeaders(t, r)
		v := decode[map[string]*int](t, r.body)
		if v["online_nums"] == nil {
			t.Fatalf("online_nums missing from %s", r.body)
		}
		return *v["online_nums"]
	}
	ids := func(ms []voiceMember) []string {
		out := []string{}
		for _, m := range ms {
			out = append(out, m.User.ID)
		}
		return out
	}

	if r := a.call(http.MethodGet, "/channels/"+voice+"/voice/members", "", http.StatusOK); string(r.body) != "[]" {
		t.Errorf("empty channel lists %s, want []", r.body)
	}
	if n := online(voice); n != 0 {
		t.Errorf("online_nums of an empty channel = %d", n)
	}

	if r := a.call(http.MethodPut, "/channels/"+voice+"/mic", "{}", http.StatusOK); string(r.body) != "{}" {
		t.Errorf("PUT mic answered %s, want {}", r.body)
	}
	if d := readEvent[audioAction](t, c, "AUDIO_ON_MIC"); d.GuildID != w.Guild.ID || d.ChannelID != voice || d.AudioURL != nil || d.Text != nil {
		t.Errorf("AUDIO_ON_MIC d = %+v, want only the ids", d)
	}
	// On the mic already: still {}, but nothing happened to report.
	a.call(http.MethodPut, "/channels/"+voice+"/mic", "", http.StatusOK)
	c.heartbeatProbe()
	if got := members(voice); len(got) != 1 || got[0].User.ID != w.Bot.ID || !got[0].User.Bot || got[0].JoinedAt == "" {
		t.Fatalf("voice members after mic on = %+v, want the bot", got)
	}

	if err := s.JoinVoice(voice, bob); err != nil {
		t.Fatal(err)
	}
	enter := readEvent[map[string]any](t, c, "AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER")
	if enter["user_id"] != bob || enter["channel_id"] != voice || enter["guild_id"] != w.Guild.ID || enter["channel_type"] != float64(2) {
		t.Errorf("ENTER d = %v", enter)
	}
	if err := s.JoinVoice(voice, bob); err != nil {
		t.Fatal(err)
	}
	c.heartbeatProbe()
	if got := ids(members(voice)); len(got) != 2 || got[0] != w.Bot.ID || got[1] != bob {
		t.Errorf("voice members = %v, want bot then bob", got)
	}
	if n := online(voice); n != 2 {
		t.Errorf("online_nums = %d, want 2", n)
	}

	// A live channel counts its audience; its events say channel_type 5.
	if err := s.JoinVoice(live, ""); err != nil {
		t.Fatal(err)
	}
	if d := readEvent[map[string]any](t, c, "AUDIO_OR_LIVE_CHANNEL_MEMBER_ENTER"); d["channel_type"] != float64(5) || d["user_id"] != w.Members[0].ID {
		t.Errorf("live ENTER d = %v", d)
	}
	if n := online(live); n != 1 {
		t.Errorf("live online_nums = %d, want 1", n)
	}

	a.call(http.MethodPost, "/channels/"+voice+"/audio", `{"audio_url":"http://qq.com/a.mp3","text":"简单爱","status":0}`, http.StatusOK)
	if d := readEvent[audioAction](t, c, "AUDIO_START"); d.ChannelID != voice || d.AudioURL == nil || *d.AudioURL != "http://qq.com/a.mp3" || d.Text == nil || *d.Text != "简单爱" {
		t.Errorf("AUDIO_START d = %+v", d)
	}
	for _, status := range []string{"1", "2"} {
		r := a.call(http.MethodPost, "/channels/"+voice+"/audio", `{"status":`+status+`}`, http.StatusOK)
		if string(r.body) != "{}" {
			t.Errorf("status %s answered %s", status, r.body)
		}
	}
	c.heartbeatProbe()
	a.call(http.MethodPost, "/channels/"+voice+"/audio", `{"status":3}`, http.StatusOK)
	if d := readEvent[audioAction](t, c, "AUDIO_FINISH"); d.AudioURL == nil || *d.AudioURL != "http://qq.com/a.mp3" {
		t.Errorf("AUDIO_FINISH d = %+v, want the stopped track", d)
	}
	a.call(http.MethodPost, "/channels/"+voice+"/audio", `{"status":3}`, http.StatusOK)
	c.heartbeatProbe()

	if r := a.call(http.MethodDelete, "/channels/"+voice+"/mic", "", http.StatusOK); string(r.body) != "{}" {
		t.Errorf("DELETE mic answered %s, want {}", r.body)
	}
	if d := readEvent[audioAction](t, c, "AUDIO_OFF_MIC"); d.ChannelID != voice {
		t.Errorf("AUDIO_OFF_MIC d = %+v", d)
	}
	a.call(http.MethodDelete, "/channels/"+voice+"/mic", "", http.StatusOK)
	c.heartbeatProbe()
	if got := ids(members(voice)); len(got) != 1 || got[0] != bob {
		t.Errorf("voice members after mic off = %v, want bob", got)
	}

	// A member kicked from the guild is no longer in its channels.
	a.call(http.MethodDelete, "/guilds/"+w.Guild.ID+"/members/"+bob, "", http.StatusNoContent)
	if got := members(voice); len(got) != 0 {
		t.Errorf("voice members after kick = %+v", got)
	}
	if err := s.LeaveVoice(live, ""); err != nil {
		t.Fatal(err)
	}
	if d := readEvent[map[string]any](t, c, "AUDIO_OR_LIVE_CHANNEL_MEMBER_EXIT"); d["channel_id"] != live {
		t.Errorf("EXIT d = %v", d)
	}

	runErrorCases(t, a, []errorCase{
		{"members of unknown channel", http.MethodGet, "/channels/1/voice/members", "", 404, 10003},
		{"members of text channel", http.MethodGet, "/channels/" + text + "/voice/members", "", 400, 12002},
		{"members of live channel", http.MethodGet, "/channels/" + live + "/voice/members", "", 400, 12002},
		{"online_nums of unknown channel", http.MethodGet, "/channels/1/online_nums", "", 404, 10003},
		{"online_nums of text channel", http.MethodGet, "/channels/" + text + "/online_nums", "", 400, 12002},
		{"audio in unknown channel", http.MethodPost, "/channels/1/audio", `{"status":1}`, 404, 10003},
		{"audio in text channel", http.MethodPost, "/channels/" + text + "/audio", `{"status":1}`, 400, 12002},
		{"audio status 4", http.MethodPost, "/channels/" + voice + "/audio", `{"status":4}`, 400, 12002},
		{"audio status -1", http.MethodPost, "/channels/" + voice + "/audio", `{"status":-1}`, 400, 12002},
		{"audio without status", http.MethodPost, "/channels/" + voice + "/audio", `{"audio_url":"http://qq.com/a.mp3"}`, 400, 12002},
		{"audio start without url", http.MethodPost, "/channels/" + voice + "/audio", `{"status":0,"text":"x"}`, 400, 12002},
		{"audio status as string", http.MethodPost, "/channels/" + voice + "/audio", `{"status":"0"}`, 400, 12002},
		{"mic in unknown channel", http.MethodPut, "/channels/1/mic", "", 404, 10003},
		{"mic in text channel", http.MethodPut, "/channels/" + text + "/mic", "", 400, 12002},
		{"mic off in live channel", http.MethodDelete, "/channels/" + live + "/mic", "", 400, 12002},
	})
	c.heartbeatProbe() // failed requests dispatch nothing

	for _, tt := range []struct {
		name        string
		channel, id string
		want        error
	}{
		{"unknown channel", "1", "", sim.ErrUnknownChannel},
		{"text channel", text, "", sim.ErrNotVoiceChannel},
		{"unknown user", voice, "1", sim.ErrUnknownAuthor},
		{"kicked user", voice, bob, sim.ErrUnknownAuthor},
		{"the bot", voice, w.Bot.ID, sim.ErrUnknownAuthor},
	} {
		if err := s.JoinVoice(tt.channel, tt.id); !errors.Is(err, tt.want) {
			t.Errorf("JoinVoice %s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

type wireScheduleT struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	StartTimestamp string `json:"start_timestamp"`
	EndTimestamp   string `json:"end_timestamp"`
	Creator        struct {
		User struct {
			ID  string `json:"id"`
			Bot bool   `json:"bot"`
		} `json:"user"`
		Roles []string `json:"roles"`
	} `json:"creator"`
	JumpChannelID string `json:"jump_channel_id"`
	RemindType    string `json:"remind_type"`
}

func TestREST_Schedules(t *testing.T) {
	clock := newClock() // 2025-03-14 17:26:53 in China time
	s := MustStart(t, sim.Config{}, clock)
	a := newAPI(t, s)
	w := s.World()
	text := w.Channels[0].ID
	ch := mustChannel(a, "日程", 10006, "1000050")
	vote := mustChannel(a, "vote", 10006, "1000010")
	base := "/channels/" + ch + "/schedules"
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	now := clock.Now()
	midnight := time.Date(2025, 3, 14, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

	create := func(body string) wireScheduleT {
		t.Helper()
		r := a.call(http.MethodPost, base, body, http.StatusOK)
		checkJSONHeaders(t, r)
		return decode[wireScheduleT](t, r.body)
	}
	list := func(query, body string) []string {
		t.Helper()
		r := a.call(http.MethodGet, base+query, body, http.StatusOK)
		var names []string
		for _, sc := range decode[[]wireScheduleT](t, r.body) {
			names = append(names, sc.Name)
		}
		return names
	}

	standup := create(`{"schedule":{"name":"standup","description":"daily","start_timestamp":"` + ms(now.Add(time.Hour)) +
		`","end_timestamp":"` + ms(now.Add(2*time.Hour)) + `","jump_channel_id":"` + text + `","remind_type":"1"}}`)
	if standup.ID == "" || standup.Name != "standup" || standup.Description != "daily" ||
		standup.StartTimestamp != ms(now.Add(time.Hour)) || standup.EndTimestamp != ms(now.Add(2*time.Hour)) ||
		standup.JumpChannelID != text || standup.RemindType != "1" {
		t.Errorf("created %+v", standup)
	}
	if standup.Creator.User.ID != w.Bot.ID || !standup.Creator.User.Bot || standup.Creator.Roles == nil {
		t.Errorf("creator = %+v, want the bot as a member", standup.Creator)
	}
	// Ended yesterday, so today's listing leaves it out.
	create(`{"schedule":{"name":"yesterday","start_timestamp":"` + ms(midnight.Add(-3*time.Hour)) +
		`","end_timestamp":"` + ms(midnight.Add(-time.Hour)) + `"}}`)
	// botpy's reminder_id spelling; the default remind_type is "0".
	overnight := create(`{"schedule":{"name":"overnight","start_timestamp":"` + ms(midnight.Add(-time.Hour)) +
		`","end_timestamp":"` + ms(midnight.Add(time.Hour)) + `","reminder_id":"2","channel_id":"ignored"}}`)
	if overnight.RemindType != "2" {
		t.Errorf("remind_type from reminder_id = %q", overnight.RemindType)
	}
	if sc := create(`{"schedule":{"name":"plain","start_timestamp":"1","end_timestamp":"2"}}`); sc.RemindType != "0" {
		t.Errorf("default remind_type = %q, want \"0\"", sc.RemindType)
	}

	for _, tt := range []struct {
		name, query, body string
		want              []string
	}{
		{"today by default", "", "", []string{"overnight", "standup"}},
		// botgo sends since=0 for "today" (ListSchedules' doc comment).
		{"since 0 is today", "?since=0", "", []string{"overnight", "standup"}},
		{"since 0 in a botpy body", "", `{"since":0}`, []string{"overnight", "standup"}},
		{"since 1", "?since=1", "", []string{"plain", "yesterday", "overnight", "standup"}},
		{"since yesterday's end", "?since=" + ms(midnight.Add(-time.Hour)), "", []string{"overnight", "standup"}},
		{"since the last end", "?since=" + ms(now.Add(2*time.Hour)), "", nil},
		{"since in a botpy body", "", `{"since":` + ms(midnight.Add(-2*time.Hour)) + `}`, []string{"yesterday", "overnight", "standup"}},
		{"since as a string body", "", `{"since":"` + ms(now) + `"}`, []string{"standup"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := list(tt.query, tt.body); !slices.Equal(got, tt.want) {
				t.Errorf("listed %v, want %v", got, tt.want)
			}
		})
	}
	if r := a.call(http.MethodGet, base+"?since="+ms(now.Add(3*time.Hour)), "", http.StatusOK); string(r.body) != "[]" {
		t.Errorf("empty list = %s, want []", r.body)
	}

	one := base + "/" + standup.ID
	if got := decode[wireScheduleT](t, a.call(http.MethodGet, one, "", http.StatusOK).body); !reflect.DeepEqual(got, standup) {
		t.Errorf("GET = %+v, want %+v", got, standup)
	}
	// Keys left out of a patch keep their values.
	patched := decode[wireScheduleT](t, a.call(http.MethodPatch, one, `{"schedule":{"name":"retro","remind_type":"5"}}`, http.StatusOK).body)
	want := standup
	want.Name, want.RemindType = "retro", "5"
	if !reflect.DeepEqual(patched, want) {
		t.Errorf("patched %+v, want %+v", patched, want)
	}
	checkError(t, do(t, http.MethodPatch, s.APIURL()+one, `{"schedule":{"end_timestamp":"`+ms(now)+`"}}`, a.auth), 400, 12002)
	if got := decode[wireScheduleT](t, a.call(http.MethodGet, one, "", http.StatusOK).body); !reflect.DeepEqual(got, want) {
		t.Errorf("a refused patch changed the schedule: %+v", got)
	}

	if r := a.call(http.MethodDelete, one, "", http.StatusNoContent); len(r.body) != 0 {
		t.Errorf("DELETE body %q", r.body)
	}
	if got := list("?since=1", ""); len(got) != 3 {
		t.Errorf("after delete listed %v", got)
	}

	okTimes := `"start_timestamp":"` + ms(now) + `","end_timestamp":"` + ms(now.Add(time.Hour)) + `"`
	runErrorCases(t, a, []errorCase{
		{"get deleted", http.MethodGet, one, "", 404, 404},
		{"delete deleted", http.MethodDelete, one, "", 404, 404},
		{"patch deleted", http.MethodPatch, one, `{"schedule":{"name":"x"}}`, 404, 404},
		{"unknown channel", http.MethodGet, "/channels/1/schedules", "", 404, 10003},
		{"create in unknown channel", http.MethodPost, "/channels/1/schedules", `{"schedule":{"name":"x",` + okTimes + `}}`, 404, 10003},
		{"text channel", http.MethodGet, "/channels/" + text + "/schedules", "", 400, 12002},
		{"another app's channel", http.MethodPost, "/channels/" + vote + "/schedules", `{"schedule":{"name":"x",` + okTimes + `}}`, 400, 12002},
		{"unwrapped body", http.MethodPost, base, `{"name":"x",` + okTimes + `}`, 400, 12002},
		{"empty body", http.MethodPost, base, "", 400, 12002},
		{"no name", http.MethodPost, base, `{"schedule":{` + okTimes + `}}`, 400, 12002},
		{"empty name", http.MethodPost, base, `{"schedule":{"name":"",` + okTimes + `}}`, 400, 12002},
		{"no start", http.MethodPost, base, `{"schedule":{"name":"x","end_timestamp":"` + ms(now) + `"}}`, 400, 12002},
		{"no end", http.MethodPost, base, `{"schedule":{"name":"x","start_timestamp":"` + ms(now) + `"}}`, 400, 12002},
		{"end before start", http.MethodPost, base, `{"schedule":{"name":"x","start_timestamp":"` + ms(now) + `","end_timestamp":"` + ms(now.Add(-time.Minute)) + `"}}`, 400, 12002},
		{"end equals start", http.MethodPost, base, `{"schedule":{"name":"x","start_timestamp":"` + ms(now) + `","end_timestamp":"` + ms(now) + `"}}`, 400, 12002},
		{"start not a number", http.MethodPost, base, `{"schedule":{"name":"x","start_timestamp":"soon","end_timestamp":"` + ms(now) + `"}}`, 400, 12002},
		{"start as RFC3339", http.MethodPost, base, `{"schedule":{"name":"x","start_timestamp":"2025-03-14T10:00:00+08:00","end_timestamp":"` + ms(now) + `"}}`, 400, 12002},
		{"negative start", http.MethodPost, base, `{"schedule":{"name":"x","start_timestamp":"-5","end_timestamp":"` + ms(now) + `"}}`, 400, 12002},
		{"timestamps as numbers", http.MethodPost, base, `{"schedule":{"name":"x","start_timestamp":1,"end_timestamp":2}}`, 400, 12002},
		{"remind_type 6", http.MethodPost, base, `{"schedule":{"name":"x",` + okTimes + `,"remind_type":"6"}}`, 400, 12002},
		{"unknown jump channel", http.MethodPost, base, `{"schedule":{"name":"x",` + okTimes + `,"jump_channel_id":"1"}}`, 400, 12002},
		{"since not a number", http.MethodGet, base + "?since=today", "", 400, 12002},
		{"negative since", http.MethodGet, base + "?since=-1", "", 400, 12002},
		{"unknown schedule", http.MethodGet, base + "/1", "", 404, 404},
	})
	if got := list("?since=1", ""); len(got) != 3 {
		t.Errorf("refused requests changed the list: %v", got)
	}
}

type threadT struct {
	GuildID    string `json:"guild_id"`
	ChannelID  string `json:"channel_id"`
	AuthorID   string `json:"author_id"`
	ThreadInfo struct {
		ThreadID string `json:"thread_id"`
		Title    string `json:"title"`
		Content  string `json:"content"`
		DateTime string `json:"date_time"`
	} `json:"thread_info"`
}

// richLines reads the text elements of a rich-text document, a line per
// paragraph.
func richLines(t *testing.T, doc string) []string {
	t.Helper()
	var rt struct {
		Paragraphs []struct {
			Elems []struct {
				Type int `json:"type"`
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
			if e.Type == 1 {
				lines = append(lines, e.Text.Text)
			}
		}
	}
	return lines
}

func TestREST_Forums(t *testing.T) {
	clock := newClock()
	s := MustStart(t, sim.Config{}, clock)
	a := newAPI(t, s)
	w := s.World()
	text := w.Channels[0].ID
	forum := mustChannel(a, "forum", 10007, "")
	base := "/channels/" + forum + "/threads"
	c, _ := MustIdentify(t, s, sim.IntentForums)

	type listing struct {
		Threads  []threadT `json:"threads"`
		IsFinish *int      `json:"is_finish"`
	}
	if r := a.call(http.MethodGet, base, "", http.StatusOK); string(r.body) != `{"is_finish":1,"threads":[]}` {
		t.Errorf("empty forum lists %s", r.body)
	}

	r := a.call(http.MethodPut, base, `{"title":"Hello","content":"line 1\nline 2","format":1}`, http.StatusOK)
	put := decode[map[string]any](t, r.body)
	if id, _ := put["task_id"].(string); id == "" {
		t.Errorf("no task_id in %s", r.body)
	}
	if put["create_time"] != strconv.FormatInt(clock.Now().Unix(), 10) {
		t.Errorf("create_time in %s, want unix seconds %d as a string", r.body, clock.Now().Unix())
	}
	first := readEvent[threadT](t, c, "FORUM_THREAD_CREATE")
	if first.GuildID != w.Guild.ID || first.ChannelID != forum || first.AuthorID != w.Bot.ID || first.ThreadInfo.ThreadID == "" {
		t.Errorf("FORUM_THREAD_CREATE d = %+v", first)
	}
	if got := richLines(t, first.ThreadInfo.Title); !slices.Equal(got, []string{"Hello"}) {
		t.Errorf("title lines %v", got)
	}
	if got := richLines(t, first.ThreadInfo.Content); !slices.Equal(got, []string{"line 1", "line 2"}) {
		t.Errorf("content lines %v", got)
	}
	if first.ThreadInfo.DateTime != "2025-03-14T17:26:53+08:00" {
		t.Errorf("date_time = %q, want the platform clock in China time", first.ThreadInfo.DateTime)
	}

	clock.Advance(time.Minute)
	doc := `{"paragraphs":[{"elems":[{"type":1,"text":{"text":"as sent"}}],"props":{}}]}`
	body, _ := json.Marshal(map[string]any{"title": "Second", "content": doc, "format": 4})
	a.call(http.MethodPut, base, string(body), http.StatusOK)
	second := readEvent[threadT](t, c, "FORUM_THREAD_CREATE")
	if second.ThreadInfo.Content != doc {
		t.Errorf("JSON content became %q, want it as sent", second.ThreadInfo.Content)
	}
	for _, format := range []int{2, 3} {
		body, _ := json.Marshal(map[string]any{"title": "t", "content": "**x**", "format": format})
		a.call(http.MethodPut, base, string(body), http.StatusOK)
		if d := readEvent[threadT](t, c, "FORUM_THREAD_CREATE"); !slices.Equal(richLines(t, d.ThreadInfo.Content), []string{"**x**"}) {
			t.Errorf("format %d content = %q", format, d.ThreadInfo.Content)
		}
	}

	l := decode[listing](t, a.call(http.MethodGet, base, "", http.StatusOK).body)
	if l.IsFinish == nil || *l.IsFinish != 1 || len(l.Threads) != 4 {
		t.Fatalf("listing = %+v", l)
	}
	if l.Threads[2] != second || l.Threads[3] != first {
		t.Errorf("listing is not newest first: %+v", l.Threads)
	}
	one := base + "/" + first.ThreadInfo.ThreadID
	got := decode[struct {
		Thread *threadT `json:"thread"`
	}](t, a.call(http.MethodGet, one, "", http.StatusOK).body)
	if got.Thread == nil || *got.Thread != first {
		t.Errorf("GET thread = %+v, want %+v", got.Thread, first)
	}

	if r := a.call(http.MethodDelete, one, "", http.StatusNoContent); len(r.body) != 0 {
		t.Errorf("DELETE body %q", r.body)
	}
	if d := readEvent[threadT](t, c, "FORUM_THREAD_DELETE"); d != first {
		t.Errorf("FORUM_THREAD_DELETE d = %+v, want %+v", d, first)
	}
	if l := decode[listing](t, a.call(http.MethodGet, base, "", http.StatusOK).body); len(l.Threads) != 3 {
		t.Errorf("after delete %d threads", len(l.Threads))
	}

	runErrorCases(t, a, []errorCase{
		{"get deleted", http.MethodGet, one, "", 404, 404},
		{"delete deleted", http.MethodDelete, one, "", 404, 404},
		{"unknown channel", http.MethodGet, "/channels/1/threads", "", 404, 10003},
		{"put in unknown channel", http.MethodPut, "/channels/1/threads", `{"title":"t","content":"c","format":1}`, 404, 10003},
		{"text channel", http.MethodGet, "/channels/" + text + "/threads", "", 400, 12002},
		{"put in text channel", http.MethodPut, "/channels/" + text + "/threads", `{"title":"t","content":"c","format":1}`, 400, 12002},
		{"thread of text channel", http.MethodGet, "/channels/" + text + "/threads/" + second.ThreadInfo.ThreadID, "", 400, 12002},
		{"no title", http.MethodPut, base, `{"content":"c","format":1}`, 400, 12002},
		{"no content", http.MethodPut, base, `{"title":"t","format":1}`, 400, 12002},
		{"no format", http.MethodPut, base, `{"title":"t","content":"c"}`, 400, 12002},
		{"format 5", http.MethodPut, base, `{"title":"t","content":"c","format":5}`, 400, 12002},
		{"format 4 not JSON", http.MethodPut, base, `{"title":"t","content":"{nope","format":4}`, 400, 12002},
		{"not JSON", http.MethodPut, base, `title=t`, 400, 12002},
		{"unknown thread", http.MethodGet, base + "/B_nope", "", 404, 404},
	})
	c.heartbeatProbe() // failed requests dispatch nothing
}
