package openapi

import (
	"context"
	"net/http"
)

var (
	RouteDeleteGroupMessage = Route{http.MethodDelete, "/v2/groups/{group_openid}/messages/{message_id}"}
	RouteDeleteC2CMessage   = Route{http.MethodDelete, "/v2/users/{openid}/messages/{message_id}"}
)

// PostGroupMessage sends a group message (POST /v2/groups/{group_openid}/messages).
// msg is a *MessageToCreate or a JSON-encodable map; set MsgType (0 text, 2
// markdown, 3 ark, 4 embed, 7 media). Active group messages are disabled on
// the platform: pass MsgID/EventID, or use [Client.Reply].
func (c *Client) PostGroupMessage(ctx context.Context, groupOpenID string, msg any) (*SentMessage, error) {
	return c.post(ctx, "post group message", RouteGroupMessages, groupOpenID, msg)
}

// PostC2CMessage sends a C2C message (POST /v2/users/{openid}/messages); as PostGroupMessage.
func (c *Client) PostC2CMessage(ctx context.Context, openID string, msg any) (*SentMessage, error) {
	return c.post(ctx, "post c2c message", RouteC2CMessages, openID, msg)
}

// DeleteGroupMessage recalls a group message within 2 minutes.
func (c *Client) DeleteGroupMessage(ctx context.Context, groupOpenID, messageID string) error {
	return callNone(ctx, c, "delete group message", RouteDeleteGroupMessage, []string{groupOpenID, messageID}, nil, nil)
}

// DeleteC2CMessage recalls a C2C message within 2 minutes.
func (c *Client) DeleteC2CMessage(ctx context.Context, openID, messageID string) error {
	return callNone(ctx, c, "delete c2c message", RouteDeleteC2CMessage, []string{openID, messageID}, nil, nil)
}

// Send sends msg to t, uploading file first where the scene needs it (see
// [SendMessage]). A message held for audit is returned with Audit set.
func (c *Client) Send(ctx context.Context, t Target, msg map[string]any, file *File) (*SentMessage, error) {
	var sent SentMessage
	rec := &auditRecorder{c: c}
	if err := SendMessage(ctx, rec, t, msg, file, &sent); err != nil {
		return nil, err
	}
	if rec.audit != nil {
		sent = SentMessage{Audit: rec.audit}
	}
	return &sent, nil
}
