package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

var routeChannelMessages = route{http.MethodPost, "/channels/{channel_id}/messages"}

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
	Image            string          `json:"image,omitempty"`
	Embed            json.RawMessage `json:"embed,omitempty"`
	Ark              json.RawMessage `json:"ark,omitempty"`
	Markdown         json.RawMessage `json:"markdown,omitempty"`
	Keyboard         json.RawMessage `json:"keyboard,omitempty"`
	MessageReference json.RawMessage `json:"message_reference,omitempty"`
}

// PostMessage sends a message to a guild text channel (POST /channels/{channel_id}/messages).
// msg is a *MessageToCreate or any JSON-encodable value with the same keys, such as a map
// built from a Lua table. A message accepted but held for audit comes back as an *Error
// with Status 202 and Code 304023/304024; its Data holds the audit id.
func (c *Client) PostMessage(ctx context.Context, channelID string, msg any) (*Message, error) {
	if m, ok := msg.(*MessageToCreate); msg == nil || (ok && m == nil) {
		return nil, fmt.Errorf("post message: %w: nil message", ErrInvalidRequest)
	}
	var m Message
	if err := c.call(ctx, routeChannelMessages, []string{channelID}, nil, msg, &m); err != nil {
		return nil, fmt.Errorf("post message: %w", err)
	}
	return &m, nil
}
