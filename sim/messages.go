package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Scenes: where a message lives. They match the scene names of
// INTERACTION_CREATE and luabot's ev.scene.
const (
	SceneGuild = "guild" // a guild text channel
	SceneDM    = "dm"    // a guild direct-message session
	SceneGroup = "group" // a QQ group chat
	SceneC2C   = "c2c"   // a one-to-one QQ chat
)

// Message is a message as the platform stores it, in any scene. Guild and
// DM messages have ChannelID and GuildID; group messages GroupOpenID; C2C
// messages UserOpenID (the user's side of the chat, author or recipient).
type Message struct {
	ID        string
	ChannelID string
	GuildID   string
	Content   string
	Timestamp string // RFC3339 with +08:00
	Author    User
	Mentions  []User

	Scene       string // SceneGuild when empty
	GroupOpenID string
	UserOpenID  string
	SrcGuildID  string // DM: the guild the session was started from
	EventID     string // user messages: envelope id of the event that carried it

	// The bot's guild and DM messages also keep what the platform shows
	// but Content does not: markdown and keyboard as sent or last edited
	// (PATCH …/messages/{id}), and the images uploaded as file_image.
	Markdown        json.RawMessage
	Keyboard        json.RawMessage
	Attachments     []Attachment
	EditedTimestamp string // RFC3339, set by an edit
}

// Attachment is a file a message carries (§9). The simulator makes one
// for each file_image upload; URL is an address it made up, shaped like
// the platform's image host, and nothing serves it. Width and Height are
// zero when the bytes do not decode as PNG, JPEG or GIF.
type Attachment struct {
	URL         string
	Filename    string
	ContentType string
	Width       int
	Height      int
	Size        int
}

// Post describes a message a simulated user sends. Zero fields default:
// Scene to SceneGuild, ChannelID to the first channel, AuthorID to the
// first member, GroupOpenID to the first group.
//
// In a guild, MentionBot prefixes the content with "<@!BOTID> ", adds the
// bot to mentions and makes the event AT_MESSAGE_CREATE (intent 1<<30);
// otherwise it is MESSAGE_CREATE (intent 1<<9). A mention is also a
// message of the channel, so it is delivered as MESSAGE_CREATE too (same d,
// same message id, its own event id) to sessions holding intent 1<<9: a
// private-domain bot holding both intents gets it twice, as on the platform,
// whose MESSAGE_CREATE carries every message of the channel.
//
// SceneDM sends DIRECT_MESSAGE_CREATE (1<<12) in the author's DM session
// with the bot, started from ChannelID's guild (or the first guild).
// SceneGroup sends GROUP_AT_MESSAGE_CREATE and SceneC2C C2C_MESSAGE_CREATE
// (both 1<<25); bots only receive group messages that @ them, so
// MentionBot is implied there. The author of a group or C2C message may be
// named by AuthorID or by UserOpenID.
type Post struct {
	ChannelID  string
	AuthorID   string
	Content    string
	MentionBot bool

	Scene       string
	GroupOpenID string
	UserOpenID  string
}

// SentMessage is one message the bot sent: POST /channels/{id}/messages,
// /dms/{guild_id}/messages, /v2/groups/{id}/messages or
// /v2/users/{id}/messages, or a setting-guide prompt (POST
// /channels/{id}/settingguide, /dms/{guild_id}/settingguide).
// Message.Scene tells where. It is the message as sent; later edits show
// in Server.Message.
type SentMessage struct {
	Message               // as stored and returned; Author is the bot
	MsgID, EventID string // passive-reply ids from the request body
	MsgSeq         int    // msg_seq from the request body, 0 if absent
	MsgType        int    // msg_type from the request body (group/C2C)
	SettingGuide   bool   // a setting-guide prompt, not a MessageToCreate
	// Body is the raw request body; for multipart/form-data, the form
	// fields as one JSON object (JSON-encoded object fields decoded), the
	// file_image part being in Message.Attachments.
	Body          json.RawMessage
	Authorization string // the request's Authorization header
	UnionAppID    string // the request's X-Union-Appid header
	AuditID       string // set when Config.Audit held the message for audit
	// Stream is set for a streamed C2C reply (stream.go): Content is then
	// the pieces so far, assembled.
	Stream *StreamInfo
}

// storedMessage is what the platform keeps about a message: the message
// for GET and lists, and the bookkeeping the delivery rules need.
type storedMessage struct {
	msg       Message
	seq       int // per-channel sequence (guild/DM)
	at        time.Time
	fromBot   bool
	deleted   bool
	replies   int                 // passive replies that referenced it
	seqs      map[int]bool        // msg_seq values used by those replies
	reactions map[string][]string // "type:id" → user ids, in reaction order
}

// storedEvent is a dispatched event, for event_id replies.
type storedEvent struct {
	at      time.Time
	scene   string
	replies int
	seqs    map[int]bool
}

// Post makes a simulated user send a message: it is stored (so the bot can
// reply with msg_id) and dispatched to every identified or resumable session
// whose intents include the event and whose shard owns the guild. Delivery
// to connected sessions has happened when Post returns.
func (s *Server) Post(p Post) (Message, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Message{}, ErrServerClosed
	}
	now := s.now()
	ev, msg, err := s.buildPost(p, now)
	if err != nil {
		s.mu.Unlock()
		return Message{}, err
	}
	msg.EventID = newEventID(ev.t)
	ev.id = msg.EventID
	s.storeMessage(msg, now, false)
	s.mu.Unlock()

	if err := s.publish(ev); err != nil {
		return Message{}, err
	}
	if ev.t == "AT_MESSAGE_CREATE" {
		ev.t, ev.id, ev.intent = "MESSAGE_CREATE", "", IntentGuildMessages
		if err := s.publish(ev); err != nil {
			return Message{}, err
		}
	}
	return cloneMessage(msg), nil
}

// buildPost resolves p against the world and returns the event and the
// message. The caller holds s.mu.
func (s *Server) buildPost(p Post, now time.Time) (event, Message, error) {
	w := s.w
	var author *User
	switch {
	case p.AuthorID != "":
		author = w.user(p.AuthorID)
	case p.UserOpenID != "":
		author = w.userByOpenID(p.UserOpenID)
	default:
		author = w.users[0]
	}
	if author == nil {
		return event{}, Message{}, fmt.Errorf("post as %q: %w", p.AuthorID+p.UserOpenID, ErrUnknownAuthor)
	}
	msg := Message{Content: p.Content, Author: *author, Timestamp: timestamp(now), Scene: p.Scene}
	switch p.Scene {
	case "", SceneGuild:
		msg.Scene = SceneGuild
		ch, err := s.resolveChannel(p.ChannelID)
		if err != nil {
			return event{}, Message{}, err
		}
		g := w.guild(ch.GuildID)
		m := g.member(author.ID)
		if m == nil {
			return event{}, Message{}, fmt.Errorf("post as %q in guild %s: %w", author.ID, g.ID, ErrUnknownAuthor)
		}
		msg.ID, msg.ChannelID, msg.GuildID = newMessageID(), ch.ID, ch.GuildID
		t, intent := "MESSAGE_CREATE", IntentGuildMessages
		if p.MentionBot {
			t, intent = "AT_MESSAGE_CREATE", IntentPublicGuildMessages
			msg.Content = "<@!" + w.bot.ID + "> " + p.Content
			msg.Mentions = []User{w.bot}
		}
		seq := s.nextChannelSeq(ch.ID)
		return event{t: t, intent: intent, guildID: ch.GuildID, scene: SceneGuild, d: toWireMessage(msg, seq, toWireMessageMember(m))}, msg, nil
	case SceneDM:
		srcGuild := w.guilds[0].ID
		if p.ChannelID != "" {
			ch, err := s.resolveChannel(p.ChannelID)
			if err != nil {
				return event{}, Message{}, err
			}
			srcGuild = ch.GuildID
		}
		dm := s.dmSessionFor(author.ID, srcGuild, now)
		msg.ID, msg.ChannelID, msg.GuildID, msg.SrcGuildID = newMessageID(), dm.channelID, dm.guildID, srcGuild
		seq := s.nextChannelSeq(dm.channelID)
		d := toWireMessage(msg, seq, &wireMember{JoinedAt: timestamp(dm.created), Roles: []string{}})
		d.DirectMessage, d.SrcGuildID = true, srcGuild
		return event{t: "DIRECT_MESSAGE_CREATE", intent: IntentDirectMessages, guildID: dm.guildID, scene: SceneDM, d: d}, msg, nil
	case SceneGroup:
		gid := p.GroupOpenID
		if gid == "" && len(w.groups) > 0 {
			gid = w.groups[0].OpenID
		}
		g := w.group(gid)
		if g == nil {
			return event{}, Message{}, fmt.Errorf("post to group %q: %w", gid, ErrUnknownGroup)
		}
		if !slices.Contains(g.Members, author.OpenID) {
			return event{}, Message{}, fmt.Errorf("post as %q in group %s: %w", author.ID, gid, ErrUnknownAuthor)
		}
		msg.ID, msg.GroupOpenID, msg.UserOpenID = newOpenMessageID(), gid, author.OpenID
		msg.Content = " " + p.Content // the stripped @ leaves a space (§6.2)
		d := wireGroupMessage{ID: msg.ID, Content: msg.Content, Timestamp: msg.Timestamp, GroupID: gid, GroupOpenID: gid,
			Author: wireOpenAuthor{ID: author.OpenID, MemberOpenID: author.OpenID}}
		return event{t: "GROUP_AT_MESSAGE_CREATE", intent: IntentGroupAndC2C, scene: SceneGroup, d: d}, msg, nil
	case SceneC2C:
		msg.ID, msg.UserOpenID = newOpenMessageID(), author.OpenID
		d := wireC2CMessage{ID: msg.ID, Content: msg.Content, Timestamp: msg.Timestamp,
			Author: wireOpenAuthor{ID: author.OpenID, UserOpenID: author.OpenID}}
		return event{t: "C2C_MESSAGE_CREATE", intent: IntentGroupAndC2C, scene: SceneC2C, d: d}, msg, nil
	}
	return event{}, Message{}, fmt.Errorf("post in scene %q: %w", p.Scene, ErrUnknownScene)
}

// resolveChannel resolves a channel id for Post (empty: the first channel of
// the first guild). The caller holds s.mu.
func (s *Server) resolveChannel(id string) (*channelState, error) {
	if id == "" {
		if g := s.w.guild(guildID); g != nil && len(g.channels) > 0 {
			return g.channels[0], nil
		}
	}
	ch, ok := s.w.channels[id]
	if !ok {
		return nil, fmt.Errorf("post to %q: %w", id, ErrUnknownChannel)
	}
	return ch, nil
}

// dmSessionFor returns the DM session between the bot and userID started
// from srcGuild, creating it. The caller holds s.mu.
func (s *Server) dmSessionFor(userID, srcGuild string, now time.Time) *dmSession {
	for _, dm := range s.w.dms {
		if dm.userID == userID && dm.srcGuildID == srcGuild {
			return dm
		}
	}
	dm := &dmSession{guildID: s.w.mintID(), channelID: s.w.mintID(), userID: userID, srcGuildID: srcGuild, created: now}
	s.w.dms[dm.guildID] = dm
	return dm
}

func (s *Server) nextChannelSeq(channelID string) int {
	s.channelSeq[channelID]++
	return s.channelSeq[channelID]
}

// storeMessage remembers msg for GET, lists and reply checks. The caller
// holds s.mu; guild and DM messages carry their channel seq in seq.
func (s *Server) storeMessage(msg Message, at time.Time, fromBot bool) *storedMessage {
	sm := &storedMessage{msg: msg, seq: s.channelSeq[msg.ChannelID], at: at, fromBot: fromBot}
	s.messages[msg.ID] = sm
	s.messageOrder = append(s.messageOrder, msg.ID)
	if len(s.messageOrder) > maxKeptMessages {
		delete(s.messages, s.messageOrder[0])
		s.messageOrder = dropFirst(s.messageOrder)
	}
	return sm
}

// rememberEvent records a dispatched event id for event_id checks. The
// caller holds s.mu.
func (s *Server) rememberEvent(id, scene string, at time.Time) {
	s.events[id] = &storedEvent{at: at, scene: scene}
	s.eventOrder = append(s.eventOrder, id)
	if len(s.eventOrder) > maxKeptEvents {
		delete(s.events, s.eventOrder[0])
		s.eventOrder = dropFirst(s.eventOrder)
	}
}

// dropFirst removes the oldest entry of a bounded history in O(1):
// slicing past it, where slices.Delete moved all the others down (10 000
// of them for every message once the history was full). append moves what
// is left to a new array from time to time, so the memory stays bounded;
// the entry is zeroed so that what it points to is not kept meanwhile.
func dropFirst[T any](h []T) []T {
	var zero T
	h[0] = zero
	return h[1:]
}

// SentCount is len(Sent()) without the copy.
func (s *Server) SentCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

// Sent returns a copy of every message the bot sent, in arrival order.
func (s *Server) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SentMessage, len(s.sent))
	for i, m := range s.sent {
		out[i] = cloneSent(m)
	}
	return out
}

// sentFrom is Sent from index i on (nothing if i is past the end).
func (s *Server) sentFrom(i int) []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= len(s.sent) {
		return nil
	}
	out := make([]SentMessage, len(s.sent)-i)
	for j, m := range s.sent[i:] {
		out[j] = cloneSent(m)
	}
	return out
}

// WaitSent blocks until the bot has sent at least i+1 messages and returns
// the i-th (0-based). It returns early with ctx's error, or ErrServerClosed
// if the server closes first.
func (s *Server) WaitSent(ctx context.Context, i int) (SentMessage, error) {
	if i < 0 {
		return SentMessage{}, fmt.Errorf("wait sent %d: %w", i, ErrNegativeIndex)
	}
	for {
		s.mu.Lock()
		if i < len(s.sent) {
			m := cloneSent(s.sent[i])
			s.mu.Unlock()
			return m, nil
		}
		changed := s.sentSignal.wait()
		s.mu.Unlock()
		select {
		case <-changed:
		case <-s.done:
			return SentMessage{}, fmt.Errorf("wait sent %d: %w", i, ErrServerClosed)
		case <-ctx.Done():
			return SentMessage{}, fmt.Errorf("wait sent %d: %w", i, ctx.Err())
		}
	}
}

// recordSent appends m to the sent list. The caller holds s.mu.
func (s *Server) recordSent(m SentMessage) {
	s.sent = append(s.sent, m)
	s.sentSignal.notify()
}

// Message returns the platform's current copy of a message by id, in any
// scene, with the edits made since it was sent; ok is false for an unknown
// or recalled message, or one so old that the simulator forgot it (it
// keeps the latest 10000).
func (s *Server) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok || m.deleted {
		return Message{}, false
	}
	return cloneMessage(m.msg), true
}

func cloneMessage(m Message) Message {
	m.Mentions = slices.Clone(m.Mentions)
	m.Markdown = slices.Clone(m.Markdown)
	m.Keyboard = slices.Clone(m.Keyboard)
	m.Attachments = slices.Clone(m.Attachments)
	return m
}

func cloneSent(m SentMessage) SentMessage {
	m.Message = cloneMessage(m.Message)
	m.Body = slices.Clone(m.Body)
	if m.Stream != nil {
		st := *m.Stream
		m.Stream = &st
	}
	return m
}
