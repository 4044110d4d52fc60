package sim

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// event is one dispatch before it is encoded: type, envelope id, the
// intent that subscribes to it, the guild whose shard owns it ("" routes to
// shard 0, as group and C2C events do), the scene for event_id replies, and
// the payload.
type event struct {
	t       string
	id      string
	intent  uint32
	guildID string
	scene   string
	d       any
}

// publish encodes ev once, remembers its id for event_id replies and
// writes it to every session that subscribed (and to the webhook, if one
// is configured). Delivery to connected sessions has happened on return.
func (s *Server) publish(ev event) error {
	if ev.id == "" {
		ev.id = newEventID(ev.t)
	}
	d, err := marshal(ev.d)
	if err != nil {
		return fmt.Errorf("encode %s: %w", ev.t, err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	now := s.now()
	s.rememberEvent(ev.id, ev.scene, now)
	targets := s.targets(ev.intent, ev.guildID, now)
	s.mu.Unlock()
	for _, ss := range targets {
		ss.dispatch(ev.t, ev.id, d)
	}
	s.hook.enqueue(ev.t, ev.id, d)
	return nil
}

// AddMember makes a new user named username join guildID (empty: the
// first guild) and dispatches GUILD_MEMBER_ADD (intent 1<<1).
func (s *Server) AddMember(guildID, username string) (User, error) {
	s.mu.Lock()
	g, err := s.guildOrFirst(guildID)
	if err != nil {
		s.mu.Unlock()
		return User{}, err
	}
	u := s.w.addUser("", username)
	for _, gr := range s.w.groups[:min(1, len(s.w.groups))] {
		gr.Members = append(gr.Members, u.OpenID)
	}
	m := s.w.addMember(g, u)
	d := wireMemberEvent{GuildID: g.ID, JoinedAt: m.joinedAt, Nick: m.nick, OpUserID: u.ID, Roles: m.roles, User: toWireUser(*u)}
	user := *u
	s.mu.Unlock()
	return user, s.publish(event{t: "GUILD_MEMBER_ADD", intent: IntentGuildMembers, guildID: g.ID, scene: SceneGuild, d: d})
}

// JoinGuild adds the bot to a new guild named name, owned by the first
// user, with one text channel "general", and dispatches GUILD_CREATE
// (intent 1<<0). New guild ids step by 1<<22, so consecutive guilds land on
// different shards.
func (s *Server) JoinGuild(name string) (Guild, error) {
	s.mu.Lock()
	last, _ := strconv.ParseUint(s.w.guilds[len(s.w.guilds)-1].ID, 10, 64)
	id := strconv.FormatUint(last+1<<22, 10)
	owner := s.w.users[0]
	g := s.w.addGuild(id, name, owner.ID, timestamp(s.now()))
	s.w.addChannel(g, "", "general", 0)
	s.w.addMember(g, owner)
	d := toWireGuild(g)
	d.OpUserID = owner.ID
	out := g.snapshot()
	s.mu.Unlock()
	return out, s.publish(event{t: "GUILD_CREATE", intent: IntentGuilds, guildID: g.ID, scene: SceneGuild, d: d})
}

// Reaction is a user's emoji reaction to a guild message. EmojiType 1 is a
// system QQ face, 2 a unicode emoji (§6.2).
type Reaction struct {
	ChannelID string
	MessageID string
	UserID    string // default: the first member
	EmojiType int    // default 1
	EmojiID   string // default "4"
}

// React records a user's reaction and dispatches MESSAGE_REACTION_ADD
// (intent 1<<10).
func (s *Server) React(r Reaction) error {
	return s.react(r, true)
}

// Unreact takes a user's reaction back and dispatches
// MESSAGE_REACTION_REMOVE. A reaction the user has not made is
// ErrNotReacted: the QQ client offers no way to remove it, so there is no
// event to simulate.
func (s *Server) Unreact(r Reaction) error {
	return s.react(r, false)
}

func (s *Server) react(r Reaction, add bool) error {
	if r.EmojiType == 0 {
		r.EmojiType = 1
	}
	if r.EmojiID == "" {
		r.EmojiID = "4"
	}
	s.mu.Lock()
	ch, ok := s.w.channels[r.ChannelID]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("react in %q: %w", r.ChannelID, ErrUnknownChannel)
	}
	if r.UserID == "" {
		r.UserID = s.w.users[0].ID
	}
	if s.w.user(r.UserID) == nil {
		s.mu.Unlock()
		return fmt.Errorf("react as %q: %w", r.UserID, ErrUnknownAuthor)
	}
	m, ok := s.messages[r.MessageID]
	if !ok || m.msg.ChannelID != ch.ID {
		s.mu.Unlock()
		return fmt.Errorf("react to %q: %w", r.MessageID, ErrUnknownMessage)
	}
	t := "MESSAGE_REACTION_ADD"
	if add {
		m.addReaction(emojiKey(r.EmojiType, r.EmojiID), r.UserID)
	} else {
		if !m.removeReaction(emojiKey(r.EmojiType, r.EmojiID), r.UserID) {
			s.mu.Unlock()
			return fmt.Errorf("unreact %d:%s on %q as %q: %w", r.EmojiType, r.EmojiID, r.MessageID, r.UserID, ErrNotReacted)
		}
		t = "MESSAGE_REACTION_REMOVE"
	}
	s.mu.Unlock()
	d := wireReaction{UserID: r.UserID, GuildID: ch.GuildID, ChannelID: ch.ID,
		Target: wireReactionTarget{ID: r.MessageID, Type: 0}, Emoji: wireEmoji{ID: r.EmojiID, Type: r.EmojiType}}
	return s.publish(event{t: t, intent: IntentGuildMessageReactions, guildID: ch.GuildID, scene: SceneGuild, d: d})
}

// Click is a user pressing a callback button of a message keyboard.
type Click struct {
	Scene       string // SceneGuild (default), SceneGroup or SceneC2C
	ChannelID   string // guild: default the first channel
	GroupOpenID string // group: default the first group
	UserID      string // the user, by id, openid or name; default the first user
	ButtonID    string
	ButtonData  string
	MessageID   string // the message carrying the keyboard, if known
}

// Interaction is what a click produced: the interaction id to acknowledge
// with PUT /interactions/{id}, and the envelope id usable as event_id, and
// how the bot acknowledged it (interactions.go).
type Interaction struct {
	ID      string
	EventID string
	Acked   bool
	AckBody string // the raw body of the acknowledgement (PUT), or the webhook answer

	At      time.Time     // when it was dispatched, on the platform clock
	Code    int           // the acknowledgement's code (0 success, 1 failure, …)
	Via     string        // "rest" (PUT /interactions/{id}) or "webhook" (the callback's answer)
	Latency time.Duration // from dispatch to the acknowledgement, on the platform clock
	// Late is set when the acknowledgement came after InteractionDeadline (or
	// never came by then and came later): the user's client had shown a failure.
	Late bool
	// Acks counts the acknowledgements received; the platform refuses a
	// second one. Ignored counts PUTs for an interaction delivered by
	// webhook, which the platform ignores.
	Acks, Ignored int
	Webhook       bool // delivered by HTTP callback
}

// Click dispatches INTERACTION_CREATE (intent 1<<26, type 11) for a button
// press and returns the interaction to watch for its acknowledgement.
func (s *Server) Click(c Click) (Interaction, error) {
	s.mu.Lock()
	u := s.w.users[0]
	if c.UserID != "" {
		u = s.w.userByAny(c.UserID)
	}
	if u == nil {
		s.mu.Unlock()
		return Interaction{}, fmt.Errorf("click as %q: %w", c.UserID, ErrUnknownAuthor)
	}
	d := wireInteraction{ID: uuid.NewString(), ApplicationID: s.cfg.AppID, Type: 11, Timestamp: timestamp(s.now()), Version: 1,
		Data: wireInteractionData{Type: 11, Resolved: wireResolved{ButtonID: c.ButtonID, ButtonData: c.ButtonData, MessageID: c.MessageID}}}
	ev := event{t: "INTERACTION_CREATE", intent: IntentInteraction, d: &d}
	switch c.Scene {
	case "", SceneGuild:
		ch, err := s.resolveChannel(c.ChannelID)
		if err != nil {
			s.mu.Unlock()
			return Interaction{}, err
		}
		d.Scene, d.ChatType, d.GuildID, d.ChannelID = SceneGuild, 0, ch.GuildID, ch.ID
		d.Data.Resolved.UserID = u.ID
		ev.guildID, ev.scene = ch.GuildID, SceneGuild
	case SceneGroup:
		gid := c.GroupOpenID
		if gid == "" {
			gid = s.w.groups[0].OpenID
		}
		if s.w.group(gid) == nil {
			s.mu.Unlock()
			return Interaction{}, fmt.Errorf("click in group %q: %w", gid, ErrUnknownGroup)
		}
		d.Scene, d.ChatType, d.GroupOpenID, d.GroupMemberOpenID = SceneGroup, 1, gid, u.OpenID
		d.Data.Resolved.UserID = u.OpenID
		ev.scene = SceneGroup
	case SceneC2C:
		d.Scene, d.ChatType, d.UserOpenID = SceneC2C, 2, u.OpenID
		d.Data.Resolved.UserID = u.OpenID
		ev.scene = SceneC2C
	default:
		s.mu.Unlock()
		return Interaction{}, fmt.Errorf("click in scene %q: %w", c.Scene, ErrUnknownScene)
	}
	ev.id = newEventID(ev.t)
	in := &Interaction{ID: d.ID, EventID: ev.id, At: s.now(), Webhook: s.hook != nil}
	s.interactions[d.ID] = in
	out := *in // copied under the lock: the bot may acknowledge it as soon as it is published
	s.mu.Unlock()
	return out, s.publish(ev)
}

// Interaction reports the state of an interaction created by Click.
func (s *Server) Interaction(id string) (Interaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.interactions[id]
	if !ok {
		return Interaction{}, false
	}
	out := *in
	if !out.Acked && s.now().Sub(out.At) > InteractionDeadline {
		out.Late = true // the user's client has given up
	}
	return out, true
}

// guildOrFirst finds a guild, or the first one for "". The caller holds
// s.mu.
func (s *Server) guildOrFirst(id string) (*guildState, error) {
	if id == "" {
		id = guildID
	}
	if g := s.w.guild(id); g != nil {
		return g, nil
	}
	return nil, fmt.Errorf("guild %q: %w", id, ErrUnknownGuild)
}

func emojiKey(typ int, id string) string { return strconv.Itoa(typ) + ":" + id }

func (m *storedMessage) addReaction(key, userID string) bool {
	if m.reactions == nil {
		m.reactions = make(map[string][]string)
	}
	for _, u := range m.reactions[key] {
		if u == userID {
			return false
		}
	}
	m.reactions[key] = append(m.reactions[key], userID)
	return true
}

// removeReaction reports whether userID had reacted with key.
func (m *storedMessage) removeReaction(key, userID string) bool {
	users := m.reactions[key]
	i := slices.Index(users, userID)
	if i < 0 {
		return false
	}
	m.reactions[key] = slices.Delete(users, i, i+1)
	return true
}

// auditEvent builds MESSAGE_AUDIT_PASS or _REJECT for a held message.
func auditEvent(pass bool, auditID string, m Message, seq int, now time.Time) event {
	d := wireAudit{AuditID: auditID, GuildID: m.GuildID, ChannelID: m.ChannelID,
		AuditTime: timestamp(now), CreateTime: m.Timestamp, SeqInChannel: strconv.Itoa(seq)}
	t := "MESSAGE_AUDIT_REJECT"
	if pass {
		t, d.MessageID = "MESSAGE_AUDIT_PASS", m.ID
	}
	return event{t: t, intent: IntentMessageAudit, guildID: m.GuildID, scene: SceneGuild, d: d}
}
