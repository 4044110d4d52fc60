package sim_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/luabot/luabot/sim"
)

// api is a tiny authenticated REST caller for these tests.
type api struct {
	t    *testing.T
	s    *sim.Server
	auth string
}

func newAPI(t *testing.T, s *sim.Server) api {
	return api{t: t, s: s, auth: "Authorization: QQBot " + MustToken(t, s)}
}

func (a api) call(method, path, body string, status int) response {
	a.t.Helper()
	r := do(a.t, method, a.s.APIURL()+path, body, a.auth)
	if r.status != status {
		a.t.Fatalf("%s %s = %d %s, want %d", method, path, r.status, r.body, status)
	}
	if r.header.Get("X-Tps-trace-ID") == "" {
		a.t.Errorf("%s %s: no X-Tps-trace-ID", method, path)
	}
	return r
}

func TestREST_Channels(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	a := newAPI(t, s)
	c, _ := MustIdentify(t, s, sim.IntentGuilds)
	g := s.World().Guild.ID
	// botpy spells sub_type "subtype".
	r := a.call(http.MethodPost, "/guilds/"+g+"/channels", `{"name":"news","type":0,"subtype":1,"position":5,"guild_id":"ignored"}`, http.StatusOK)
	ch := decode[map[string]any](t, r.body)
	id := ch["id"].(string)
	if ch["name"] != "news" || ch["sub_type"] != float64(1) || ch["position"] != float64(5) || ch["guild_id"] != g {
		t.Fatalf("created %s", r.body)
	}
	if f := c.readOp(0); f.T != "CHANNEL_CREATE" {
		t.Fatalf("event %s", f.raw)
	}
	r = a.call(http.MethodPatch, "/channels/"+id, `{"name":"updates"}`, http.StatusOK)
	if d := decode[map[string]any](t, r.body); d["name"] != "updates" || d["sub_type"] != float64(1) {
		t.Fatalf("patched %s", r.body)
	}
	c.readOp(0)
	a.call(http.MethodGet, "/channels/"+id, "", http.StatusOK)
	if n := len(decode[[]any](t, a.call(http.MethodGet, "/guilds/"+g+"/channels", "", http.StatusOK).body)); n != 3 {
		t.Errorf("%d channels", n)
	}
	a.call(http.MethodDelete, "/channels/"+id, "", http.StatusOK)
	if f := c.readOp(0); f.T != "CHANNEL_DELETE" {
		t.Fatalf("event %s", f.raw)
	}
	checkError(t, do(t, http.MethodGet, s.APIURL()+"/channels/"+id, "", a.auth), http.StatusNotFound, 10003)
	checkError(t, do(t, http.MethodGet, s.APIURL()+"/guilds/1", "", a.auth), http.StatusNotFound, 10004)
}

func TestREST_MembersPaging(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	a := newAPI(t, s)
	g := s.World().Guild.ID
	for i := range 3 {
		if _, err := s.AddMember(g, "user"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	want := s.World().Guild.MemberCount // 3 + 3 humans + the bot
	seen := map[string]bool{}
	after := "0"
	for range 20 {
		page := decode[[]struct {
			User struct {
				ID string `json:"id"`
			} `json:"user"`
			Roles    []string `json:"roles"`
			JoinedAt string   `json:"joined_at"`
		}](t, a.call(http.MethodGet, "/guilds/"+g+"/members?limit=2&after="+after, "", http.StatusOK).body)
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			if seen[m.User.ID] || len(m.Roles) == 0 || m.JoinedAt == "" {
				t.Fatalf("member %+v repeated or incomplete", m)
			}
			seen[m.User.ID] = true
		}
		after = page[len(page)-1].User.ID
	}
	if len(seen) != want {
		t.Errorf("paged %d members, want %d", len(seen), want)
	}
	if n := len(decode[[]any](t, a.call(http.MethodGet, "/guilds/"+g+"/members", "", http.StatusOK).body)); n != 1 {
		t.Errorf("default limit gave %d", n)
	}
	checkError(t, do(t, http.MethodGet, s.APIURL()+"/guilds/"+g+"/members?limit=401", "", a.auth), http.StatusBadRequest, 12002)
	alice := s.World().Members[0].ID
	r := a.call(http.MethodGet, "/guilds/"+g+"/members/"+alice, "", http.StatusOK)
	if d := decode[map[string]any](t, r.body); d["user"].(map[string]any)["id"] != alice {
		t.Errorf("member %s", r.body)
	}
}

func TestREST_Roles(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	a := newAPI(t, s)
	g := s.World().Guild.ID
	bob := s.World().Members[1].ID
	// botgo's nested form and botpy's flat form with a string hoist.
	r := a.call(http.MethodPost, "/guilds/"+g+"/roles", `{"guild_id":"`+g+`","filter":{"name":1,"color":1},"info":{"name":"mods","color":4278245297}}`, http.StatusOK)
	created := decode[struct {
		RoleID string `json:"role_id"`
		Role   struct {
			Name string `json:"name"`
		} `json:"role"`
	}](t, r.body)
	if created.RoleID == "" || created.Role.Name != "mods" {
		t.Fatalf("created %s", r.body)
	}
	a.call(http.MethodPatch, "/guilds/"+g+"/roles/"+created.RoleID, `{"name":"moderators","hoist":"1"}`, http.StatusOK)
	a.call(http.MethodPut, "/guilds/"+g+"/members/"+bob+"/roles/"+created.RoleID, `{"channel":null}`, http.StatusNoContent)
	r = a.call(http.MethodGet, "/guilds/"+g+"/roles/"+created.RoleID+"/members?start_index=0&limit=10", "", http.StatusOK)
	rm := decode[struct {
		Data []any  `json:"data"`
		Next string `json:"next"`
	}](t, r.body)
	if len(rm.Data) != 1 || rm.Next != "1" {
		t.Errorf("role members %s", r.body)
	}
	roles := decode[struct {
		Roles []struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Hoist  int    `json:"hoist"`
			Number int    `json:"number"`
		} `json:"roles"`
		Limit string `json:"role_num_limit"`
	}](t, a.call(http.MethodGet, "/guilds/"+g+"/roles", "", http.StatusOK).body)
	last := roles.Roles[len(roles.Roles)-1]
	if last.Name != "moderators" || last.Hoist != 1 || last.Number != 1 || roles.Limit == "" {
		t.Errorf("roles %+v", roles)
	}
	a.call(http.MethodDelete, "/guilds/"+g+"/members/"+bob+"/roles/"+created.RoleID, `{"channel":null}`, http.StatusNoContent)
	a.call(http.MethodDelete, "/guilds/"+g+"/roles/"+created.RoleID, "", http.StatusNoContent)
	checkError(t, do(t, http.MethodDelete, s.APIURL()+"/guilds/"+g+"/roles/1", "", a.auth), http.StatusForbidden, 12002)
}

func TestREST_MessagesReactionsPins(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	a := newAPI(t, s)
	ch := s.World().Channels[0].ID
	var ids []string
	for i := range 3 {
		m, err := s.Post(sim.Post{Content: fmt.Sprint("m", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	base := "/channels/" + ch + "/messages/"
	r := a.call(http.MethodGet, base+ids[1], "", http.StatusOK)
	got := decode[struct {
		Message struct {
			ID      string `json:"id"`
			Content string `json:"content"`
		} `json:"message"`
	}](t, r.body)
	if got.Message.ID != ids[1] || got.Message.Content != "m1" {
		t.Errorf("get message %s", r.body)
	}
	list := func(q string) []string {
		var out []string
		for _, m := range decode[[]struct {
			ID string `json:"id"`
		}](t, a.call(http.MethodGet, "/channels/"+ch+"/messages"+q, "", http.StatusOK).body) {
			out = append(out, m.ID)
		}
		return out
	}
	if l := list(""); len(l) != 3 { // botgo v0.2.1's Message() calls this path
		t.Errorf("latest = %v", l)
	}
	if l := list("?before=" + ids[2] + "&limit=1"); len(l) != 1 || l[0] != ids[1] {
		t.Errorf("before = %v", l)
	}
	if l := list("?after=" + ids[0]); len(l) != 2 || l[0] != ids[1] {
		t.Errorf("after = %v", l)
	}

	react := base + ids[0] + "/reactions/1/4"
	a.call(http.MethodPut, react, "", http.StatusNoContent)
	checkError(t, do(t, http.MethodPut, s.APIURL()+react, "", a.auth), http.StatusBadRequest, 620003)
	if err := s.React(sim.Reaction{ChannelID: ch, MessageID: ids[0], EmojiID: "4"}); err != nil {
		t.Fatal(err)
	}
	users := decode[struct {
		Users  []map[string]any `json:"users"`
		Cookie string           `json:"cookie"`
		IsEnd  bool             `json:"is_end"`
	}](t, a.call(http.MethodGet, react+"?limit=1", "", http.StatusOK).body)
	if len(users.Users) != 1 || users.IsEnd || users.Cookie == "" {
		t.Errorf("first page %+v", users)
	}
	a.call(http.MethodDelete, react, "", http.StatusNoContent)
	checkError(t, do(t, http.MethodDelete, s.APIURL()+react, "", a.auth), http.StatusBadRequest, 620004)

	pins := decode[struct {
		MessageIDs []string `json:"message_ids"`
	}](t, a.call(http.MethodPut, "/channels/"+ch+"/pins/"+ids[2], "{}", http.StatusOK).body)
	if len(pins.MessageIDs) != 1 || pins.MessageIDs[0] != ids[2] {
		t.Errorf("pins %v", pins)
	}
	a.call(http.MethodDelete, "/channels/"+ch+"/pins/all", "", http.StatusNoContent)

	g := s.World().Guild.ID
	a.call(http.MethodPost, "/guilds/"+g+"/announces", fmt.Sprintf(`{"channel_id":%q,"message_id":%q}`, ch, ids[2]), http.StatusOK)
	a.call(http.MethodDelete, "/guilds/"+g+"/announces/all", "", http.StatusNoContent)
	a.call(http.MethodPatch, "/guilds/"+g+"/mute", `{"mute_seconds":"60"}`, http.StatusNoContent)
	a.call(http.MethodPatch, "/guilds/"+g+"/members/"+s.World().Members[1].ID+"/mute", `{"mute_end_timestamp":"0"}`, http.StatusNoContent)
	a.call(http.MethodGet, "/guilds/"+g+"/message/setting", "", http.StatusOK)
	a.call(http.MethodGet, "/guilds/"+g+"/api_permission", "", http.StatusOK)

	a.call(http.MethodDelete, base+ids[0]+"?hidetip=true", "", http.StatusOK)
	checkError(t, do(t, http.MethodGet, s.APIURL()+base+ids[0], "", a.auth), http.StatusNotFound, 404)
}
