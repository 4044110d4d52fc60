package openapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/openapi"
)

func TestReplier_RoutesAndNumbers(t *testing.T) {
	tests := []struct {
		name     string
		src      openapi.Source
		wantPath string
		idKey    string
	}{
		{"guild", openapi.Source{Scene: openapi.SceneGuild, ChannelID: "c1", MsgID: "M"}, "/channels/c1/messages", "msg_id"},
		{"dm", openapi.Source{Scene: openapi.SceneDM, GuildID: "g9", MsgID: "M"}, "/dms/g9/messages", "msg_id"},
		{"group", openapi.Source{Scene: openapi.SceneGroup, GroupOpenID: "GRP", MsgID: "M"}, "/v2/groups/GRP/messages", "msg_id"},
		{"c2c", openapi.Source{Scene: openapi.SceneC2C, UserOpenID: "USR", MsgID: "M"}, "/v2/users/USR/messages", "msg_id"},
		{"event", openapi.Source{Scene: openapi.SceneGuild, ChannelID: "c1", EventID: "GUILD_MEMBER_ADD:1"}, "/channels/c1/messages", "event_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := openapi.NewReplier(nil)
			for want := 1; want <= 3; want++ {
				p, err := r.Prepare(tt.src, map[string]any{"content": "x", "msg_id": "forged"})
				if err != nil {
					t.Fatal(err)
				}
				path, _ := p.Target.MessagesPath()
				if path != tt.wantPath || p.Body[tt.idKey] == nil || p.Body["msg_seq"] != want || p.Seq != want {
					t.Fatalf("reply %d = %s %v", want, path, p.Body)
				}
				if tt.idKey == "event_id" && p.Body["msg_id"] != nil {
					t.Errorf("event reply kept msg_id: %v", p.Body)
				}
				p.Done(nil)
			}
			// Another source starts again at 1.
			other := tt.src
			other.MsgID, other.EventID = other.MsgID+"2", other.EventID+"2"
			p, _ := r.Prepare(other, map[string]any{"content": "x"})
			if p.Body["msg_seq"] != 1 {
				t.Errorf("new source msg_seq = %v", p.Body["msg_seq"])
			}
			// So does a message whose id is this notice's event id, or the
			// other way round: the two kinds of id are never one source.
			swapped := tt.src
			swapped.MsgID, swapped.EventID = tt.src.EventID, tt.src.MsgID
			if p, err := r.Prepare(swapped, nil); err != nil || p.Seq != 1 {
				t.Errorf("the id as the other kind: %+v, %v; want msg_seq 1", p, err)
			}
		})
	}
}

func TestReplier_Windows(t *testing.T) {
	tests := []struct {
		name  string
		scene openapi.Scene
		ok    time.Duration
		late  time.Duration
	}{
		{"guild 5 min", openapi.SceneGuild, 4*time.Minute + 59*time.Second, 5*time.Minute + time.Second},
		{"group 5 min", openapi.SceneGroup, 4 * time.Minute, 6 * time.Minute},
		{"c2c 60 min", openapi.SceneC2C, 59 * time.Minute, 61 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			r := openapi.NewReplier(clk.Now)
			src := openapi.Source{Scene: tt.scene, ChannelID: "c", GroupOpenID: "g", UserOpenID: "u", MsgID: "M", Time: clk.Now()}
			clk.Advance(tt.ok)
			p, err := r.Prepare(src, map[string]any{"content": "x"})
			if err != nil {
				t.Fatalf("reply inside the window: %v", err)
			}
			p.Done(nil)
			clk.Advance(tt.late - tt.ok)
			_, err = r.Prepare(src, map[string]any{"content": "x"})
			var re *openapi.ReplyError
			if !errors.Is(err, openapi.ErrReplyExpired) || !errors.As(err, &re) || re.Hint() == "" {
				t.Fatalf("reply after the window = %v, want ErrReplyExpired with a hint", err)
			}
		})
	}
	// Without a source time the window counts from the first reply.
	clk := newClock()
	r := openapi.NewReplier(clk.Now)
	src := openapi.Source{Scene: openapi.SceneGuild, ChannelID: "c", MsgID: "M"}
	clk.Advance(time.Hour)
	if _, err := r.Prepare(src, nil); err != nil {
		t.Fatalf("first reply without source time: %v", err)
	}
}

func TestReplier_FiveReplyCap(t *testing.T) {
	r := openapi.NewReplier(nil)
	src := openapi.Source{Scene: openapi.SceneGroup, GroupOpenID: "G", MsgID: "M"}
	// A reply the platform refused with a 4xx does not count.
	p, _ := r.Prepare(src, nil)
	p.Done(&openapi.Error{Status: 400, Code: 304016})
	for i := range 5 {
		p, err := r.Prepare(src, nil)
		if err != nil {
			t.Fatalf("reply %d: %v", i+1, err)
		}
		p.Done(nil)
	}
	_, err := r.Prepare(src, nil)
	if !errors.Is(err, openapi.ErrReplyLimit) {
		t.Fatalf("sixth reply = %v, want ErrReplyLimit", err)
	}
	// Guild channels have no cap.
	g := openapi.Source{Scene: openapi.SceneGuild, ChannelID: "c", MsgID: "M2"}
	for range 7 {
		p, err := r.Prepare(g, nil)
		if err != nil {
			t.Fatalf("guild reply: %v", err)
		}
		p.Done(nil)
	}
}

// TestReplier_CountersPastTheirWidth: a record's counters are 16 and 32
// bits. A guild message (no cap) can be answered more than 65 535 times
// and keeps numbering; 65 535 replies to one message still on their way
// are the most it takes, and one finishing makes room again.
func TestReplier_CountersPastTheirWidth(t *testing.T) {
	r := openapi.NewReplier(nil)
	src := openapi.Source{Scene: openapi.SceneGuild, ChannelID: "c", MsgID: "M"}
	const past = 1<<16 + 2
	for i := 1; i <= past; i++ {
		p, err := r.Prepare(src, nil)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if p.Seq != i {
			t.Fatalf("reply %d numbered %d", i, p.Seq)
		}
		p.Done(nil)
	}

	busy := openapi.Source{Scene: openapi.SceneGuild, ChannelID: "c", MsgID: "M2"}
	var first *openapi.Reply
	for i := 1; i <= 1<<16-1; i++ {
		p, err := r.Prepare(busy, nil)
		if err != nil {
			t.Fatalf("reply %d in flight: %v", i, err)
		}
		if first == nil {
			first = p
		}
	}
	_, err := r.Prepare(busy, nil)
	var re *openapi.ReplyError
	if !errors.As(err, &re) || !errors.Is(err, openapi.ErrReplyLimit) || !strings.Contains(re.Detail, "on their way") {
		t.Fatalf("reply 65 536 in flight = %v, want ErrReplyLimit saying why", err)
	}
	first.Done(nil)
	if _, err := r.Prepare(busy, nil); err != nil {
		t.Fatalf("after one finished: %v", err)
	}
}

func TestReplier_NoTarget(t *testing.T) {
	r := openapi.NewReplier(nil)
	for _, src := range []openapi.Source{
		{Scene: openapi.SceneGuild, MsgID: "M"},
		{Scene: openapi.SceneGroup, GroupOpenID: "G"},
		{Scene: "nowhere", MsgID: "M"},
	} {
		if _, err := r.Prepare(src, nil); !errors.Is(err, openapi.ErrReplyTarget) {
			t.Errorf("Prepare(%+v) = %v, want ErrReplyTarget", src, err)
		}
	}
}

func TestClient_Reply(t *testing.T) {
	p := newPlatform(t)
	p.api = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": "R1", "timestamp": "2025-01-01T00:00:00+08:00"})
	}
	c := p.secretClient(t, nil)
	src := openapi.Source{Scene: openapi.SceneC2C, UserOpenID: "U", MsgID: "M"}
	for range 2 {
		sent, err := c.Reply(context.Background(), src, map[string]any{"markdown": map[string]any{"content": "# hi"}}, nil)
		if err != nil || sent.ID != "R1" {
			t.Fatalf("Reply = %+v, %v", sent, err)
		}
	}
	reqs := p.apiRequests()
	var body map[string]any
	_ = json.Unmarshal(reqs[1].Body, &body)
	if reqs[1].Path != "/v2/users/U/messages" || body["msg_id"] != "M" || body["msg_seq"] != float64(2) || body["msg_type"] != float64(2) {
		t.Errorf("second reply = %s %s", reqs[1].Path, reqs[1].Body)
	}
}

// The window counts from the event's timestamp only when it is within a minute of the
// event's arrival; otherwise (a wrong host clock, a replayed event) from the arrival, with
// a warning at most once an hour.
func TestReplier_WindowFromArrival(t *testing.T) {
	now := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var logs logBuffer
	r := openapi.NewReplier(clock)
	openapi.SetReplierLogger(r, logs.logger())
	src := func(id string, ts, arrived time.Time) openapi.Source {
		return openapi.Source{Scene: openapi.SceneGuild, ChannelID: "c", MsgID: id, Time: ts, Received: arrived}
	}
	try := func(s openapi.Source) error {
		p, err := r.Prepare(s, map[string]any{"content": "x"})
		if err == nil {
			p.Done(nil)
		}
		return err
	}
	for _, tc := range []struct {
		name     string
		ts       time.Time
		arrived  time.Time
		expired  bool
		warnings int // in the log after this case
	}{
		{"8000 h in the past", now.Add(-8000 * time.Hour), now, false, 1},
		{"1 h in the future", now.Add(time.Hour), now, false, 1}, // the warning is not repeated within the hour
		{"arrived 6 min ago, skewed", now.Add(-9000 * time.Hour), now.Add(-6 * time.Minute), true, 1},
		{"timestamp 40 s before arrival counts", now.Add(-5*time.Minute - 10*time.Second), now.Add(-4*time.Minute - 30*time.Second), true, 1},
		{"timestamp 40 s after arrival: from arrival", now.Add(-4 * time.Minute), now.Add(-4*time.Minute - 40*time.Second), false, 1},
		{"no arrival time: the timestamp", now.Add(-6 * time.Minute), time.Time{}, true, 1},
	} {
		err := try(src(tc.name, tc.ts, tc.arrived))
		if got := errors.Is(err, openapi.ErrReplyExpired); got != tc.expired {
			t.Errorf("%s: Prepare = %v, want expired %v", tc.name, err, tc.expired)
		}
		if n := strings.Count(logs.String(), "local clock disagree"); n != tc.warnings {
			t.Errorf("%s: %d warnings, want %d:\n%s", tc.name, n, tc.warnings, logs.String())
		}
	}
	now = now.Add(time.Hour)
	if err := try(src("an hour later", now.Add(-8000*time.Hour), now)); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "local clock disagree"); n != 2 {
		t.Errorf("%d warnings after an hour, want 2", n)
	}
}
