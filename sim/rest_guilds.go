package sim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

const (
	maxGuildPage      = 100 // /users/@me/guilds limit bound and default (§11)
	maxMemberPage     = 400 // /guilds/{id}/members limit bound (§11)
	allPermissions    = "31"
	maxRolesPerGuild  = 30
	maxRecommendation = 3
)

// getMe answers GET /users/@me with the bot user.
func (s *Server) getMe(c *call) {
	c.json(http.StatusOK, toWireUser(s.w.bot))
}

// getMeGuilds answers GET /users/@me/guilds with §11 paging: after=id
// returns guilds with larger ids in ascending order; before=id returns
// those with smaller ids, nearest first (the platform reverses, then
// pages); after wins when both are given.
func (s *Server) getMeGuilds(c *call) {
	q := c.r.URL.Query()
	limit, ok := c.limit(maxGuildPage, maxGuildPage)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]wireGuild, 0, len(s.w.guilds))
	take := func(g *guildState) bool {
		out = append(out, toWireGuild(g))
		return len(out) < limit
	}
	switch after, before := q.Get("after"), q.Get("before"); {
	case after != "":
		a, err := strconv.ParseUint(after, 10, 64)
		if err != nil {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "after must be a guild id")
			return
		}
		for _, g := range s.w.guilds {
			if id, _ := strconv.ParseUint(g.ID, 10, 64); id > a && !take(g) {
				break
			}
		}
	case before != "":
		b, err := strconv.ParseUint(before, 10, 64)
		if err != nil {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "before must be a guild id")
			return
		}
		for i := len(s.w.guilds) - 1; i >= 0; i-- {
			if id, _ := strconv.ParseUint(s.w.guilds[i].ID, 10, 64); id < b && !take(s.w.guilds[i]) {
				break
			}
		}
	default:
		for _, g := range s.w.guilds {
			if !take(g) {
				break
			}
		}
	}
	c.json(http.StatusOK, out)
}

// limit parses the limit query parameter: 1..max, default def.
func (c *call) limit(def, maxLimit int) (int, bool) {
	v := c.r.URL.Query().Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "limit must be an integer from 1 to "+strconv.Itoa(maxLimit))
		return 0, false
	}
	return n, true
}

// lockGuild takes s.mu and finds the path's guild. On failure it answers
// 404/10004, releases the lock and returns nil.
func (s *Server) lockGuild(c *call) *guildState {
	s.mu.Lock()
	g := s.w.guild(c.r.PathValue("guild_id"))
	if g == nil {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, codeUnknownGuild, "unknown guild")
	}
	return g
}

// lockChannel is lockGuild for the path's channel (404/10003).
func (s *Server) lockChannel(c *call) *channelState {
	s.mu.Lock()
	ch := s.w.channels[c.r.PathValue("channel_id")]
	if ch == nil {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, codeUnknownChannel, "unknown channel")
	}
	return ch
}

// getGuild answers GET /guilds/{guild_id}.
func (s *Server) getGuild(c *call) {
	g := s.lockGuild(c)
	if g == nil {
		return
	}
	defer s.mu.Unlock()
	c.json(http.StatusOK, toWireGuild(g))
}

// getGuildChannels answers GET /guilds/{guild_id}/channels.
func (s *Server) getGuildChannels(c *call) {
	g := s.lockGuild(c)
	if g == nil {
		return
	}
	defer s.mu.Unlock()
	out := make([]wireChannel, 0, len(g.channels))
	for _, ch := range g.channels {
		out = append(out, toWireChannel(ch))
	}
	c.json(http.StatusOK, out)
}

// channelRequest is the body of channel create/patch. botpy spells
// sub_type "subtype" (§14.8); both are read.
type channelRequest struct {
	Name            *string `json:"name"`
	Type            *int    `json:"type"`
	SubType         *int    `json:"sub_type"`
	SubTypeBotpy    *int    `json:"subtype"`
	Position        *int    `json:"position"`
	ParentID        *string `json:"parent_id"`
	PrivateType     *int    `json:"private_type"`
	SpeakPermission *int    `json:"speak_permission"`
	ApplicationID   *string `json:"application_id"`
}

func (r *channelRequest) apply(ch *channelState) {
	if r.Name != nil {
		ch.Name = *r.Name
	}
	if r.SubType == nil {
		r.SubType = r.SubTypeBotpy
	}
	if r.SubType != nil {
		ch.SubType = *r.SubType
	}
	if r.Position != nil {
		ch.position = *r.Position
	}
	if r.ParentID != nil {
		ch.ParentID = *r.ParentID
	}
	if r.PrivateType != nil {
		ch.privateType = *r.PrivateType
	}
	if r.SpeakPermission != nil {
		ch.speakPermission = *r.SpeakPermission
	}
	if r.ApplicationID != nil {
		ch.applicationID = *r.ApplicationID
	}
}

// postChannel answers POST /guilds/{guild_id}/channels and dispatches
// CHANNEL_CREATE.
func (s *Server) postChannel(c *call) {
	var req channelRequest
	if _, ok := c.decode(&req); !ok {
		return
	}
	if req.Name == nil || *req.Name == "" {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "name is required")
		return
	}
	g := s.lockGuild(c)
	if g == nil {
		return
	}
	typ := 0
	if req.Type != nil {
		typ = *req.Type
	}
	ch := s.w.addChannel(g, "", *req.Name, typ)
	req.apply(ch)
	out := toWireChannel(ch)
	s.mu.Unlock()
	c.json(http.StatusOK, out)
	s.channelEvent("CHANNEL_CREATE", out)
}

// getChannel answers GET /channels/{channel_id}.
func (s *Server) getChannel(c *call) {
	ch := s.lockChannel(c)
	if ch == nil {
		return
	}
	defer s.mu.Unlock()
	c.json(http.StatusOK, toWireChannel(ch))
}

// patchChannel answers PATCH /channels/{channel_id}; only the given keys
// change. It dispatches CHANNEL_UPDATE.
func (s *Server) patchChannel(c *call) {
	var req channelRequest
	if _, ok := c.decode(&req); !ok {
		return
	}
	ch := s.lockChannel(c)
	if ch == nil {
		return
	}
	req.apply(ch)
	out := toWireChannel(ch)
	s.mu.Unlock()
	c.json(http.StatusOK, out)
	s.channelEvent("CHANNEL_UPDATE", out)
}

// deleteChannel answers DELETE /channels/{channel_id} with 200 and the
// deleted channel, and dispatches CHANNEL_DELETE.
func (s *Server) deleteChannel(c *call) {
	ch := s.lockChannel(c)
	if ch == nil {
		return
	}
	s.w.removeChannel(ch)
	out := toWireChannel(ch)
	s.mu.Unlock()
	c.json(http.StatusOK, out)
	s.channelEvent("CHANNEL_DELETE", out)
}

func (s *Server) channelEvent(t string, ch wireChannel) {
	ch.OpUserID = s.w.bot.ID
	if err := s.publish(event{t: t, intent: IntentGuilds, guildID: ch.GuildID, scene: SceneGuild, d: ch}); err != nil {
		s.log.Debug("publish", "t", t, "err", err)
	}
}

// The simulator keeps one announcement per guild: a message, posted
// through the guild route or the channel route, or a list of recommended
// channels. Posting replaces it.

// postAnnounce answers POST /guilds/{guild_id}/announces, either a message
// announcement {channel_id, message_id} or a recommendation
// {announces_type, recommend_channels}.
func (s *Server) postAnnounce(c *call) {
	var req struct {
		ChannelID     string             `json:"channel_id"`
		MessageID     string             `json:"message_id"`
		AnnouncesType int                `json:"announces_type"`
		Recommend     []recommendChannel `json:"recommend_channels"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	g := s.lockGuild(c)
	if g == nil {
		return
	}
	defer s.mu.Unlock()
	if len(req.Recommend) > maxRecommendation {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "at most 3 recommended channels")
		return
	}
	if req.MessageID != "" {
		m, ok := s.messages[req.MessageID]
		if !ok || m.msg.ChannelID != req.ChannelID || m.msg.GuildID != g.ID {
			c.fail(http.StatusNotFound, codeNotFound, "message not found")
			return
		}
	}
	g.announces = &announce{channelID: req.ChannelID, messageID: req.MessageID, announcesType: req.AnnouncesType, recommend: req.Recommend}
	c.json(http.StatusOK, announceBody(g.ID, g.announces))
}

// announceBody is the Announces object of §7.1.
func announceBody(guildID string, a *announce) map[string]any {
	rec := a.recommend
	if rec == nil {
		rec = []recommendChannel{}
	}
	return map[string]any{"guild_id": guildID, "channel_id": a.channelID, "message_id": a.messageID,
		"announces_type": a.announcesType, "recommend_channels": rec}
}

// deleteAnnounce answers DELETE /guilds/{guild_id}/announces/{message_id}
// ("all" clears whatever is set).
func (s *Server) deleteAnnounce(c *call) {
	g := s.lockGuild(c)
	if g == nil {
		return
	}
	defer s.mu.Unlock()
	id := c.r.PathValue("message_id")
	if id != "all" && (g.announces == nil || g.announces.messageID != id) {
		c.fail(http.StatusNotFound, codeNotFound, "announcement not found")
		return
	}
	g.announces = nil
	c.noContent()
}

// postChannelAnnounce answers POST /channels/{channel_id}/announces
// {message_id} (§7.1; deprecated 2022-03-15): the message, which must be
// in this channel (404), becomes the guild's announcement, of type 0.
// message_id is required (12002).
func (s *Server) postChannelAnnounce(c *call) {
	var req struct {
		MessageID string `json:"message_id"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	ch := s.lockChannel(c)
	if ch == nil {
		return
	}
	defer s.mu.Unlock()
	if req.MessageID == "" {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "message_id is required")
		return
	}
	m, ok := s.messages[req.MessageID]
	if !ok || m.deleted || m.msg.ChannelID != ch.ID {
		c.fail(http.StatusNotFound, codeNotFound, "message not found")
		return
	}
	g := s.w.guild(ch.GuildID)
	g.announces = &announce{channelID: ch.ID, messageID: m.msg.ID}
	c.json(http.StatusOK, announceBody(g.ID, g.announces))
}

// deleteChannelAnnounce answers DELETE
// /channels/{channel_id}/announces/{message_id} with 204 when the guild's
// announcement is that message of this channel (else 404); "all" clears
// it if it belongs to this channel and leaves another channel's alone.
func (s *Server) deleteChannelAnnounce(c *call) {
	ch := s.lockChannel(c)
	if ch == nil {
		return
	}
	defer s.mu.Unlock()
	g := s.w.guild(ch.GuildID)
	id := c.r.PathValue("message_id")
	ours := g.announces != nil && g.announces.channelID == ch.ID
	switch {
	case ours && (id == "all" || g.announces.messageID == id):
		g.announces = nil
	case id != "all":
		c.fail(http.StatusNotFound, codeNotFound, "announcement not found")
		return
	}
	c.noContent()
}

// getMessageSetting answers GET /guilds/{guild_id}/message/setting.
func (s *Server) getMessageSetting(c *call) {
	g := s.lockGuild(c)
	if g == nil {
		return
	}
	defer s.mu.Unlock()
	ids := []string{}
	for _, ch := range g.channels {
		ids = append(ids, ch.ID)
	}
	c.json(http.StatusOK, map[string]any{"disable_create_dm": false, "disable_push_msg": false,
		"channel_ids": ids, "channel_push_max_num": 2})
}

// apiPermissions is what GET /guilds/{guild_id}/api_permission lists;
// auth_status 1 means granted.
var apiPermissions = []map[string]any{
	{"path": "/guilds/{guild_id}/members/{user_id}", "method": "GET", "desc": "获取当前频道成员信息", "auth_status": 1},
	{"path": "/guilds/{guild_id}/members", "method": "GET", "desc": "获取频道成员列表", "auth_status": 1},
	{"path": "/channels/{channel_id}/messages", "method": "POST", "desc": "发送消息", "auth_status": 1},
	{"path": "/guilds/{guild_id}/mute", "method": "PATCH", "desc": "频道禁言", "auth_status": 0},
	{"path": "/guilds/{guild_id}/announces", "method": "POST", "desc": "创建频道公告", "auth_status": 0},
}

func (s *Server) getAPIPermissions(c *call) {
	g := s.lockGuild(c)
	if g == nil {
		return
	}
	defer s.mu.Unlock()
	c.json(http.StatusOK, map[string]any{"apis": apiPermissions})
}

// postAPIPermissionDemand answers POST
// /guilds/{guild_id}/api_permission/demand by echoing the demand.
func (s *Server) postAPIPermissionDemand(c *call) {
	var req struct {
		ChannelID   string          `json:"channel_id"`
		APIIdentify json.RawMessage `json:"api_identify"`
		Desc        string          `json:"desc"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	g := s.lockGuild(c)
	if g == nil {
		return
	}
	defer s.mu.Unlock()
	if _, ok := s.w.channels[req.ChannelID]; !ok {
		c.fail(http.StatusNotFound, codeUnknownChannel, "unknown channel")
		return
	}
	if !present(req.APIIdentify) {
		req.APIIdentify = json.RawMessage(`{}`)
	}
	c.json(http.StatusOK, map[string]any{"guild_id": g.ID, "channel_id": req.ChannelID,
		"api_identify": req.APIIdentify, "title": "API permission request", "desc": req.Desc})
}

// getChannelPermissions answers GET /channels/{channel_id}/members/{user_id}/permissions
// and the role variant: everyone can read, speak and see (bits 1|2|…).
func (s *Server) getChannelPermissions(c *call) {
	ch := s.lockChannel(c)
	if ch == nil {
		return
	}
	defer s.mu.Unlock()
	out := map[string]any{"channel_id": ch.ID, "permissions": allPermissions}
	if id := c.r.PathValue("user_id"); id != "" {
		out["user_id"] = id
	} else {
		out["role_id"] = c.r.PathValue("role_id")
	}
	c.json(http.StatusOK, out)
}

// putChannelPermissions accepts {add, remove} as decimal strings (§9) and
// answers 204; the simulator does not model permission bits further.
func (s *Server) putChannelPermissions(c *call) {
	var req struct {
		Add    string `json:"add"`
		Remove string `json:"remove"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	for _, v := range []string{req.Add, req.Remove} {
		if _, err := strconv.ParseUint(v, 10, 64); v != "" && err != nil {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "add and remove must be decimal strings")
			return
		}
	}
	ch := s.lockChannel(c)
	if ch == nil {
		return
	}
	s.mu.Unlock()
	c.noContent()
}

// getGateway answers GET /gateway.
func (s *Server) getGateway(c *call) {
	c.json(http.StatusOK, gatewayResponse{URL: s.GatewayURL()})
}

// getGatewayBot answers GET /gateway/bot. remaining counts identifies in
// the current 24 h window (session.go).
func (s *Server) getGatewayBot(c *call) {
	remaining, resetAfter := s.sessionStartLimit()
	c.json(http.StatusOK, gatewayBotResponse{
		URL:    s.GatewayURL(),
		Shards: s.cfg.Shards,
		SessionStartLimit: sessionStartLimit{
			Total:          s.cfg.SessionStarts,
			Remaining:      uint32(remaining),
			ResetAfter:     uint64(resetAfter / time.Millisecond),
			MaxConcurrency: s.cfg.MaxConcurrency,
		},
	})
}
