package sim

import (
	"net/http"
)

// The "message settings" guide (§7.1, botgo only and undocumented): a
// prompt card the bot posts into a channel or a DM, pointing users at the
// guild's message settings. The platform answers with a Message, so the
// simulator treats a guide as a bot message: stored, listed, and recorded
// in Sent with SentMessage.SettingGuide. It takes no reply slot and no
// active-message quota; the platform's own limit (304052) names no number
// and is not modelled.

// postSettingGuide answers POST /channels/{channel_id}/settingguide
// {content}. The content, usually "<@user_id>…", is required (50006).
func (s *Server) postSettingGuide(c *call) {
	ch := s.lockChannel(c)
	if ch == nil {
		return
	}
	s.mu.Unlock()
	var req struct {
		Content *string `json:"content"`
	}
	body, ok := c.decode(&req)
	if !ok {
		return
	}
	if deref(req.Content) == "" {
		c.fail(http.StatusBadRequest, codeEmptyMessage, "message is empty: a setting guide needs content")
		return
	}
	s.sendGuide(c, target{scene: SceneGuild, channelID: ch.ID, guildID: ch.GuildID}, "", deref(req.Content), body)
}

// postDMSettingGuide answers POST /dms/{guild_id}/settingguide
// {setting_guide: {guild_id}}: the guide in a DM session, jumping to the
// settings of guild_id, which is required (12002) and must be a guild the
// bot is in (10004). The message has no content.
func (s *Server) postDMSettingGuide(c *call) {
	dm := s.dmSession(c)
	if dm == nil {
		return
	}
	var req struct {
		SettingGuide *struct {
			GuildID string `json:"guild_id"`
		} `json:"setting_guide"`
	}
	body, ok := c.decode(&req)
	if !ok {
		return
	}
	if req.SettingGuide == nil || req.SettingGuide.GuildID == "" {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "setting_guide.guild_id is required")
		return
	}
	s.mu.Lock()
	known := s.w.guild(req.SettingGuide.GuildID) != nil
	s.mu.Unlock()
	if !known {
		c.fail(http.StatusNotFound, codeUnknownGuild, "unknown guild in setting_guide.guild_id")
		return
	}
	s.sendGuide(c, target{scene: SceneDM, channelID: dm.channelID, guildID: dm.guildID, userID: dm.userID}, dm.srcGuildID, "", body)
}

// sendGuide stores and records a guide as a bot message in t and answers
// with it, after Config.MessageDelay like any send.
func (s *Server) sendGuide(c *call, t target, srcGuild, content string, body []byte) {
	if err := s.delay(c.r.Context()); err != nil {
		c.fail(http.StatusServiceUnavailable, codeServerClosing, "request aborted: "+err.Error())
		return
	}
	sent := s.newSent(c, messageRequest{}, body)
	sent.SettingGuide = true
	sent.Message = Message{ID: newMessageID(), ChannelID: t.channelID, GuildID: t.guildID, Content: content,
		Author: s.w.bot, Scene: t.scene, SrcGuildID: srcGuild}

	s.mu.Lock()
	now := s.now()
	sent.Timestamp = timestamp(now)
	seq := s.nextChannelSeq(t.channelID)
	s.storeMessage(sent.Message, now, true)
	s.recordSent(sent)
	s.mu.Unlock()

	wm := toWireFull(sent.Message, seq, nil)
	if t.scene == SceneDM {
		wm.DirectMessage, wm.SrcGuildID = true, srcGuild
	}
	c.json(http.StatusOK, wm)
}
