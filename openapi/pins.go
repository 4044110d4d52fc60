package openapi

import (
	"context"
	"net/http"
)

var (
	RoutePin    = Route{http.MethodPut, "/channels/{channel_id}/pins/{message_id}"}
	RouteUnpin  = Route{http.MethodDelete, "/channels/{channel_id}/pins/{message_id}"}
	RouteGetPin = Route{http.MethodGet, "/channels/{channel_id}/pins"}
)

// Pins lists a channel's pinned (精华) messages.
type Pins struct {
	GuildID    string   `json:"guild_id"`
	ChannelID  string   `json:"channel_id"`
	MessageIDs []string `json:"message_ids"`
}

// Pin pins a message (PUT /channels/{channel_id}/pins/{message_id}) and returns every pin.
func (c *Client) Pin(ctx context.Context, channelID, messageID string) (*Pins, error) {
	return callJSON[*Pins](ctx, c, "pin message", RoutePin, []string{channelID, messageID}, nil, nil)
}

// Unpin unpins a message; messageID "all" clears every pin.
func (c *Client) Unpin(ctx context.Context, channelID, messageID string) error {
	return callNone(ctx, c, "unpin message", RouteUnpin, []string{channelID, messageID}, nil, nil)
}

// Pins lists a channel's pins (GET /channels/{channel_id}/pins).
func (c *Client) Pins(ctx context.Context, channelID string) (*Pins, error) {
	return callJSON[*Pins](ctx, c, "list pins", RouteGetPin, []string{channelID}, nil, nil)
}
