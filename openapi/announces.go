package openapi

import (
	"context"
	"net/http"
)

var (
	routeGuildAnnounce         = route{http.MethodPost, "/guilds/{guild_id}/announces"}
	routeDeleteGuildAnnounce   = route{http.MethodDelete, "/guilds/{guild_id}/announces/{message_id}"}
	routeChannelAnnounce       = route{http.MethodPost, "/channels/{channel_id}/announces"}
	routeDeleteChannelAnnounce = route{http.MethodDelete, "/channels/{channel_id}/announces/{message_id}"}
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
	return callJSON[*Announce](ctx, c, "create guild announce", routeGuildAnnounce, []string{guildID}, nil, a)
}

// DeleteGuildAnnounce deletes one; messageID "all" deletes any.
func (c *Client) DeleteGuildAnnounce(ctx context.Context, guildID, messageID string) error {
	return callNone(ctx, c, "delete guild announce", routeDeleteGuildAnnounce, []string{guildID, messageID}, nil, nil)
}

// CreateChannelAnnounce posts a channel announcement (deprecated by the platform).
func (c *Client) CreateChannelAnnounce(ctx context.Context, channelID, messageID string) (*Announce, error) {
	return callJSON[*Announce](ctx, c, "create channel announce", routeChannelAnnounce, []string{channelID}, nil,
		map[string]string{"message_id": messageID})
}

// DeleteChannelAnnounce deletes a channel announcement; messageID "all" deletes any.
func (c *Client) DeleteChannelAnnounce(ctx context.Context, channelID, messageID string) error {
	return callNone(ctx, c, "delete channel announce", routeDeleteChannelAnnounce, []string{channelID, messageID}, nil, nil)
}
