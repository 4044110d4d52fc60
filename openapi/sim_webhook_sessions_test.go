package openapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/luabot/luabot/openapi"
	"github.com/luabot/luabot/sim"
)

func TestSim_WebhookSessions(t *testing.T) {
	srv, c := newSim(t, sim.Config{}, nil)
	ctx := simCtx(t)

	raw, err := c.CreateWebhookSession(ctx, openapi.WebhookSessionToCreate{Intents: 1 << 30, Shards: [2]int{0, 1}, CallbackURL: "https://bot.example/qq"})
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		SessionID string `json:"session_id"`
		Bot       struct {
			ID string `json:"id"`
		} `json:"bot"`
	}
	if err := json.Unmarshal(raw, &created); err != nil || created.SessionID == "" || created.Bot.ID != srv.World().Bot.ID {
		t.Fatalf("CreateWebhookSession = %s (%v)", raw, err)
	}
	// A zero shard count is not a valid identity.
	_, err = c.CreateWebhookSession(ctx, openapi.WebhookSessionToCreate{Intents: 1, CallbackURL: "https://bot.example/qq"})
	wantAPIError(t, err, http.StatusBadRequest, 12002)

	type session struct {
		SessionID   string `json:"session_id"`
		CallbackURL string `json:"callback_url"`
		Intents     int64  `json:"intents"`
	}
	want := session{created.SessionID, "https://bot.example/qq", 1 << 30}
	for name, list := range map[string]func() (json.RawMessage, error){
		"WebhookSessions":      func() (json.RawMessage, error) { return c.WebhookSessions(ctx) },
		"CheckWebhookSessions": func() (json.RawMessage, error) { return c.CheckWebhookSessions(ctx) },
	} {
		raw, err := list()
		var got []session
		if err == nil {
			err = json.Unmarshal(raw, &got)
		}
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("%s = %s (%v), want [%+v]", name, raw, err, want)
		}
	}

	if err := c.DeleteWebhookSession(ctx, created.SessionID); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, c.DeleteWebhookSession(ctx, created.SessionID), http.StatusNotFound, 404)
}
