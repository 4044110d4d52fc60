package openapi

import (
	"context"
	"net/http"
)

var (
	RouteMemberPermissions    = Route{http.MethodGet, "/channels/{channel_id}/members/{user_id}/permissions"}
	RoutePutMemberPermissions = Route{http.MethodPut, "/channels/{channel_id}/members/{user_id}/permissions"}
	RouteRolePermissions      = Route{http.MethodGet, "/channels/{channel_id}/roles/{role_id}/permissions"}
	RoutePutRolePermissions   = Route{http.MethodPut, "/channels/{channel_id}/roles/{role_id}/permissions"}
	RouteAPIPermissions       = Route{http.MethodGet, "/guilds/{guild_id}/api_permission"}
	RouteAPIPermissionDemand  = Route{http.MethodPost, "/guilds/{guild_id}/api_permission/demand"}
)

// ChannelPermissions is a member's or role's permissions in a channel; Permissions
// is a decimal bitmask (1 view, 2 manage, 4 speak, 8 live).
type ChannelPermissions struct {
	ChannelID   string `json:"channel_id"`
	UserID      string `json:"user_id,omitempty"`
	RoleID      string `json:"role_id,omitempty"`
	Permissions string `json:"permissions"`
}

// PermissionChange grants (Add) and revokes (Remove) decimal bitmasks; a bit
// in both is removed.
type PermissionChange struct {
	Add    string `json:"add,omitempty"`
	Remove string `json:"remove,omitempty"`
}

// APIPermission is one API the bot may call in a guild; AuthStatus 1 = granted.
type APIPermission struct {
	Path       string `json:"path"`
	Method     string `json:"method"`
	Desc       string `json:"desc"`
	AuthStatus int    `json:"auth_status"`
}

// APIPermissionDemand asks a guild's admins, in a channel, to grant an API.
type APIPermissionDemand struct {
	ChannelID   string        `json:"channel_id"`
	APIIdentify APIIdentifier `json:"api_identify"`
	Desc        string        `json:"desc"`
}

// APIIdentifier names an API by path and method.
type APIIdentifier struct {
	Path   string `json:"path"`
	Method string `json:"method"`
}

// MemberPermissions returns a member's permissions in a channel
// (GET /channels/{channel_id}/members/{user_id}/permissions).
func (c *Client) MemberPermissions(ctx context.Context, channelID, userID string) (*ChannelPermissions, error) {
	return callJSON[*ChannelPermissions](ctx, c, "get member permissions", RouteMemberPermissions, []string{channelID, userID}, nil, nil)
}

// PutMemberPermissions changes a member's permissions in a channel.
func (c *Client) PutMemberPermissions(ctx context.Context, channelID, userID string, p PermissionChange) error {
	return callNone(ctx, c, "put member permissions", RoutePutMemberPermissions, []string{channelID, userID}, nil, p)
}

// RolePermissions returns a role's permissions in a channel
// (GET /channels/{channel_id}/roles/{role_id}/permissions).
func (c *Client) RolePermissions(ctx context.Context, channelID, roleID string) (*ChannelPermissions, error) {
	return callJSON[*ChannelPermissions](ctx, c, "get role permissions", RouteRolePermissions, []string{channelID, roleID}, nil, nil)
}

// PutRolePermissions changes a role's permissions in a channel.
func (c *Client) PutRolePermissions(ctx context.Context, channelID, roleID string, p PermissionChange) error {
	return callNone(ctx, c, "put role permissions", RoutePutRolePermissions, []string{channelID, roleID}, nil, p)
}

// APIPermissions lists the APIs the bot may call in a guild (GET /guilds/{guild_id}/api_permission).
func (c *Client) APIPermissions(ctx context.Context, guildID string) ([]APIPermission, error) {
	r, err := callJSON[struct {
		APIs []APIPermission `json:"apis"`
	}](ctx, c, "list api permissions", RouteAPIPermissions, []string{guildID}, nil, nil)
	return r.APIs, err
}

// APIPermissionDemandResult is the answer to a grant request: the prompt
// the platform posted in the channel.
type APIPermissionDemandResult struct {
	GuildID     string        `json:"guild_id"`
	ChannelID   string        `json:"channel_id"`
	APIIdentify APIIdentifier `json:"api_identify"`
	Title       string        `json:"title"`
	Desc        string        `json:"desc"`
}

// DemandAPIPermission posts a grant request to a channel (POST
// /guilds/{guild_id}/api_permission/demand; 3 per day per guild) and returns
// the prompt the platform posted.
func (c *Client) DemandAPIPermission(ctx context.Context, guildID string, d APIPermissionDemand) (*APIPermissionDemandResult, error) {
	return callJSON[*APIPermissionDemandResult](ctx, c, "demand api permission", RouteAPIPermissionDemand, []string{guildID}, nil, d)
}
