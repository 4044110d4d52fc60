package openapi

import (
	"context"
	"fmt"
	"net/http"
)

var routeGuildChannels = route{http.MethodGet, "/guilds/{guild_id}/channels"}

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

// Channels lists the channels of a guild (GET /guilds/{guild_id}/channels).
func (c *Client) Channels(ctx context.Context, guildID string) ([]Channel, error) {
	var chs []Channel
	if err := c.call(ctx, routeGuildChannels, []string{guildID}, nil, nil, &chs); err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	return chs, nil
}
