package openapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// The deprecated HTTP-callback session API (§7.1, botgo CreateSession…).
var (
	RouteCreateWebhookSession = Route{http.MethodPost, "/gateway/webhook/sessions"}
	RouteCheckWebhookSessions = Route{http.MethodPatch, "/gateway/webhook/sessions"}
	RouteWebhookSessions      = Route{http.MethodGet, "/gateway/webhook/sessions"}
	RouteDeleteWebhookSession = Route{http.MethodDelete, "/gateway/webhook/sessions/{session_id}"}
)

// WebhookSessionToCreate is the body of POST /gateway/webhook/sessions.
type WebhookSessionToCreate struct {
	Intents     uint32 `json:"intents"`
	Shards      [2]int `json:"shards"`
	CallbackURL string `json:"callback_url"`
}

// CreateWebhookSession starts an HTTP-callback session (deprecated by the platform).
func (c *Client) CreateWebhookSession(ctx context.Context, s WebhookSessionToCreate) (json.RawMessage, error) {
	return callJSON[json.RawMessage](ctx, c, "create webhook session", RouteCreateWebhookSession, nil, nil, s)
}

// CheckWebhookSessions health-checks the sessions (PATCH ?action=check; deprecated).
func (c *Client) CheckWebhookSessions(ctx context.Context) (json.RawMessage, error) {
	return callJSON[json.RawMessage](ctx, c, "check webhook sessions", RouteCheckWebhookSessions, nil,
		url.Values{"action": {"check"}}, nil)
}

// WebhookSessions lists the sessions (deprecated).
func (c *Client) WebhookSessions(ctx context.Context) (json.RawMessage, error) {
	return callJSON[json.RawMessage](ctx, c, "list webhook sessions", RouteWebhookSessions, nil, nil, nil)
}

// DeleteWebhookSession stops a session (deprecated).
func (c *Client) DeleteWebhookSession(ctx context.Context, sessionID string) error {
	return callNone(ctx, c, "delete webhook session", RouteDeleteWebhookSession, []string{sessionID}, nil, nil)
}
