package sim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Members, roles and mutes of a guild (§7.1, §11).

// getMembers answers GET /guilds/{guild_id}/members with §11 paging:
// members whose user id is above after ("0" first), ascending, at most
// limit (1–400, default 1); an empty array ends the walk.
func (s *Server) getMembers(c *call) {
	limit, ok := c.limit(1, maxMemberPage)
	if !ok {
		return
	}
	after := uint64(0)
	if v := c.r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "after must be a user id")
			return
		}
		after = n
	}
	g := s.lockGuild(c)
	if g == nil {
		return
	}
	defer s.mu.Unlock()
	sorted := slices.Clone(g.members)
	slices.SortFunc(sorted, func(a, b *memberState) int { return compareIDs(a.user.ID, b.user.ID) })
	out := make([]wireMember, 0, limit)
	for _, m := range sorted {
		if id, _ := strconv.ParseUint(m.user.ID, 10, 64); id > after && len(out) < limit {
			out = append(out, toWireMember(m))
		}
	}
	c.json(http.StatusOK, out)
}

// lockMember takes s.mu and finds the path's guild and member.
func (s *Server) lockMember(c *call) (*guildState, *memberState) {
	g := s.lockGuild(c)
	if g == nil {
		return nil, nil
	}
	m := g.member(c.r.PathValue("user_id"))
	if m == nil {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, codeNotFound, "member not found")
		return nil, nil
	}
	return g, m
}

// getMember answers GET /guilds/{guild_id}/members/{user_id}.
func (s *Server) getMember(c *call) {
	_, m := s.lockMember(c)
	if m == nil {
		return
	}
	defer s.mu.Unlock()
	c.json(http.StatusOK, toWireMember(m))
}

// deleteMember answers DELETE /guilds/{guild_id}/members/{user_id} (kick;
// botgo sends a JSON body, which is read and ignored) and dispatches
// GUILD_MEMBER_REMOVE.
func (s *Server) deleteMember(c *call) {
	var req struct{}
	if _, ok := c.decode(&req); !ok {
		return
	}
	g, m := s.lockMember(c)
	if m == nil {
		return
	}
	if m.user.Bot || m.user.ID == g.OwnerID {
		s.mu.Unlock()
		c.fail(http.StatusForbidden, 11281, "cannot remove the owner or the bot")
		return
	}
	g.members = slices.DeleteFunc(g.members, func(x *memberState) bool { return x == m })
	d := wireMemberEvent{GuildID: g.ID, JoinedAt: m.joinedAt, Nick: m.nick, OpUserID: s.w.bot.ID, Roles: slicesOrEmpty(m.roles), User: toWireUser(*m.user)}
	s.mu.Unlock()
	c.noContent()
	if err := s.publish(event{t: "GUILD_MEMBER_REMOVE", intent: IntentGuildMembers, guildID: g.ID, scene: SceneGuild, d: d}); err != nil {
		s.log.Debug("publish", "err", err)
	}
}

// getRoles answers GET /guilds/{guild_id}/roles.
func (s *Server) getRoles(c *call) {
	g := s.lockGuild(c)
	if g == nil {
		return
	}
	defer s.mu.Unlock()
	roles := make([]wireRole, 0, len(g.roles))
	for _, r := range g.roles {
		r.Number = 0
		for _, m := range g.members {
			if slices.Contains(m.roles, r.ID) {
				r.Number++
			}
		}
		roles = append(roles, toWireRole(r))
	}
	c.json(http.StatusOK, map[string]any{"guild_id": g.ID, "roles": roles, "role_num_limit": strconv.Itoa(maxRolesPerGuild)})
}

// roleRequest accepts both role body forms (§14.7): botgo/Node nest the
// fields in info, botpy and the current docs send them flat; hoist may be
// a number, a boolean or a numeric string.
type roleRequest struct {
	Name  *string         `json:"name"`
	Color *uint32         `json:"color"`
	Hoist json.RawMessage `json:"hoist"`
	Info  *roleRequest    `json:"info"`
}

func (r *roleRequest) apply(role *roleState) {
	if r.Info != nil {
		r.Info.apply(role)
	}
	if r.Name != nil {
		role.Name = *r.Name
	}
	if r.Color != nil {
		role.Color = *r.Color
	}
	if present(r.Hoist) {
		switch string(r.Hoist) {
		case "1", `"1"`, "true":
			role.Hoist = true
		default:
			role.Hoist = false
		}
	}
}

// postRole answers POST /guilds/{guild_id}/roles with {role_id, role}.
func (s *Server) postRole(c *call) {
	var req roleRequest
	if _, ok := c.decode(&req); !ok {
		return
	}
	g := s.lockGuild(c)
	if g == nil {
		return
	}
	defer s.mu.Unlock()
	if len(g.roles) >= maxRolesPerGuild {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "role limit reached")
		return
	}
	g.nextRoleID++
	r := &roleState{Role{ID: strconv.Itoa(g.nextRoleID), Name: "新身份组", MemberLimit: 1000}}
	req.apply(r)
	g.roles = append(g.roles, r)
	c.json(http.StatusOK, map[string]any{"guild_id": g.ID, "role_id": r.ID, "role": toWireRole(r)})
}

// lockRole takes s.mu and finds the path's guild and role.
func (s *Server) lockRole(c *call) (*guildState, *roleState) {
	g := s.lockGuild(c)
	if g == nil {
		return nil, nil
	}
	r := g.role(c.r.PathValue("role_id"))
	if r == nil {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, codeNotFound, "role not found")
		return nil, nil
	}
	return g, r
}

// patchRole answers PATCH /guilds/{guild_id}/roles/{role_id}.
func (s *Server) patchRole(c *call) {
	var req roleRequest
	if _, ok := c.decode(&req); !ok {
		return
	}
	g, r := s.lockRole(c)
	if r == nil {
		return
	}
	defer s.mu.Unlock()
	req.apply(r)
	c.json(http.StatusOK, map[string]any{"guild_id": g.ID, "role_id": r.ID, "role": toWireRole(r)})
}

// deleteRole answers DELETE /guilds/{guild_id}/roles/{role_id}; the
// default roles cannot be deleted.
func (s *Server) deleteRole(c *call) {
	g, r := s.lockRole(c)
	if r == nil {
		return
	}
	defer s.mu.Unlock()
	if n, err := strconv.Atoi(r.ID); err == nil && n < 10 {
		c.fail(http.StatusForbidden, codeRequestInvalid, "default roles cannot be deleted")
		return
	}
	g.roles = slices.DeleteFunc(g.roles, func(x *roleState) bool { return x == r })
	for _, m := range g.members {
		m.roles = slices.DeleteFunc(m.roles, func(id string) bool { return id == r.ID })
	}
	c.noContent()
}

// getRoleMembers answers GET /guilds/{guild_id}/roles/{role_id}/members:
// {data, next} where next is the start_index of the following page.
func (s *Server) getRoleMembers(c *call) {
	limit, ok := c.limit(1, maxMemberPage)
	if !ok {
		return
	}
	start := 0
	if v := c.r.URL.Query().Get("start_index"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "start_index must be a non-negative integer")
			return
		}
		start = n
	}
	g, r := s.lockRole(c)
	if r == nil {
		return
	}
	defer s.mu.Unlock()
	var all []*memberState
	for _, m := range g.members {
		if slices.Contains(m.roles, r.ID) {
			all = append(all, m)
		}
	}
	out := make([]wireMember, 0, limit)
	for i := start; i < len(all) && len(out) < limit; i++ {
		out = append(out, toWireMember(all[i]))
	}
	c.json(http.StatusOK, map[string]any{"data": out, "next": strconv.Itoa(start + len(out))})
}

// putMemberRole and deleteMemberRole answer PUT/DELETE
// /guilds/{guild_id}/members/{user_id}/roles/{role_id} with 204. The body
// {channel:{id}} (or botgo's {"channel":null}) is accepted.
func (s *Server) putMemberRole(c *call)    { s.memberRole(c, true) }
func (s *Server) deleteMemberRole(c *call) { s.memberRole(c, false) }

func (s *Server) memberRole(c *call, add bool) {
	var req struct{}
	if _, ok := c.decode(&req); !ok {
		return
	}
	g, r := s.lockRole(c)
	if r == nil {
		return
	}
	defer s.mu.Unlock()
	m := g.member(c.r.PathValue("user_id"))
	if m == nil {
		c.fail(http.StatusNotFound, codeNotFound, "member not found")
		return
	}
	has := slices.Contains(m.roles, r.ID)
	switch {
	case add && !has:
		m.roles = append(m.roles, r.ID)
	case !add && has:
		m.roles = slices.DeleteFunc(m.roles, func(id string) bool { return id == r.ID })
	}
	c.noContent()
}

// muteRequest is the mute body: unix-second strings, "0" unmutes, the end
// timestamp wins over the duration (§7.1).
type muteRequest struct {
	MuteEnd     string   `json:"mute_end_timestamp"`
	MuteSeconds string   `json:"mute_seconds"`
	UserIDs     []string `json:"user_ids"`
}

func (r muteRequest) until(now time.Time) (time.Time, bool) {
	if r.MuteEnd != "" {
		n, err := strconv.ParseInt(r.MuteEnd, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		if n == 0 {
			return time.Time{}, true
		}
		return time.Unix(n, 0), true
	}
	if r.MuteSeconds != "" {
		n, err := strconv.ParseInt(r.MuteSeconds, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		if n == 0 {
			return time.Time{}, true
		}
		return now.Add(time.Duration(n) * time.Second), true
	}
	return time.Time{}, false
}

// muteGuild answers PATCH /guilds/{guild_id}/mute: everyone (204) or the
// listed user_ids (200 {user_ids}).
func (s *Server) muteGuild(c *call) {
	var req muteRequest
	if _, ok := c.decode(&req); !ok {
		return
	}
	g := s.lockGuild(c)
	if g == nil {
		return
	}
	defer s.mu.Unlock()
	until, ok := req.until(s.now())
	if !ok {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "mute_end_timestamp or mute_seconds must be a decimal string")
		return
	}
	if len(req.UserIDs) == 0 {
		for _, m := range g.members {
			if !m.user.Bot {
				m.muteUntil = until
			}
		}
		c.noContent()
		return
	}
	muted := []string{}
	for _, id := range req.UserIDs {
		if m := g.member(id); m != nil {
			m.muteUntil = until
			muted = append(muted, id)
		}
	}
	c.json(http.StatusOK, map[string]any{"user_ids": muted})
}

// muteMember answers PATCH /guilds/{guild_id}/members/{user_id}/mute.
func (s *Server) muteMember(c *call) {
	var req muteRequest
	if _, ok := c.decode(&req); !ok {
		return
	}
	_, m := s.lockMember(c)
	if m == nil {
		return
	}
	defer s.mu.Unlock()
	until, ok := req.until(s.now())
	if !ok {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "mute_end_timestamp or mute_seconds must be a decimal string")
		return
	}
	m.muteUntil = until
	c.noContent()
}
