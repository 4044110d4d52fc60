package openapi

import (
	"context"
	"encoding/json"
	"net/http"
)

var (
	RouteRoles            = Route{http.MethodGet, "/guilds/{guild_id}/roles"}
	RouteCreateRole       = Route{http.MethodPost, "/guilds/{guild_id}/roles"}
	RoutePatchRole        = Route{http.MethodPatch, "/guilds/{guild_id}/roles/{role_id}"}
	RouteDeleteRole       = Route{http.MethodDelete, "/guilds/{guild_id}/roles/{role_id}"}
	RouteAddMemberRole    = Route{http.MethodPut, "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"}
	RouteRemoveMemberRole = Route{http.MethodDelete, "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"}
)

// Role is a guild role. Color is ARGB; Hoist 1 shows members separately.
type Role struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Color       uint32 `json:"color"`
	Hoist       int    `json:"hoist"`
	Number      int    `json:"number"`
	MemberLimit int    `json:"member_limit"`
}

// GuildRoles is the answer of GET /guilds/{guild_id}/roles.
type GuildRoles struct {
	GuildID      string `json:"guild_id"`
	Roles        []Role `json:"roles"`
	RoleNumLimit string `json:"role_num_limit"`
}

// RoleToSet is the body of role create and patch: the flat shape of the
// current docs (§14.7).
type RoleToSet struct {
	Name  string `json:"name,omitempty"`
	Color uint32 `json:"color,omitempty"`
	Hoist int    `json:"hoist,omitempty"`
}

// RoleResult is the answer of role create and patch.
type RoleResult struct {
	GuildID string `json:"guild_id"`
	RoleID  string `json:"role_id"`
	Role    Role   `json:"role"`
}

// Roles lists a guild's roles (GET /guilds/{guild_id}/roles).
func (c *Client) Roles(ctx context.Context, guildID string) (*GuildRoles, error) {
	return callJSON[*GuildRoles](ctx, c, "list roles", RouteRoles, []string{guildID}, nil, nil)
}

// CreateRole creates a role (POST /guilds/{guild_id}/roles; admin bots).
func (c *Client) CreateRole(ctx context.Context, guildID string, r RoleToSet) (*RoleResult, error) {
	return callJSON[*RoleResult](ctx, c, "create role", RouteCreateRole, []string{guildID}, nil, r)
}

// PatchRole modifies a role (PATCH /guilds/{guild_id}/roles/{role_id}).
func (c *Client) PatchRole(ctx context.Context, guildID, roleID string, r RoleToSet) (*RoleResult, error) {
	return callJSON[*RoleResult](ctx, c, "patch role", RoutePatchRole, []string{guildID, roleID}, nil, r)
}

// DeleteRole deletes a role (DELETE /guilds/{guild_id}/roles/{role_id}).
func (c *Client) DeleteRole(ctx context.Context, guildID, roleID string) error {
	return callNone(ctx, c, "delete role", RouteDeleteRole, []string{guildID, roleID}, nil, nil)
}

// roleChannel is the body of member-role changes; the channel is required
// for role "5" (sub-channel admin).
func roleChannel(channelID string) any {
	if channelID == "" {
		return json.RawMessage(`{}`)
	}
	return map[string]any{"channel": map[string]string{"id": channelID}}
}

// AddMemberRole gives a member a role (PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}).
// channelID is needed only for role "5" (sub-channel admin).
func (c *Client) AddMemberRole(ctx context.Context, guildID, userID, roleID, channelID string) error {
	return callNone(ctx, c, "add member role", RouteAddMemberRole, []string{guildID, userID, roleID}, nil, roleChannel(channelID))
}

// RemoveMemberRole takes a role from a member (DELETE, same path as AddMemberRole).
func (c *Client) RemoveMemberRole(ctx context.Context, guildID, userID, roleID, channelID string) error {
	return callNone(ctx, c, "remove member role", RouteRemoveMemberRole, []string{guildID, userID, roleID}, nil, roleChannel(channelID))
}
