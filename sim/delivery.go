package sim

import (
	"strings"
	"time"
)

// target is where the bot is sending: a guild channel, a DM session, a
// group or a C2C chat.
type target struct {
	scene     string
	channelID string // guild, dm
	guildID   string // guild, dm (the DM session guild)
	userID    string // dm: the user on the other side
	openID    string // group: group openid; c2c: user openid
}

// replyError is a rejected send.
type replyError struct {
	status  int
	code    int
	message string
}

func rejected(code int, message string) *replyError {
	return &replyError{status: 400, code: code, message: message}
}

// replyWindowFor is the passive-reply window of a scene (§7.4).
func replyWindowFor(scene string) time.Duration {
	if scene == SceneC2C {
		return c2cReplyWindow
	}
	return replyWindow
}

// checkDelivery enforces §7.4 for one send and, when it passes, records
// what the send consumed (a reply slot, a msg_seq, an active quota unit).
// It reports whether the send is passive. The caller holds s.mu.
//
// Passive (msg_id or event_id): the referenced message must be a user
// message of the same chat (else 304026; the bot's own: 50045) and younger
// than the window (5 min, C2C 60 min; else 304027). In group and C2C chats
// one message or event takes at most 5 replies (22009) and each msg_seq
// once (40054005; an absent msg_seq counts as 1); guild and DM replies take
// each msg_seq they name once.
//
// Active (neither): a guild channel takes 20 a day, a DM user 2 a day
// (304045, 304049). Group and C2C chats take 4 a month, or none with
// Config.Platform2025 (40034102).
func (s *Server) checkDelivery(t target, msgID, eventID string, msgSeq *int, now time.Time) (bool, *replyError) {
	open := t.scene == SceneGroup || t.scene == SceneC2C
	seq := 1
	if msgSeq != nil {
		seq = *msgSeq
	}
	window := replyWindowFor(t.scene)
	var replies *int
	var seqs *map[int]bool
	switch {
	case msgID != "":
		m, ok := s.messages[msgID]
		if !ok || m.deleted || !sameChat(m.msg, t) {
			return false, rejected(codeReplyIDWrong, "reply msg id wrong")
		}
		if m.fromBot {
			return false, rejected(codeReplyOwnMessage, "cannot reply to the bot's own message")
		}
		if now.Sub(m.at) > window {
			return false, rejected(codeReplyExpired, "reply msg id expired")
		}
		replies, seqs = &m.replies, &m.seqs
	case eventID != "":
		e, ok := s.events[eventID]
		if !ok || !eventAnswerable(eventID, e.scene, t.scene) {
			return false, rejected(codeReplyIDWrong, "reply event id wrong")
		}
		if now.Sub(e.at) > window {
			return false, rejected(codeReplyExpired, "reply event id expired")
		}
		replies, seqs = &e.replies, &e.seqs
	default:
		return false, s.takeActive(t, now)
	}
	// msg_seq deduplicates the replies to one message (§7.2, §7.3). Guild
	// and DM replies are checked only when they carry one, so that clients
	// that never number their replies keep working.
	if open || msgSeq != nil {
		if *seqs != nil && (*seqs)[seq] {
			return false, rejected(codeDuplicateSeq, "消息被去重，请检查请求msgseq")
		}
	}
	if open && *replies >= maxOpenReplies {
		return false, rejected(codeOpenMsgLimit, "msg limit exceed: at most 5 replies per message")
	}
	if open || msgSeq != nil {
		if *seqs == nil {
			*seqs = make(map[int]bool)
		}
		(*seqs)[seq] = true
	}
	*replies++
	return true, nil
}

// eventAnswerable reports whether an event may be answered by event_id in
// the target's scene (§7.3): group and C2C chats take only the events the
// platform names for them, and no event answers in another chat kind.
func eventAnswerable(eventID, eventScene, targetScene string) bool {
	if eventScene != "" && eventScene != targetScene {
		return false
	}
	evType, _, _ := strings.Cut(eventID, ":")
	switch targetScene {
	case SceneGroup:
		return evType == "INTERACTION_CREATE" || evType == "GROUP_ADD_ROBOT" || evType == "GROUP_MSG_RECEIVE"
	case SceneC2C:
		return evType == "INTERACTION_CREATE" || evType == "C2C_MSG_RECEIVE" || evType == "FRIEND_ADD"
	}
	return true
}

func sameChat(m Message, t target) bool {
	switch t.scene {
	case SceneGroup:
		return m.Scene == SceneGroup && m.GroupOpenID == t.openID
	case SceneC2C:
		return m.Scene == SceneC2C && m.UserOpenID == t.openID
	}
	return (m.Scene == SceneGuild || m.Scene == SceneDM) && m.ChannelID == t.channelID
}

// takeActive consumes one active-message unit for t. The caller holds
// s.mu.
func (s *Server) takeActive(t target, now time.Time) *replyError {
	var key string
	var limit int
	var period time.Duration
	var code int
	switch t.scene {
	case SceneGuild:
		key, limit, period, code = "guild:"+t.channelID, guildActivePerDay, 24*time.Hour, codeActiveLimit
	case SceneDM:
		key, limit, period, code = "dm:"+t.userID, dmActivePerDay, 24*time.Hour, codeDMActiveLimit
	default:
		if s.cfg.Platform2025 {
			return rejected(codeActiveDisabled, "主动消息失败, 无权限")
		}
		key, limit, period, code = t.scene+":"+t.openID, openActivePerMonth, 30*24*time.Hour, codeOpenMsgLimit
	}
	kept := s.quotas[key][:0]
	for _, at := range s.quotas[key] {
		if now.Sub(at) < period {
			kept = append(kept, at)
		}
	}
	if len(kept) >= limit {
		s.quotas[key] = kept
		return rejected(code, "active message limit reached")
	}
	s.quotas[key] = append(kept, now)
	return nil
}
