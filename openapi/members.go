package openapi

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

var (
	RouteMembers      = Route{http.MethodGet, "/guilds/{guild_id}/members"}
	RouteMember       = Route{http.MethodGet, "/guilds/{guild_id}/members/{user_id}"}
	RouteDeleteMember = Route{http.MethodDelete, "/guilds/{guild_id}/members/{user_id}"}
	RouteRoleMembers  = Route{http.MethodGet, "/guilds/{guild_id}/roles/{role_id}/members"}
	RouteMemberMute   = Route{http.MethodPatch, "/guilds/{guild_id}/members/{user_id}/mute"}
)

// MaxMembersPage is the largest page GET /guilds/{id}/members serves.
const MaxMembersPage = 400

// Member is a guild member. Role ids: "1" everyone, "2" admin, "4" owner, "5" channel admin.
type Member struct {
	GuildID  string   `json:"guild_id,omitempty"`
	User     User     `json:"user"`
	Nick     string   `json:"nick"`
	Roles    []string `json:"roles"`
	JoinedAt string   `json:"joined_at"`
}

// MemberPager selects a page of GET /guilds/{guild_id}/members.
type MemberPager struct {
	After string // user id of the last member seen; "" (or "0") for the first page
	Limit int    // 1–400; 0 means 400
}

// KickOptions is the body of DELETE /guilds/{guild_id}/members/{user_id}.
type KickOptions struct {
	AddBlacklist bool `json:"add_blacklist"`
	// DeleteHistoryMsgDays is 0, 3, 7, 15, 30 or -1 (all).
	DeleteHistoryMsgDays int `json:"delete_history_msg_days"`
}

// RoleMembers is one page of a role's members; Next is the next StartIndex.
type RoleMembers struct {
	Data []Member `json:"data"`
	Next string   `json:"next"`
}

// Members returns one page of a guild's members (private-domain bots). The
// platform may repeat members across pages and return fewer than Limit; an
// empty page is the end. [Client.AllMembers] handles both.
func (c *Client) Members(ctx context.Context, guildID string, p MemberPager) ([]Member, error) {
	if p.Limit < 0 || p.Limit > MaxMembersPage {
		return nil, fmt.Errorf("list members: %w: limit %d not in 0..%d", ErrInvalidRequest, p.Limit, MaxMembersPage)
	}
	if p.Limit == 0 {
		p.Limit = MaxMembersPage
	}
	if p.After == "" {
		p.After = "0"
	}
	q := url.Values{"after": {p.After}, "limit": {strconv.Itoa(p.Limit)}}
	return callJSON[[]Member](ctx, c, "list members", RouteMembers, []string{guildID}, q, nil)
}

// AllMembers iterates over every member of a guild, page by page ([MemberListing]),
// skipping the duplicates the platform may repeat across pages. It stops at
// the first error, which it yields once.
func (c *Client) AllMembers(ctx context.Context, guildID string) iter.Seq2[Member, error] {
	return decodeAll[Member](MemberListing.All(ctx, c, 0, guildID), "list members")
}

// Member returns one member (GET /guilds/{guild_id}/members/{user_id}).
func (c *Client) Member(ctx context.Context, guildID, userID string) (*Member, error) {
	return callJSON[*Member](ctx, c, "get member", RouteMember, []string{guildID, userID}, nil, nil)
}

// DeleteMember removes a member from a guild (DELETE /guilds/{guild_id}/members/{user_id}; admin bots).
func (c *Client) DeleteMember(ctx context.Context, guildID, userID string, opt KickOptions) error {
	return callNone(ctx, c, "delete member", RouteDeleteMember, []string{guildID, userID}, nil, opt)
}

// RoleMembers returns one page of a role's members (GET /guilds/{guild_id}/roles/{role_id}/members).
// startIndex is "0" (or "") for the first page, then the previous page's Next; limit 1–400.
func (c *Client) RoleMembers(ctx context.Context, guildID, roleID, startIndex string, limit int) (*RoleMembers, error) {
	if limit <= 0 || limit > MaxMembersPage {
		limit = MaxMembersPage
	}
	if startIndex == "" {
		startIndex = "0"
	}
	q := url.Values{"start_index": {startIndex}, "limit": {strconv.Itoa(limit)}}
	return callJSON[*RoleMembers](ctx, c, "list role members", RouteRoleMembers, []string{guildID, roleID}, q, nil)
}

// MuteMember mutes one member (PATCH /guilds/{guild_id}/members/{user_id}/mute).
func (c *Client) MuteMember(ctx context.Context, guildID, userID string, m Mute) error {
	m.UserIDs = nil
	return callNone(ctx, c, "mute member", RouteMemberMute, []string{guildID, userID}, nil, m)
}
