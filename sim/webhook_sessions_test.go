package sim_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/luabot/luabot/sim"
)

func TestREST_WebhookSessions(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	url := s.APIURL() + "/gateway/webhook/sessions"

	r := do(t, http.MethodPost, url, `{"intents":1,"shards":[0,1],"callback_url":"https://bot.example/qq"}`, auth)
	if r.status != http.StatusOK {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	created := decode[struct {
		Version   int    `json:"version"`
		SessionID string `json:"session_id"`
		Bot       struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"bot"`
		Shard [2]int `json:"shard"`
	}](t, r.body)
	if created.SessionID == "" || created.Bot.ID == "" || created.Bot.Username == "" || created.Shard != [2]int{0, 1} {
		t.Fatalf("create answered %s", r.body)
	}

	for _, body := range []string{
		`{"shards":[0,1],"callback_url":"https://x"}`,             // no intents
		`{"intents":1,"shards":[1,1],"callback_url":"https://x"}`, // shard id out of range
		`{"intents":1,"shards":[0],"callback_url":"https://x"}`,
		`{"intents":1,"shards":[0,1],"callback_url":"/relative"}`,
		`{"intents":1,"shards":[0,1],"callback_url":"ftp://x"}`,
		`[`,
	} {
		checkError(t, do(t, http.MethodPost, url, body, auth), http.StatusBadRequest, 12002)
	}

	type session struct {
		AppID       int64  `json:"app_id"`
		SessionID   string `json:"session_id"`
		CallbackURL string `json:"callback_url"`
		Intents     int64  `json:"intents"`
		Shards      [2]int `json:"shards"`
	}
	want := session{SessionID: created.SessionID, CallbackURL: "https://bot.example/qq", Intents: 1, Shards: [2]int{0, 1}}
	for _, req := range []struct{ method, url string }{{http.MethodGet, url}, {http.MethodPatch, url + "?action=check"}} {
		r := do(t, req.method, req.url, "", auth)
		var got []session
		if err := json.Unmarshal(r.body, &got); err != nil || r.status != http.StatusOK || len(got) != 1 {
			t.Fatalf("%s %s: %d %s", req.method, req.url, r.status, r.body)
		}
		got[0].AppID = 0 // the app id is the config's, as a number
		if got[0] != want {
			t.Errorf("%s: session %+v, want %+v", req.method, got[0], want)
		}
	}
	checkError(t, do(t, http.MethodPatch, url, "", auth), http.StatusBadRequest, 12002)

	if r := do(t, http.MethodDelete, url+"/"+created.SessionID, "", auth); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	checkError(t, do(t, http.MethodDelete, url+"/"+created.SessionID, "", auth), http.StatusNotFound, 404)
	if r := do(t, http.MethodGet, url, "", auth); string(r.body) != "[]" {
		t.Errorf("list after delete: %s", r.body)
	}
	checkError(t, do(t, http.MethodGet, url, ""), http.StatusUnauthorized, 11241)
}
