package sim

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// This file holds the JSON shapes the simulator writes. They are declared
// here, independently of any client package, so that the simulator checks
// our clients against docs/protocol.md rather than against themselves.

// apiError is the REST error body of §8.2. code and err_code carry the same
// business code because SDKs read either.
type apiError struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
	ErrCode int    `json:"err_code"`
	TraceID string `json:"trace_id"`
}

// tokenError is the token service's failure body (§1.2); it comes with
// HTTP 200 and has no err_code or trace_id.
type tokenError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   string `json:"expires_in"` // a string on purpose: botgo fails on a number
}

type wireUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Avatar   string `json:"avatar,omitempty"`
	Bot      bool   `json:"bot"`
}

// wireMember is a guild member. User is absent inside a message's member
// block, present in member lists and GET member.
type wireMember struct {
	User     *wireUser `json:"user,omitempty"`
	Nick     string    `json:"nick"`
	JoinedAt string    `json:"joined_at"`
	Roles    []string  `json:"roles"`
}

type wireMemberEvent struct {
	GuildID  string   `json:"guild_id"`
	JoinedAt string   `json:"joined_at"`
	Nick     string   `json:"nick"`
	OpUserID string   `json:"op_user_id"`
	Roles    []string `json:"roles"`
	User     wireUser `json:"user"`
}

type wireGuild struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Icon        string `json:"icon"`
	OwnerID     string `json:"owner_id"`
	Owner       bool   `json:"owner"`
	MemberCount int    `json:"member_count"`
	MaxMembers  int    `json:"max_members"`
	Description string `json:"description"`
	JoinedAt    string `json:"joined_at"`
	OpUserID    string `json:"op_user_id,omitempty"`
}

type wireChannel struct {
	ID              string `json:"id"`
	GuildID         string `json:"guild_id"`
	Name            string `json:"name"`
	Type            int    `json:"type"`
	SubType         int    `json:"sub_type"`
	Position        int    `json:"position"`
	ParentID        string `json:"parent_id"`
	OwnerID         string `json:"owner_id"`
	PrivateType     int    `json:"private_type"`
	SpeakPermission int    `json:"speak_permission"`
	ApplicationID   string `json:"application_id,omitempty"`
	OpUserID        string `json:"op_user_id,omitempty"`
}

type wireRole struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Color       uint32 `json:"color"`
	Hoist       int    `json:"hoist"`
	Number      int    `json:"number"`
	MemberLimit int    `json:"member_limit"`
}

type wireMessage struct {
	ID            string      `json:"id"`
	ChannelID     string      `json:"channel_id"`
	GuildID       string      `json:"guild_id"`
	Content       string      `json:"content"`
	Timestamp     string      `json:"timestamp"`
	Author        wireUser    `json:"author"`
	Member        *wireMember `json:"member,omitempty"`
	Mentions      []wireUser  `json:"mentions,omitempty"`
	Seq           int         `json:"seq"`
	SeqInChannel  string      `json:"seq_in_channel"`
	DirectMessage bool        `json:"direct_message,omitempty"`
	SrcGuildID    string      `json:"src_guild_id,omitempty"`
}

// Group and C2C events carry both id spellings: botgo reads group_id and
// author.id, botpy the openid keys (§6.2).
type wireGroupMessage struct {
	ID          string         `json:"id"`
	Content     string         `json:"content"`
	Timestamp   string         `json:"timestamp"`
	GroupID     string         `json:"group_id"`
	GroupOpenID string         `json:"group_openid"`
	Author      wireOpenAuthor `json:"author"`
}

type wireC2CMessage struct {
	ID        string         `json:"id"`
	Content   string         `json:"content"`
	Timestamp string         `json:"timestamp"`
	Author    wireOpenAuthor `json:"author"`
}

type wireOpenAuthor struct {
	ID           string `json:"id"`
	MemberOpenID string `json:"member_openid,omitempty"`
	UserOpenID   string `json:"user_openid,omitempty"`
}

type wireReaction struct {
	UserID    string             `json:"user_id"`
	GuildID   string             `json:"guild_id"`
	ChannelID string             `json:"channel_id"`
	Target    wireReactionTarget `json:"target"`
	Emoji     wireEmoji          `json:"emoji"`
}

type wireReactionTarget struct {
	ID   string `json:"id"`
	Type int    `json:"type"`
}

type wireEmoji struct {
	ID   string `json:"id"`
	Type int    `json:"type"`
}

type wireInteraction struct {
	ID                string              `json:"id"`
	ApplicationID     string              `json:"application_id"`
	Type              int                 `json:"type"`
	Scene             string              `json:"scene"`
	ChatType          int                 `json:"chat_type"`
	Timestamp         string              `json:"timestamp"`
	GuildID           string              `json:"guild_id,omitempty"`
	ChannelID         string              `json:"channel_id,omitempty"`
	GroupOpenID       string              `json:"group_openid,omitempty"`
	GroupMemberOpenID string              `json:"group_member_openid,omitempty"`
	UserOpenID        string              `json:"user_openid,omitempty"`
	Version           int                 `json:"version"`
	Data              wireInteractionData `json:"data"`
}

type wireInteractionData struct {
	Type     int          `json:"type"`
	Resolved wireResolved `json:"resolved"`
}

type wireResolved struct {
	ButtonID   string `json:"button_id"`
	ButtonData string `json:"button_data"`
	UserID     string `json:"user_id"`
	MessageID  string `json:"message_id,omitempty"`
}

type wireAudit struct {
	AuditID      string `json:"audit_id"`
	MessageID    string `json:"message_id,omitempty"`
	GuildID      string `json:"guild_id"`
	ChannelID    string `json:"channel_id"`
	AuditTime    string `json:"audit_time"`
	CreateTime   string `json:"create_time"`
	SeqInChannel string `json:"seq_in_channel"`
}

// wireAuditError is the 202 body of a message held for audit (§8.2).
type wireAuditError struct {
	Message string        `json:"message"`
	Code    int           `json:"code"`
	ErrCode int           `json:"err_code"`
	TraceID string        `json:"trace_id"`
	Data    wireAuditData `json:"data"`
}

type wireAuditData struct {
	MessageAudit struct {
		AuditID string `json:"audit_id"`
	} `json:"message_audit"`
}

// wireOpenSent is the response of a group/C2C send: timestamp is an
// RFC3339 string, since botgo fails on a number (§7.3).
type wireOpenSent struct {
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
}

type gatewayResponse struct {
	URL string `json:"url"`
}

type gatewayBotResponse struct {
	URL               string            `json:"url"`
	Shards            uint32            `json:"shards"`
	SessionStartLimit sessionStartLimit `json:"session_start_limit"`
}

type sessionStartLimit struct {
	Total          uint32 `json:"total"`
	Remaining      uint32 `json:"remaining"`
	ResetAfter     uint64 `json:"reset_after"` // milliseconds
	MaxConcurrency uint32 `json:"max_concurrency"`
}

// Gateway frames (§3). Dispatch frames always carry all five keys, so d is
// a RawMessage without omitempty: RESUMED has d "" and must keep it.
type dispatchFrame struct {
	Op int             `json:"op"`
	S  uint64          `json:"s"`
	T  string          `json:"t"`
	ID string          `json:"id"`
	D  json.RawMessage `json:"d"`
}

type helloFrame struct {
	Op int       `json:"op"`
	D  helloData `json:"d"`
}

type helloData struct {
	HeartbeatInterval int64 `json:"heartbeat_interval"`
}

type readyData struct {
	Version   int       `json:"version"`
	SessionID string    `json:"session_id"`
	User      readyUser `json:"user"`
	Shard     [2]uint64 `json:"shard"`
}

// readyUser is the reduced user of READY: id, username, bot (§3.3 step 4).
type readyUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Bot      bool   `json:"bot"`
}

// Frames without variable parts, written verbatim.
var (
	frameHeartbeatACK   = []byte(`{"op":11}`)
	frameReconnect      = []byte(`{"op":7}`)
	frameInvalidSession = []byte(`{"op":9,"d":false}`)
)

// marshal encodes v without HTML escaping: message content such as
// "<@!123>" should reach clients as written, like the platform sends it.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func toWireUser(u User) wireUser {
	return wireUser{ID: u.ID, Username: u.Username, Avatar: u.Avatar, Bot: u.Bot}
}

func toWireGuild(g *guildState) wireGuild {
	return wireGuild{
		ID:          g.ID,
		Name:        g.Name,
		Icon:        avatarURL,
		OwnerID:     g.OwnerID,
		MemberCount: len(g.members),
		MaxMembers:  guildMaxSize,
		Description: "simulated guild",
		JoinedAt:    g.joinedAt,
	}
}

func toWireChannel(c *channelState) wireChannel {
	return wireChannel{
		ID:              c.ID,
		GuildID:         c.GuildID,
		Name:            c.Name,
		Type:            c.Type,
		SubType:         c.SubType,
		Position:        c.position,
		ParentID:        c.ParentID,
		OwnerID:         c.ownerID,
		PrivateType:     c.privateType,
		SpeakPermission: c.speakPermission,
		ApplicationID:   c.applicationID,
	}
}

func toWireMember(m *memberState) wireMember {
	u := toWireUser(*m.user)
	return wireMember{User: &u, Nick: m.nick, JoinedAt: m.joinedAt, Roles: slicesOrEmpty(m.roles)}
}

// toWireMessageMember is the partial member block of a message event.
func toWireMessageMember(m *memberState) *wireMember {
	return &wireMember{Nick: m.nick, JoinedAt: m.joinedAt, Roles: slicesOrEmpty(m.roles)}
}

func toWireRole(r *roleState) wireRole {
	hoist := 0
	if r.Hoist {
		hoist = 1
	}
	return wireRole{ID: r.ID, Name: r.Name, Color: r.Color, Hoist: hoist, Number: r.Number, MemberLimit: r.MemberLimit}
}

func slicesOrEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return append([]string(nil), s...)
}

// toWireMessage renders a stored message. member is nil for the bot's own
// messages, whose REST response carries no member block.
func toWireMessage(m Message, seq int, member *wireMember) wireMessage {
	w := wireMessage{
		ID:           m.ID,
		ChannelID:    m.ChannelID,
		GuildID:      m.GuildID,
		Content:      m.Content,
		Timestamp:    m.Timestamp,
		Author:       toWireUser(m.Author),
		Member:       member,
		Seq:          seq,
		SeqInChannel: strconv.Itoa(seq),
	}
	for _, u := range m.Mentions {
		w.Mentions = append(w.Mentions, toWireUser(u))
	}
	return w
}
