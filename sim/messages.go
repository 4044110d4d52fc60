package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Message is a guild channel message as the platform stores it.
type Message struct {
	ID        string
	ChannelID string
	GuildID   string
	Content   string
	Timestamp string // RFC3339 with +08:00
	Author    User
	Mentions  []User
}

// Post describes a message a simulated user sends. Zero fields default:
// ChannelID to the first channel, AuthorID to the first member.
//
// With MentionBot the content is prefixed with "<@!BOTID> ", the bot is
// added to mentions and the event is AT_MESSAGE_CREATE (intent 1<<30);
// otherwise it is MESSAGE_CREATE (intent 1<<9). A mention is delivered only
// as AT_MESSAGE_CREATE, never also as MESSAGE_CREATE, so a bot holding both
// intents sees each message once.
type Post struct {
	ChannelID  string
	AuthorID   string
	Content    string
	MentionBot bool
}

// SentMessage is one message the bot sent with POST /channels/{id}/messages.
type SentMessage struct {
	Message                        // as stored and returned; Author is the bot
	MsgID, EventID string          // passive-reply ids from the request body
	MsgSeq         int             // msg_seq from the request body, 0 if absent
	Body           json.RawMessage // the raw request body
	Authorization  string          // the request's Authorization header
	UnionAppID     string          // the request's X-Union-Appid header
}

// storedMessage is what reply checks need to know about a message.
type storedMessage struct {
	channelID string
	at        time.Time
	fromBot   bool
}

// Post makes a simulated user send a message: it is stored (so the bot can
// reply with msg_id) and dispatched to every identified or resumable session
// whose intents include the event and whose shard owns the guild. Delivery
// to connected sessions has happened when Post returns.
func (s *Server) Post(p Post) (Message, error) {
	if p.ChannelID == "" {
		p.ChannelID = s.world.Channels[0].ID
	}
	ch, ok := s.world.channel(p.ChannelID)
	if !ok {
		return Message{}, fmt.Errorf("post to %q: %w", p.ChannelID, ErrUnknownChannel)
	}
	if p.AuthorID == "" {
		p.AuthorID = s.world.Members[0].ID
	}
	author, ok := s.world.member(p.AuthorID)
	if !ok {
		return Message{}, fmt.Errorf("post as %q: %w", p.AuthorID, ErrUnknownAuthor)
	}
	t, intent := "MESSAGE_CREATE", IntentGuildMessages
	msg := Message{
		ID:        newMessageID(),
		ChannelID: ch.ID,
		GuildID:   ch.GuildID,
		Content:   p.Content,
		Author:    author,
	}
	if p.MentionBot {
		t, intent = "AT_MESSAGE_CREATE", IntentPublicGuildMessages
		msg.Content = "<@!" + s.world.Bot.ID + "> " + p.Content
		msg.Mentions = []User{s.world.Bot}
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Message{}, ErrServerClosed
	}
	now := s.now()
	msg.Timestamp = timestamp(now)
	seq := s.storeMessage(msg, now, false)
	targets := s.targets(intent, msg.GuildID, now)
	s.mu.Unlock()

	d, err := marshal(toWireMessage(msg, seq, &wireMember{JoinedAt: s.world.joinedAt(author.ID), Roles: []string{"1"}}))
	if err != nil {
		return Message{}, fmt.Errorf("encode %s: %w", t, err)
	}
	for _, ss := range targets {
		ss.dispatch(t, d)
	}
	return cloneMessage(msg), nil
}

// storeMessage remembers msg for reply checks and returns its per-channel
// sequence number. The caller holds s.mu.
func (s *Server) storeMessage(msg Message, at time.Time, fromBot bool) int {
	s.channelSeq[msg.ChannelID]++
	s.messages[msg.ID] = &storedMessage{channelID: msg.ChannelID, at: at, fromBot: fromBot}
	s.messageOrder = append(s.messageOrder, msg.ID)
	if len(s.messageOrder) > maxKeptMessages {
		delete(s.messages, s.messageOrder[0])
		s.messageOrder = slices.Delete(s.messageOrder, 0, 1)
	}
	return s.channelSeq[msg.ChannelID]
}

// rememberEvent records a dispatched event id for event_id checks.
func (s *Server) rememberEvent(id string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events[id] = at
	s.eventOrder = append(s.eventOrder, id)
	if len(s.eventOrder) > maxKeptEvents {
		delete(s.events, s.eventOrder[0])
		s.eventOrder = slices.Delete(s.eventOrder, 0, 1)
	}
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

func cloneMessage(m Message) Message {
	m.Mentions = slices.Clone(m.Mentions)
	return m
}

func cloneSent(m SentMessage) SentMessage {
	m.Message = cloneMessage(m.Message)
	m.Body = slices.Clone(m.Body)
	return m
}
