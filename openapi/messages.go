package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

var (
	RouteChannelMessages = Route{http.MethodPost, "/channels/{channel_id}/messages"}
	RouteMessage         = Route{http.MethodGet, "/channels/{channel_id}/messages/{message_id}"}
	RouteMessages        = Route{http.MethodGet, "/channels/{channel_id}/messages"}
	RoutePatchMessage    = Route{http.MethodPatch, "/channels/{channel_id}/messages/{message_id}"}
	RouteDeleteMessage   = Route{http.MethodDelete, "/channels/{channel_id}/messages/{message_id}"}
	RouteSettingGuide    = Route{http.MethodPost, "/channels/{channel_id}/settingguide"}
)

// Message is a guild channel or DM message as the platform returns it. Sub-objects the
// client does not interpret are kept as raw JSON so nothing is lost on the way to a script.
type Message struct {
	ID               string          `json:"id"`
	ChannelID        string          `json:"channel_id"`
	GuildID          string          `json:"guild_id"`
	Content          string          `json:"content"`
	Timestamp        string          `json:"timestamp"`
	EditedTimestamp  string          `json:"edited_timestamp,omitempty"`
	MentionEveryone  bool            `json:"mention_everyone,omitempty"`
	Author           User            `json:"author"`
	Member           json.RawMessage `json:"member,omitempty"`
	Attachments      []Attachment    `json:"attachments,omitempty"`
	Embeds           json.RawMessage `json:"embeds,omitempty"`
	Mentions         []User          `json:"mentions,omitempty"`
	Ark              json.RawMessage `json:"ark,omitempty"`
	Seq              int             `json:"seq,omitempty"` // deprecated by the platform; prefer SeqInChannel
	SeqInChannel     string          `json:"seq_in_channel,omitempty"`
	MessageReference json.RawMessage `json:"message_reference,omitempty"`
	DirectMessage    bool            `json:"direct_message,omitempty"`
	SrcGuildID       string          `json:"src_guild_id,omitempty"`
}

// Attachment is a file attached to a message.
type Attachment struct {
	ID          string `json:"id,omitempty"`
	URL         string `json:"url"`
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Height      int    `json:"height,omitempty"`
	Width       int    `json:"width,omitempty"`
	Size        int    `json:"size,omitempty"`
}

// MessageToCreate is the body of POST /channels/{channel_id}/messages. At least one of
// Content, Embed, Ark, Image and Markdown must be set. MsgID (or EventID) makes the message a
// passive reply, which the platform allows far more often than an unsolicited one.
// Structured parts are raw JSON: their shapes are large and scripts build them as tables.
type MessageToCreate struct {
	Content          string          `json:"content,omitempty"`
	MsgType          int             `json:"msg_type,omitempty"`
	MsgID            string          `json:"msg_id,omitempty"`
	EventID          string          `json:"event_id,omitempty"`
	MsgSeq           int             `json:"msg_seq,omitempty"`
	Media            *MediaRef       `json:"media,omitempty"`
	Image            string          `json:"image,omitempty"`
	Embed            json.RawMessage `json:"embed,omitempty"`
	Ark              json.RawMessage `json:"ark,omitempty"`
	Markdown         json.RawMessage `json:"markdown,omitempty"`
	Keyboard         json.RawMessage `json:"keyboard,omitempty"`
	MessageReference json.RawMessage `json:"message_reference,omitempty"`
}

// SentMessage is the answer to a send: the Message for guild channels and
// DMs, just ID and Timestamp for groups and C2C. When the platform holds the
// message for audit (304023/304024) the send is not a failure: Audit is set
// and the message fields are empty.
//
// Deduplicated is set when a passive reply was repeated after an answer that
// was lost (a 5xx or a broken connection) and the platform refused the repeat
// as a duplicate (40054005): the reply was delivered by the earlier attempt,
// and its id is unknown.
type SentMessage struct {
	Message
	Audit        *Audit `json:"-"`
	Deduplicated bool   `json:"deduplicated,omitempty"`
}

// UnmarshalJSON reads a send's answer. The platform's documentation gives
// the group and C2C answer's timestamp as an integer (unix seconds) where
// guild answers carry RFC 3339 text; a number is turned into the same
// RFC 3339 text, so that a message that was sent is never reported as a
// failed decode.
func (m *SentMessage) UnmarshalJSON(b []byte) error {
	type message Message // without this method, so no recursion
	var a struct {
		*message
		Timestamp    json.RawMessage `json:"timestamp"` // shallower: wins over Message's
		Deduplicated bool            `json:"deduplicated"`
	}
	a.message = (*message)(&m.Message)
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	m.Deduplicated = a.Deduplicated
	m.Timestamp = ""
	switch ts := bytes.TrimSpace(a.Timestamp); {
	case len(ts) == 0 || string(ts) == "null":
	case ts[0] == '"':
		return json.Unmarshal(ts, &m.Timestamp)
	default:
		sec, err := strconv.ParseInt(string(ts), 10, 64)
		if err != nil {
			return fmt.Errorf("timestamp %.40s: neither text nor unix seconds", ts)
		}
		m.Timestamp = time.Unix(sec, 0).UTC().Format(time.RFC3339)
	}
	return nil
}

// HistoryPager selects GET /channels/{channel_id}/messages: at most one of
// Around, Before and After (a message id); none means the latest. Limit ≤ 20.
type HistoryPager struct {
	Around, Before, After string
	Limit                 int
}

// PostMessage sends a message to a guild text channel (POST /channels/{channel_id}/messages).
// msg is a *MessageToCreate or any JSON-encodable value with the same keys, such as a map
// built from a Lua table, or a *Form for a local image. A message held for audit is
// returned with Audit set and no error.
func (c *Client) PostMessage(ctx context.Context, channelID string, msg any) (*SentMessage, error) {
	return c.post(ctx, "post message", RouteChannelMessages, channelID, msg)
}

// post sends msg on r (one path parameter) and reports a pending audit in the result.
func (c *Client) post(ctx context.Context, what string, r Route, id string, msg any) (*SentMessage, error) {
	if m, ok := msg.(*MessageToCreate); msg == nil || (ok && m == nil) {
		return nil, fmt.Errorf("%s: %w: nil message", what, ErrInvalidRequest)
	}
	p, err := r.Expand(id)
	if err != nil {
		return nil, wrap(what, err)
	}
	var m SentMessage
	audit, err := c.do(ctx, r.Method, p, nil, msg, &m)
	if err != nil {
		return nil, wrap(what, err)
	}
	if audit != nil {
		m = SentMessage{Audit: audit}
	}
	return &m, nil
}

// GetMessage returns one message (GET /channels/{channel_id}/messages/{message_id}),
// unwrapping the {"message": …} envelope the platform puts around it.
func (c *Client) GetMessage(ctx context.Context, channelID, messageID string) (*Message, error) {
	raw, err := callJSON[json.RawMessage](ctx, c, "get message", RouteMessage, []string{channelID, messageID}, nil, nil)
	if err != nil {
		return nil, err
	}
	var m Message
	if err := json.Unmarshal(UnwrapMessage(raw), &m); err != nil {
		return nil, fmt.Errorf("get message: decode: %w", err)
	}
	return &m, nil
}

// UnwrapMessage returns the message inside a {"message": {...}} envelope, or
// body itself when it is not one (a bare message has a top-level id).
func UnwrapMessage(body []byte) []byte {
	var env struct {
		ID      string          `json:"id"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(body, &env) == nil && env.ID == "" && len(env.Message) > 0 && env.Message[0] == '{' {
		return env.Message
	}
	return body
}

// Messages returns channel history (GET /channels/{channel_id}/messages).
func (c *Client) Messages(ctx context.Context, channelID string, p HistoryPager) ([]Message, error) {
	q := url.Values{}
	n := 0
	for k, v := range map[string]string{"around": p.Around, "before": p.Before, "after": p.After} {
		if v != "" {
			q.Set(k, v)
			n++
		}
	}
	if n > 1 || p.Limit < 0 || p.Limit > 20 {
		return nil, fmt.Errorf("list messages: %w: at most one of around/before/after, limit 0..20", ErrInvalidRequest)
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	return callJSON[[]Message](ctx, c, "list messages", RouteMessages, []string{channelID}, q, nil)
}

// PatchMessage edits the bot's own markdown/keyboard message (needs approval).
func (c *Client) PatchMessage(ctx context.Context, channelID, messageID string, msg any) (*Message, error) {
	return callJSON[*Message](ctx, c, "patch message", RoutePatchMessage, []string{channelID, messageID}, nil, msg)
}

// DeleteMessage recalls a message (DELETE /channels/{channel_id}/messages/{message_id});
// hideTip hides the grey "message recalled" notice.
func (c *Client) DeleteMessage(ctx context.Context, channelID, messageID string, hideTip bool) error {
	return callNone(ctx, c, "delete message", RouteDeleteMessage, []string{channelID, messageID}, hideTipQuery(hideTip), nil)
}

func hideTipQuery(hide bool) url.Values {
	return url.Values{"hidetip": {strconv.FormatBool(hide)}}
}

// PostSettingGuide posts the "message settings" prompt to a channel
// (POST /channels/{channel_id}/settingguide; undocumented, from botgo).
func (c *Client) PostSettingGuide(ctx context.Context, channelID, content string) (*Message, error) {
	return callJSON[*Message](ctx, c, "post setting guide", RouteSettingGuide, []string{channelID}, nil,
		map[string]string{"content": content})
}

// MediaRef points a group/C2C message (msg_type 7) at an uploaded file.
type MediaRef struct {
	FileInfo string `json:"file_info"`
}
