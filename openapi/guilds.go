package openapi

import (
	"context"
	"net/http"
)

var (
	RouteGuild          = Route{http.MethodGet, "/guilds/{guild_id}"}
	RouteMessageSetting = Route{http.MethodGet, "/guilds/{guild_id}/message/setting"}
	RouteGuildMute      = Route{http.MethodPatch, "/guilds/{guild_id}/mute"}
)

// Guild is a QQ guild (频道). JoinedAt is kept as the platform's RFC3339 string because guild
// events do not format it consistently.
type Guild struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Icon        string `json:"icon"`
	OwnerID     string `json:"owner_id"`
	Owner       bool   `json:"owner"` // whether the bot owns the guild
	MemberCount int    `json:"member_count"`
	MaxMembers  int    `json:"max_members"`
	Description string `json:"description"`
	JoinedAt    string `json:"joined_at"`
}

// MessageSetting is a guild's message frequency settings.
type MessageSetting struct {
	DisableCreateDM   bool     `json:"disable_create_dm"`
	DisablePushMsg    bool     `json:"disable_push_msg"`
	ChannelIDs        []string `json:"channel_ids"`
	ChannelPushMaxNum int      `json:"channel_push_max_num"`
}

// Mute is the body of the mute endpoints. Times are unix seconds as strings;
// MuteEndTimestamp wins over MuteSeconds, and "0" lifts a mute. UserIDs, on
// the guild-wide endpoint, mutes just those members.
type Mute struct {
	MuteEndTimestamp string   `json:"mute_end_timestamp,omitempty"`
	MuteSeconds      string   `json:"mute_seconds,omitempty"`
	UserIDs          []string `json:"user_ids,omitempty"`
}

// MuteResult lists the members a batch mute affected.
type MuteResult struct {
	UserIDs []string `json:"user_ids"`
}

// Guild returns one guild (GET /guilds/{guild_id}).
func (c *Client) Guild(ctx context.Context, guildID string) (*Guild, error) {
	return callJSON[*Guild](ctx, c, "get guild", RouteGuild, []string{guildID}, nil, nil)
}

// MessageSetting returns a guild's message settings (GET /guilds/{guild_id}/message/setting).
func (c *Client) MessageSetting(ctx context.Context, guildID string) (*MessageSetting, error) {
	return callJSON[*MessageSetting](ctx, c, "get message setting", RouteMessageSetting, []string{guildID}, nil, nil)
}

// MuteGuild mutes everyone in a guild, or the members in m.UserIDs (PATCH /guilds/{guild_id}/mute).
// The answer lists the muted members for a batch mute and is empty otherwise.
func (c *Client) MuteGuild(ctx context.Context, guildID string, m Mute) (*MuteResult, error) {
	var r MuteResult
	if err := c.call(ctx, RouteGuildMute, []string{guildID}, nil, m, &r); err != nil {
		return nil, wrap("mute guild", err)
	}
	return &r, nil
}
