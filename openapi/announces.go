package openapi

import (
	"context"
	"net/http"
)

var (
	RouteGuildAnnounce         = Route{http.MethodPost, "/guilds/{guild_id}/announces"}
	RouteDeleteGuildAnnounce   = Route{http.MethodDelete, "/guilds/{guild_id}/announces/{message_id}"}
	RouteChannelAnnounce       = Route{http.MethodPost, "/channels/{channel_id}/announces"}
	RouteDeleteChannelAnnounce = Route{http.MethodDelete, "/channels/{channel_id}/announces/{message_id}"}
)

// Announce is a guild announcement: a message (ChannelID+MessageID,
// AnnouncesType 0) or up to 3 recommended channels (AnnouncesType 1).
type Announce struct {
	GuildID           string               `json:"guild_id,omitempty"`
	ChannelID         string               `json:"channel_id,omitempty"`
	MessageID         string               `json:"message_id,omitempty"`
	AnnouncesType     int                  `json:"announces_type,omitempty"`
	RecommendChannels []RecommendedChannel `json:"recommend_channels,omitempty"`
}

// RecommendedChannel is one channel of a recommendation announcement.
type RecommendedChannel struct {
	ChannelID string `json:"channel_id"`
	Introduce string `json:"introduce"`
}

// CreateGuildAnnounce posts a guild announcement (POST /guilds/{guild_id}/announces).
func (c *Client) CreateGuildAnnounce(ctx context.Context, guildID string, a Announce) (*Announce, error) {
	a.GuildID = ""
	return callJSON[*Announce](ctx, c, "create guild announce", RouteGuildAnnounce, []string{guildID}, nil, a)
}

// DeleteGuildAnnounce deletes one; messageID "all" deletes any.
func (c *Client) DeleteGuildAnnounce(ctx context.Context, guildID, messageID string) error {
	return callNone(ctx, c, "delete guild announce", RouteDeleteGuildAnnounce, []string{guildID, messageID}, nil, nil)
}

// CreateChannelAnnounce posts a channel announcement (deprecated by the platform).
func (c *Client) CreateChannelAnnounce(ctx context.Context, channelID, messageID string) (*Announce, error) {
	return callJSON[*Announce](ctx, c, "create channel announce", RouteChannelAnnounce, []string{channelID}, nil,
		map[string]string{"message_id": messageID})
}

// DeleteChannelAnnounce deletes a channel announcement; messageID "all" deletes any.
func (c *Client) DeleteChannelAnnounce(ctx context.Context, channelID, messageID string) error {
	return callNone(ctx, c, "delete channel announce", RouteDeleteChannelAnnounce, []string{channelID, messageID}, nil, nil)
}
