package openapi

import (
	"context"
	"net/http"
)

var (
	RouteGuildChannels  = Route{http.MethodGet, "/guilds/{guild_id}/channels"}
	RouteCreateChannel  = Route{http.MethodPost, "/guilds/{guild_id}/channels"}
	RouteChannel        = Route{http.MethodGet, "/channels/{channel_id}"}
	RoutePatchChannel   = Route{http.MethodPatch, "/channels/{channel_id}"}
	RouteDeleteChannel  = Route{http.MethodDelete, "/channels/{channel_id}"}
	RouteVoiceMembers   = Route{http.MethodGet, "/channels/{channel_id}/voice/members"}
	RouteChannelOnlines = Route{http.MethodGet, "/channels/{channel_id}/online_nums"}
)

// Channel is a sub-channel (子频道) of a guild. Type: 0 text, 2 voice, 4 category,
// 10005 live, 10006 application, 10007 forum.
type Channel struct {
	ID              string `json:"id"`
	GuildID         string `json:"guild_id"`
	Name            string `json:"name"`
	Type            int    `json:"type"`
	SubType         int    `json:"sub_type"`
	Position        int    `json:"position"`
	ParentID        string `json:"parent_id"`
	OwnerID         string `json:"owner_id"`
	PrivateType     int    `json:"private_type"`
	SpeakPermission int    `json:"speak_permission"`
	ApplicationID   string `json:"application_id"`
	Permissions     string `json:"permissions"`
}

// ChannelToCreate is the body of POST /guilds/{guild_id}/channels.
type ChannelToCreate struct {
	Name            string   `json:"name"`
	Type            int      `json:"type"`
	SubType         int      `json:"sub_type"`
	Position        int      `json:"position,omitempty"`
	ParentID        string   `json:"parent_id,omitempty"`
	PrivateType     int      `json:"private_type,omitempty"`
	PrivateUserIDs  []string `json:"private_user_ids,omitempty"`
	SpeakPermission int      `json:"speak_permission,omitempty"`
	ApplicationID   string   `json:"application_id,omitempty"`
}

// ChannelPatch is the body of PATCH /channels/{channel_id}: only non-nil fields change.
type ChannelPatch struct {
	Name            *string `json:"name,omitempty"`
	Position        *int    `json:"position,omitempty"`
	ParentID        *string `json:"parent_id,omitempty"`
	PrivateType     *int    `json:"private_type,omitempty"`
	SpeakPermission *int    `json:"speak_permission,omitempty"`
}

// Channels lists the channels of a guild (GET /guilds/{guild_id}/channels).
func (c *Client) Channels(ctx context.Context, guildID string) ([]Channel, error) {
	return callJSON[[]Channel](ctx, c, "list channels", RouteGuildChannels, []string{guildID}, nil, nil)
}

// Channel returns one channel (GET /channels/{channel_id}).
func (c *Client) Channel(ctx context.Context, channelID string) (*Channel, error) {
	return callJSON[*Channel](ctx, c, "get channel", RouteChannel, []string{channelID}, nil, nil)
}

// CreateChannel creates a channel (POST /guilds/{guild_id}/channels; admin bots).
func (c *Client) CreateChannel(ctx context.Context, guildID string, ch ChannelToCreate) (*Channel, error) {
	return callJSON[*Channel](ctx, c, "create channel", RouteCreateChannel, []string{guildID}, nil, ch)
}

// PatchChannel modifies a channel (PATCH /channels/{channel_id}).
func (c *Client) PatchChannel(ctx context.Context, channelID string, p ChannelPatch) (*Channel, error) {
	return callJSON[*Channel](ctx, c, "patch channel", RoutePatchChannel, []string{channelID}, nil, p)
}

// DeleteChannel deletes a channel (DELETE /channels/{channel_id}).
func (c *Client) DeleteChannel(ctx context.Context, channelID string) error {
	return callNone(ctx, c, "delete channel", RouteDeleteChannel, []string{channelID}, nil, nil)
}

// VoiceMembers lists the members in a voice channel (GET /channels/{channel_id}/voice/members).
func (c *Client) VoiceMembers(ctx context.Context, channelID string) ([]Member, error) {
	return callJSON[[]Member](ctx, c, "list voice members", RouteVoiceMembers, []string{channelID}, nil, nil)
}

// OnlineNums returns how many users are in a voice or live channel (GET /channels/{channel_id}/online_nums).
func (c *Client) OnlineNums(ctx context.Context, channelID string) (int, error) {
	r, err := callJSON[struct {
		OnlineNums int `json:"online_nums"`
	}](ctx, c, "get online nums", RouteChannelOnlines, []string{channelID}, nil, nil)
	return r.OnlineNums, err
}
