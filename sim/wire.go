package sim

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// This file holds the JSON shapes the simulator writes. They are declared
// here, independently of any client package, so that the simulator checks
// our clients against qq-protocol.md rather than against themselves.

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

type wireMember struct {
	JoinedAt string   `json:"joined_at"`
	Roles    []string `json:"roles"`
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
}

type wireChannel struct {
	ID              string `json:"id"`
	GuildID         string `json:"guild_id"`
	Name            string `json:"name"`
	Type            int    `json:"type"`
	SubType         int    `json:"sub_type"`
	Position        int    `json:"position"`
	OwnerID         string `json:"owner_id"`
	PrivateType     int    `json:"private_type"`
	SpeakPermission int    `json:"speak_permission"`
}

type wireMessage struct {
	ID           string      `json:"id"`
	ChannelID    string      `json:"channel_id"`
	GuildID      string      `json:"guild_id"`
	Content      string      `json:"content"`
	Timestamp    string      `json:"timestamp"`
	Author       wireUser    `json:"author"`
	Member       *wireMember `json:"member,omitempty"`
	Mentions     []wireUser  `json:"mentions,omitempty"`
	Seq          int         `json:"seq"`
	SeqInChannel string      `json:"seq_in_channel"`
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

func toWireGuild(g Guild) wireGuild {
	return wireGuild{
		ID:          g.ID,
		Name:        g.Name,
		Icon:        avatarURL,
		OwnerID:     g.OwnerID,
		MemberCount: g.MemberCount,
		MaxMembers:  guildMaxSize,
		Description: "simulated guild",
		JoinedAt:    guildJoined,
	}
}

func toWireChannel(c Channel, ownerID string, position int) wireChannel {
	return wireChannel{
		ID:              c.ID,
		GuildID:         c.GuildID,
		Name:            c.Name,
		Type:            c.Type,
		Position:        position,
		OwnerID:         ownerID,
		SpeakPermission: 1, // everyone may speak
	}
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
