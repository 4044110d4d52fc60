package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"
)

// messageRequest holds the MessageToCreate fields (§7.2) the simulator
// checks. Pointers and RawMessage tell absent and null apart from empty;
// unknown keys (botpy adds path params and nulls) are ignored.
type messageRequest struct {
	Content  *string         `json:"content"`
	Embed    json.RawMessage `json:"embed"`
	Ark      json.RawMessage `json:"ark"`
	Image    *string         `json:"image"`
	Markdown json.RawMessage `json:"markdown"`
	MsgID    *string         `json:"msg_id"`
	EventID  *string         `json:"event_id"`
	MsgSeq   *int            `json:"msg_seq"`
}

// replyError is a rejected passive-reply reference.
type replyError struct {
	code    int
	message string
}

// postMessage answers POST /channels/{channel_id}/messages.
func (s *Server) postMessage(c *call) {
	ch, ok := s.world.channel(c.r.PathValue("channel_id"))
	if !ok {
		c.fail(http.StatusNotFound, codeUnknownChannel, "unknown channel")
		return
	}
	if mt, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		c.fail(http.StatusBadRequest, codeBadFormData, "multipart/form-data is not supported by the simulator; send JSON")
		return
	}
	body, err := io.ReadAll(io.LimitReader(c.r.Body, maxRequestBody+1))
	if err != nil {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "read body: "+err.Error())
		return
	}
	if len(body) > maxRequestBody {
		c.fail(http.StatusRequestEntityTooLarge, codeRequestInvalid, "request body too large")
		return
	}
	var req messageRequest
	if err := json.Unmarshal(body, &req); err != nil {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "invalid json body: "+err.Error())
		return
	}
	if msg, ok := req.checkPayload(); !ok {
		c.fail(http.StatusBadRequest, codeRequestInvalid, msg)
		return
	}
	if !req.hasPayload() {
		c.fail(http.StatusBadRequest, codeEmptyMessage, "message is empty: need content, embed, ark, image or markdown")
		return
	}
	if err := s.delay(c.r.Context()); err != nil {
		// The client gave up or the server is closing: nobody reads a
		// body any more, but a 503 keeps the exchange well-formed.
		c.fail(http.StatusServiceUnavailable, codeServerClosing, "request aborted: "+err.Error())
		return
	}

	sent := SentMessage{
		MsgID:         deref(req.MsgID),
		EventID:       deref(req.EventID),
		Body:          bytes.Clone(body),
		Authorization: c.auth,
		UnionAppID:    c.r.Header.Get("X-Union-Appid"),
	}
	if req.MsgSeq != nil {
		sent.MsgSeq = *req.MsgSeq
	}
	sent.Message = Message{
		ID:        newMessageID(),
		ChannelID: ch.ID,
		GuildID:   ch.GuildID,
		Content:   deref(req.Content),
		Author:    s.world.Bot,
	}

	s.mu.Lock()
	now := s.now()
	if rerr := s.checkReply(ch.ID, sent.MsgID, sent.EventID, now); rerr != nil {
		s.mu.Unlock()
		c.fail(http.StatusBadRequest, rerr.code, rerr.message)
		return
	}
	sent.Timestamp = timestamp(now)
	seq := s.storeMessage(sent.Message, now, true)
	s.sent = append(s.sent, sent)
	s.sentSignal.notify()
	s.mu.Unlock()

	c.json(http.StatusOK, toWireMessage(sent.Message, seq, nil))
}

// checkReply enforces the passive-reply rules of §7.4 for guild channels:
// msg_id must name a user message of this channel at most 5 minutes old;
// event_id must name an event the simulator dispatched at most 5 minutes
// ago. The caller holds s.mu.
func (s *Server) checkReply(channelID, msgID, eventID string, now time.Time) *replyError {
	if msgID != "" {
		m, ok := s.messages[msgID]
		switch {
		case !ok || m.channelID != channelID:
			return &replyError{codeReplyIDWrong, "reply msg id wrong"}
		case m.fromBot:
			return &replyError{codeReplyOwnMessage, "cannot reply to the bot's own message"}
		case now.Sub(m.at) > replyWindow:
			return &replyError{codeReplyExpired, "reply msg id expired"}
		}
	}
	if eventID != "" {
		at, ok := s.events[eventID]
		switch {
		case !ok:
			return &replyError{codeReplyIDWrong, "reply event id wrong"}
		case now.Sub(at) > replyWindow:
			return &replyError{codeReplyExpired, "reply event id expired"}
		}
	}
	return nil
}

// checkPayload rejects object fields sent with another JSON type.
func (r *messageRequest) checkPayload() (string, bool) {
	for name, raw := range map[string]json.RawMessage{"embed": r.Embed, "ark": r.Ark, "markdown": r.Markdown} {
		if present(raw) && !isObject(raw) {
			return name + " must be a JSON object", false
		}
	}
	return "", true
}

// hasPayload reports whether the body carries something to show (§7.2:
// content, embed, ark, image or markdown; else 50006).
func (r *messageRequest) hasPayload() bool {
	return deref(r.Content) != "" || deref(r.Image) != "" ||
		present(r.Embed) || present(r.Ark) || present(r.Markdown)
}

// delay waits MessageDelay on a timer, so concurrent requests wait in
// parallel, and gives up when the request or the server ends.
func (s *Server) delay(ctx context.Context) error {
	if s.cfg.MessageDelay <= 0 {
		return nil
	}
	t := time.NewTimer(s.cfg.MessageDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return errors.New("server closing")
	}
}

func isObject(raw json.RawMessage) bool {
	b := bytes.TrimSpace(raw)
	return len(b) > 0 && b[0] == '{'
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
