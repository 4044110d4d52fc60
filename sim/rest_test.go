package sim_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/luabot/luabot/sim"
)

func TestREST_Auth(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	tok := MustToken(t, s)
	tests := []struct {
		name   string
		header []string
		status int
		code   int
	}{
		{"access token", []string{"Authorization: QQBot " + tok}, http.StatusOK, 0},
		{"access token with union appid", []string{"Authorization: QQBot " + tok, "X-Union-Appid: " + s.AppID()}, http.StatusOK, 0},
		{"legacy bot token", []string{"Authorization: Bot " + s.AppID() + "." + s.BotToken()}, http.StatusOK, 0},
		{"missing header", nil, http.StatusUnauthorized, 11241},
		{"unknown token", []string{"Authorization: QQBot nope"}, http.StatusUnauthorized, 11244},
		{"bare token", []string{"Authorization: " + tok}, http.StatusUnauthorized, 11244},
		{"bearer", []string{"Authorization: Bearer " + tok}, http.StatusUnauthorized, 11244},
		{"legacy wrong token", []string{"Authorization: Bot " + s.AppID() + ".wrong"}, http.StatusUnauthorized, 11244},
		{"legacy wrong app", []string{"Authorization: Bot 1." + s.BotToken()}, http.StatusUnauthorized, 11244},
		{"wrong union appid", []string{"Authorization: QQBot " + tok, "X-Union-Appid: 1"}, http.StatusUnauthorized, 11251},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, http.MethodGet, s.APIURL()+"/users/@me", "", tt.header...)
			if tt.status == http.StatusOK {
				if r.status != http.StatusOK {
					t.Fatalf("status %d: %s", r.status, r.body)
				}
				checkJSONHeaders(t, r)
				return
			}
			checkError(t, r, tt.status, tt.code)
		})
	}
}

func TestREST_TraceIDPerResponse(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	a := do(t, http.MethodGet, s.APIURL()+"/users/@me", "")
	b := do(t, http.MethodGet, s.APIURL()+"/users/@me", "")
	if a.header.Get("X-Tps-trace-ID") == b.header.Get("X-Tps-trace-ID") {
		t.Error("trace id repeated")
	}
}

func TestREST_Routing(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	w := s.World()
	tests := []struct {
		name   string
		method string
		path   string
		status int
		code   int
	}{
		{"unknown route", http.MethodGet, "/nope", http.StatusNotFound, 404},
		{"trailing slash", http.MethodGet, "/users/@me/", http.StatusNotFound, 404},
		{"wrong method", http.MethodDelete, "/users/@me", http.StatusMethodNotAllowed, 405},
		{"unknown guild", http.MethodGet, "/guilds/1", http.StatusNotFound, 10004},
		{"unknown guild channels", http.MethodGet, "/guilds/1/channels", http.StatusNotFound, 10004},
		{"unknown channel", http.MethodGet, "/channels/1", http.StatusNotFound, 10003},
		{"message to unknown channel", http.MethodPost, "/channels/1/messages", http.StatusNotFound, 10003},
		{"guild", http.MethodGet, "/guilds/" + w.Guild.ID, http.StatusOK, 0},
		{"channel", http.MethodGet, "/channels/" + w.Channels[1].ID, http.StatusOK, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, tt.method, s.APIURL()+tt.path, `{"content":"x"}`, auth)
			if tt.status == http.StatusOK {
				if r.status != http.StatusOK {
					t.Fatalf("status %d: %s", r.status, r.body)
				}
				checkJSONHeaders(t, r)
				return
			}
			checkError(t, r, tt.status, tt.code)
		})
	}
}

func TestREST_Resources(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	w := s.World()
	get := func(path string) []byte {
		t.Helper()
		r := do(t, http.MethodGet, s.APIURL()+path, "", auth)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		checkJSONHeaders(t, r)
		return r.body
	}

	me := decode[map[string]any](t, get("/users/@me"))
	if me["id"] != w.Bot.ID || me["username"] != w.Bot.Username || me["bot"] != true {
		t.Errorf("/users/@me = %v", me)
	}

	guild := decode[map[string]any](t, get("/guilds/"+w.Guild.ID))
	if guild["id"] != w.Guild.ID || guild["name"] != w.Guild.Name || guild["owner_id"] != w.Guild.OwnerID ||
		guild["member_count"] != float64(w.Guild.MemberCount) {
		t.Errorf("guild = %v", guild)
	}
	if _, ok := guild["joined_at"].(string); !ok {
		t.Errorf("guild joined_at = %v", guild["joined_at"])
	}

	chans := decode[[]map[string]any](t, get("/guilds/"+w.Guild.ID+"/channels"))
	if len(chans) != len(w.Channels) {
		t.Fatalf("channels = %v", chans)
	}
	for i, c := range chans {
		if c["id"] != w.Channels[i].ID || c["guild_id"] != w.Guild.ID || c["name"] != w.Channels[i].Name || c["type"] != 0.0 {
			t.Errorf("channel %d = %v", i, c)
		}
	}

	gw := decode[map[string]any](t, get("/gateway"))
	if gw["url"] != s.GatewayURL() {
		t.Errorf("/gateway = %v", gw)
	}
}

func TestREST_GatewayBot(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	tok := MustToken(t, s)
	type limit struct {
		Total          int `json:"total"`
		Remaining      int `json:"remaining"`
		ResetAfter     int `json:"reset_after"`
		MaxConcurrency int `json:"max_concurrency"`
	}
	type gatewayBot struct {
		URL               string `json:"url"`
		Shards            int    `json:"shards"`
		SessionStartLimit limit  `json:"session_start_limit"`
	}
	get := func() gatewayBot {
		r := do(t, http.MethodGet, s.APIURL()+"/gateway/bot", "", "Authorization: QQBot "+tok)
		checkJSONHeaders(t, r)
		return decode[gatewayBot](t, r.body)
	}
	before := get()
	if before.URL != s.GatewayURL() || before.Shards != 1 || before.SessionStartLimit.Total != 1000 ||
		before.SessionStartLimit.Remaining != 1000 || before.SessionStartLimit.MaxConcurrency != 1 ||
		before.SessionStartLimit.ResetAfter <= 0 {
		t.Fatalf("/gateway/bot = %+v", before)
	}
	MustIdentify(t, s, sim.IntentGuilds)
	if after := get(); after.SessionStartLimit.Remaining != 999 {
		t.Fatalf("remaining after identify = %d, want 999", after.SessionStartLimit.Remaining)
	}
}

func TestREST_MeGuilds_Paging(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	gid, _ := strconv.ParseUint(s.World().Guild.ID, 10, 64)
	tests := []struct {
		name  string
		query string
		want  int // number of guilds; -1 = 400
	}{
		{"no query", "", 1},
		{"limit 1", "?limit=1", 1},
		{"after zero", "?after=0", 1},
		{"after the guild", "?after=" + strconv.FormatUint(gid, 10), 0},
		{"before the guild", "?before=" + strconv.FormatUint(gid, 10), 0},
		{"before a larger id", "?before=" + strconv.FormatUint(gid+1, 10), 1},
		{"after wins over before", "?after=0&before=1", 1},
		{"limit zero", "?limit=0", -1},
		{"limit too large", "?limit=101", -1},
		{"limit not a number", "?limit=x", -1},
		{"after not an id", "?after=x", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, http.MethodGet, s.APIURL()+"/users/@me/guilds"+tt.query, "", auth)
			if tt.want < 0 {
				checkError(t, r, http.StatusBadRequest, 12002)
				return
			}
			checkJSONHeaders(t, r)
			var got []map[string]any
			if err := json.Unmarshal(r.body, &got); err != nil || got == nil {
				t.Fatalf("body %s is not a JSON array", r.body)
			}
			if len(got) != tt.want {
				t.Fatalf("got %d guilds, want %d: %s", len(got), tt.want, r.body)
			}
		})
	}
}

func TestREST_GatewayPathNeedsUpgrade(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	checkError(t, do(t, http.MethodGet, s.APIURL()+"/websocket", ""), http.StatusBadRequest, 12002)
}

// A machine missing from the bot's IP allow-list gets 401/11298 on REST calls and on
// the gateway; the token service is not behind the list.
func TestREST_IPAllowList(t *testing.T) {
	s := MustStart(t, sim.Config{IPAllowList: []string{"203.0.113.7"}}, nil)
	tok := MustToken(t, s)
	refused := func(r response) {
		t.Helper()
		if r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), `"code":11298,"err_code":40023002`) {
			t.Errorf("got %d %s; want 401 with code 11298, err_code 40023002", r.status, r.body)
		}
	}
	refused(do(t, http.MethodGet, s.APIURL()+"/users/@me", "", "Authorization: QQBot "+tok))
	refused(do(t, http.MethodGet, s.APIURL()+"/websocket", "", "Connection: Upgrade", "Upgrade: websocket",
		"Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="))

	open := MustStart(t, sim.Config{IPAllowList: []string{"127.0.0.1", "::1"}}, nil)
	if r := do(t, http.MethodGet, open.APIURL()+"/users/@me", "", "Authorization: QQBot "+MustToken(t, open)); r.status != http.StatusOK {
		t.Errorf("a listed address: %d %s", r.status, r.body)
	}
}
