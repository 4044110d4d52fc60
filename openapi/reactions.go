package openapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

var (
	RouteAddReaction    = Route{http.MethodPut, "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_type}/{emoji_id}"}
	RouteDeleteReaction = Route{http.MethodDelete, "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_type}/{emoji_id}"}
	RouteReactionUsers  = Route{http.MethodGet, "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_type}/{emoji_id}"}
)

// Emoji types.
const (
	EmojiSystem  = 1 // a QQ system face; ID is its number
	EmojiUnicode = 2 // a unicode emoji; ID is its code point in decimal
)

// Emoji names a reaction.
type Emoji struct {
	Type int    `json:"type"`
	ID   string `json:"id"`
}

func (e Emoji) args(channelID, messageID string) ([]string, error) {
	if e.Type != EmojiSystem && e.Type != EmojiUnicode {
		return nil, fmt.Errorf("%w: emoji type %d is not 1 (system) or 2 (unicode)", ErrInvalidRequest, e.Type)
	}
	return []string{channelID, messageID, strconv.Itoa(e.Type), e.ID}, nil
}

// ReactionUsers is one page of the users who reacted; continue with Cookie
// until IsEnd.
type ReactionUsers struct {
	Users  []User `json:"users"`
	Cookie string `json:"cookie"`
	IsEnd  bool   `json:"is_end"`
}

// AddReaction reacts to a message with e (PUT …/reactions/{type}/{id}).
func (c *Client) AddReaction(ctx context.Context, channelID, messageID string, e Emoji) error {
	args, err := e.args(channelID, messageID)
	if err != nil {
		return wrap("add reaction", err)
	}
	return callNone(ctx, c, "add reaction", RouteAddReaction, args, nil, nil)
}

// DeleteReaction removes the bot's own reaction (DELETE …/reactions/{type}/{id}).
func (c *Client) DeleteReaction(ctx context.Context, channelID, messageID string, e Emoji) error {
	args, err := e.args(channelID, messageID)
	if err != nil {
		return wrap("delete reaction", err)
	}
	return callNone(ctx, c, "delete reaction", RouteDeleteReaction, args, nil, nil)
}

// ReactionUsers returns one page of the users who reacted with e; cookie is
// "" for the first page; limit 0 means 20.
func (c *Client) ReactionUsers(ctx context.Context, channelID, messageID string, e Emoji, cookie string, limit int) (*ReactionUsers, error) {
	args, err := e.args(channelID, messageID)
	if err != nil {
		return nil, wrap("list reaction users", err)
	}
	q := url.Values{}
	if cookie != "" {
		q.Set("cookie", cookie)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return callJSON[*ReactionUsers](ctx, c, "list reaction users", RouteReactionUsers, args, q, nil)
}
