package openapi

import (
	"context"
	"net/http"
)

var (
	RouteCreateDM       = Route{http.MethodPost, "/users/@me/dms"}
	RouteDeleteDM       = Route{http.MethodDelete, "/dms/{guild_id}/messages/{message_id}"}
	RouteDMSettingGuide = Route{http.MethodPost, "/dms/{guild_id}/settingguide"}
)

// DM is a direct-message session: GuildID is what DM sends are addressed to.
type DM struct {
	GuildID    string `json:"guild_id"`
	ChannelID  string `json:"channel_id"`
	CreateTime string `json:"create_time"` // unix seconds
}

// CreateDM opens a DM session with a member of sourceGuildID (POST /users/@me/dms).
func (c *Client) CreateDM(ctx context.Context, recipientID, sourceGuildID string) (*DM, error) {
	return callJSON[*DM](ctx, c, "create dm", RouteCreateDM, nil, nil,
		map[string]string{"recipient_id": recipientID, "source_guild_id": sourceGuildID})
}

// PostDM sends a DM (POST /dms/{guild_id}/messages) to a session's guild id.
// msg is as for [Client.PostMessage].
func (c *Client) PostDM(ctx context.Context, guildID string, msg any) (*SentMessage, error) {
	return c.post(ctx, "post dm", RouteDMMessages, guildID, msg)
}

// DeleteDM recalls the bot's own DM (DELETE /dms/{guild_id}/messages/{message_id}).
func (c *Client) DeleteDM(ctx context.Context, guildID, messageID string, hideTip bool) error {
	return callNone(ctx, c, "delete dm", RouteDeleteDM, []string{guildID, messageID}, hideTipQuery(hideTip), nil)
}

// PostDMSettingGuide posts the DM settings prompt, jumping to jumpGuildID.
func (c *Client) PostDMSettingGuide(ctx context.Context, guildID, jumpGuildID string) (*Message, error) {
	return callJSON[*Message](ctx, c, "post dm setting guide", RouteDMSettingGuide, []string{guildID}, nil,
		map[string]any{"setting_guide": map[string]string{"guild_id": jumpGuildID}})
}
