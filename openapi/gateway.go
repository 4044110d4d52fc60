package openapi

import (
	"context"
	"fmt"
	"net/http"
)

var (
	RouteGatewayBot = Route{http.MethodGet, "/gateway/bot"}
	RouteGateway    = Route{http.MethodGet, "/gateway"}
)

// GatewayBot is the answer of GET /gateway/bot: where to connect and how many sessions may
// be started.
type GatewayBot struct {
	URL               string            `json:"url"`    // wss endpoint for gateway.Config.URL
	Shards            int               `json:"shards"` // recommended shard count
	SessionStartLimit SessionStartLimit `json:"session_start_limit"`
}

// SessionStartLimit bounds how many gateway sessions may be identified.
type SessionStartLimit struct {
	Total          int `json:"total"`           // sessions creatable per 24 h
	Remaining      int `json:"remaining"`       // sessions still creatable
	ResetAfter     int `json:"reset_after"`     // milliseconds until Remaining resets
	MaxConcurrency int `json:"max_concurrency"` // sessions that may start per 5 s
}

// GatewayBot fetches the gateway URL and session limits (GET /gateway/bot).
func (c *Client) GatewayBot(ctx context.Context) (*GatewayBot, error) {
	var g GatewayBot
	if err := c.call(ctx, RouteGatewayBot, nil, nil, nil, &g); err != nil {
		return nil, fmt.Errorf("get gateway: %w", err)
	}
	return &g, nil
}

// Gateway returns just the gateway URL (GET /gateway).
func (c *Client) Gateway(ctx context.Context) (string, error) {
	r, err := callJSON[struct {
		URL string `json:"url"`
	}](ctx, c, "get gateway url", RouteGateway, nil, nil, nil)
	return r.URL, err
}
