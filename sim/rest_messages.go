package sim

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	_ "image/gif" // image.DecodeConfig reads the sizes of uploads
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

const (
	maxMessagePage  = 20 // GET /channels/{id}/messages limit (§11)
	maxReactionPage = 100
	maxPins         = 20
	// maxFileImage bounds a file_image upload. §8.4 names the code for a
	// file too large (304020) but no size; 10 MiB is the bound luabot's
	// client checks before uploading (openapi.MaxUploadSize).
	maxFileImage = 10 << 20
)

// formObjectFields are the MessageToCreate keys whose values are objects:
// in form-data they arrive as JSON-encoded strings (§7.2).
var formObjectFields = map[string]bool{
	"embed": true, "ark": true, "markdown": true, "keyboard": true, "message_reference": true, "media": true,
}

// messageRequest holds the MessageToCreate fields (§7.2, §7.3) the
// simulator checks. Pointers and RawMessage tell absent and null apart
// from empty; unknown keys (botpy adds path params and nulls) are ignored.
type messageRequest struct {
	Content  *string         `json:"content"`
	Embed    json.RawMessage `json:"embed"`
	Ark      json.RawMessage `json:"ark"`
	Image    *string         `json:"image"`
	Markdown json.RawMessage `json:"markdown"`
	Keyboard json.RawMessage `json:"keyboard"`
	Media    *struct {
		FileInfo *string `json:"file_info"`
	} `json:"media"`
	MsgType          *int            `json:"msg_type"`
	MsgID            *string         `json:"msg_id"`
	EventID          *string         `json:"event_id"`
	MsgSeq           *int            `json:"msg_seq"`
	MessageReference json.RawMessage `json:"message_reference"`
	Stream           *wireStream     `json:"stream"`

	file *Attachment // the file_image part of a multipart body
}

// decodeMessage reads and checks a send body, JSON or multipart/form-data
// (decodeForm).
func (c *call) decodeMessage() (messageRequest, []byte, bool) {
	req, body, ok := c.decodeMessageBody()
	if ok && present(req.Keyboard) {
		if msg := checkKeyboard(req.Keyboard); msg != "" {
			c.fail(http.StatusBadRequest, codeKeyboardInvalid, msg)
			return req, nil, false
		}
	}
	return req, body, ok
}

// decodeMessageBody is decodeMessage before the keyboard check.
func (c *call) decodeMessageBody() (messageRequest, []byte, bool) {
	var req messageRequest
	if mt, params, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return c.decodeForm(params["boundary"])
	}
	body, ok := c.body()
	if !ok {
		return req, nil, false
	}
	if msg, err := parseMessageRequest(body, &req); err != nil {
		c.fail(http.StatusBadRequest, codeRequestInvalid, msg)
		return req, nil, false
	}
	return req, body, true
}

// parseMessageRequest decodes body into req and checks field types. It is
// the fuzzed entry point for send bodies.
func parseMessageRequest(body []byte, req *messageRequest) (string, error) {
	if err := json.Unmarshal(body, req); err != nil {
		return "invalid json body: " + err.Error(), err
	}
	for name, raw := range map[string]json.RawMessage{"embed": req.Embed, "ark": req.Ark, "markdown": req.Markdown, "keyboard": req.Keyboard} {
		if present(raw) && !isObject(raw) {
			return name + " must be a JSON object", errors.New("not an object")
		}
	}
	return "", nil
}

// decodeForm reads a multipart/form-data send (§7.2): the part file_image
// is the image, with or without a file name (botpy sends raw bytes without
// one); every other part is a field, objects as JSON-encoded text. The
// fields become one JSON object, which goes through parseMessageRequest
// like a JSON body and is returned as the body. Malformed form-data, a
// second or empty file_image, and file_image with message_reference (which
// the platform refuses) are 50035; a file over maxFileImage is 304020.
func (c *call) decodeForm(boundary string) (messageRequest, []byte, bool) {
	var req messageRequest
	fail := func(status, code int, msg string) (messageRequest, []byte, bool) {
		c.fail(status, code, msg)
		return req, nil, false
	}
	if boundary == "" {
		return fail(http.StatusBadRequest, codeBadFormData, "bad form-data: no boundary in Content-Type")
	}
	body := http.MaxBytesReader(c.w, c.r.Body, maxFileImage+maxRequestBody)
	readFailed := func(err error) (messageRequest, []byte, bool) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return fail(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "request body too large")
		}
		return fail(http.StatusBadRequest, codeBadFormData, "bad form-data: "+err.Error())
	}
	fields := make(map[string]json.RawMessage)
	fieldBytes := 0
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return readFailed(err)
		}
		name := part.FormName()
		if name == "" {
			return fail(http.StatusBadRequest, codeBadFormData, "bad form-data: a part has no form-data name")
		}
		if name == "file_image" {
			if req.file != nil {
				return fail(http.StatusBadRequest, codeBadFormData, "bad form-data: more than one file_image")
			}
			data, err := io.ReadAll(io.LimitReader(part, maxFileImage+1))
			if err != nil {
				return readFailed(err)
			}
			if len(data) > maxFileImage {
				// Drain (bounded by body's limit) so that a client still
				// writing reads this answer rather than a reset.
				_, _ = io.Copy(io.Discard, body)
				return fail(http.StatusBadRequest, codeFileTooLarge, "file_image is larger than 10 MiB")
			}
			if len(data) == 0 {
				return fail(http.StatusBadRequest, codeBadFormData, "bad form-data: file_image is empty")
			}
			req.file = newAttachment(part.FileName(), part.Header.Get("Content-Type"), data)
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, int64(maxRequestBody-fieldBytes+1)))
		if err != nil {
			return readFailed(err)
		}
		if fieldBytes += len(v); fieldBytes > maxRequestBody {
			return fail(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "form fields too large")
		}
		raw, msg := formField(name, string(v))
		if msg != "" {
			return fail(http.StatusBadRequest, codeBadFormData, "bad form-data: "+msg)
		}
		if raw != nil {
			fields[name] = raw
		}
	}
	b, err := marshal(fields)
	if err != nil {
		return fail(http.StatusBadRequest, codeBadFormData, "bad form-data: "+err.Error())
	}
	file := req.file
	if msg, err := parseMessageRequest(b, &req); err != nil {
		return fail(http.StatusBadRequest, codeBadFormData, "bad form-data: "+msg)
	}
	req.file = file
	if req.file != nil && present(req.MessageReference) {
		return fail(http.StatusBadRequest, codeBadFormData, "file_image cannot be combined with message_reference")
	}
	return req, b, true
}

// formField turns one form value into JSON: objects must be JSON objects
// (empty or "null" is absent, a nil result), msg_type and msg_seq
// integers, anything else a string. msg explains a refusal.
func formField(name, v string) (raw json.RawMessage, msg string) {
	switch {
	case formObjectFields[name]:
		t := strings.TrimSpace(v)
		if t == "" || t == "null" {
			return nil, ""
		}
		if !json.Valid([]byte(t)) || !isObject(json.RawMessage(t)) {
			return nil, name + " must be a JSON-encoded object"
		}
		return json.RawMessage(t), ""
	case name == "msg_type" || name == "msg_seq":
		t := strings.TrimSpace(v)
		if t == "" {
			return nil, ""
		}
		n, err := strconv.Atoi(t)
		if err != nil {
			return nil, name + " must be an integer"
		}
		return json.RawMessage(strconv.Itoa(n)), ""
	}
	b, _ := json.Marshal(v) // a string always encodes
	return b, ""
}

// newAttachment describes an uploaded image. The part's Content-Type is
// kept unless it says nothing (absent or application/octet-stream, as
// botpy's raw bytes arrive), then the bytes are sniffed.
func newAttachment(filename, contentType string, data []byte) *Attachment {
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "" || mt == "application/octet-stream" {
		contentType = http.DetectContentType(data)
	}
	if filename == "" {
		filename = "file_image"
	}
	a := &Attachment{
		URL:         "https://gchat.qpic.cn/qmeetpic/0/0-0-" + strings.ToUpper(hex.EncodeToString(randomBytes(16))) + "/0",
		Filename:    filename,
		ContentType: contentType,
		Size:        len(data),
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		a.Width, a.Height = cfg.Width, cfg.Height
	}
	return a
}

// hasPayload reports whether the body carries something to show (§7.2:
// content, embed, ark, image/file_image or markdown; else 50006).
func (r *messageRequest) hasPayload() bool {
	return deref(r.Content) != "" || deref(r.Image) != "" || r.file != nil ||
		present(r.Embed) || present(r.Ark) || present(r.Markdown)
}

// postMessage answers POST /channels/{channel_id}/messages.
func (s *Server) postMessage(c *call) {
	ch := s.lockChannel(c)
	if ch == nil {
		return
	}
	s.mu.Unlock()
	s.sendToChannel(c, target{scene: SceneGuild, channelID: ch.ID, guildID: ch.GuildID}, "")
}

// sendToChannel sends a guild or DM message: checks, MessageDelay, the
// delivery rules, then the 200 Message answer, or with Config.Audit a 202
// audit body followed by MESSAGE_AUDIT_PASS/REJECT.
func (s *Server) sendToChannel(c *call, t target, srcGuild string) {
	req, body, ok := c.decodeMessage()
	if !ok || !s.permitted(c, req) {
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
	sent := s.newSent(c, req, body)
	sent.Message = Message{ID: newMessageID(), ChannelID: t.channelID, GuildID: t.guildID, Content: deref(req.Content),
		Author: s.w.bot, Scene: t.scene, SrcGuildID: srcGuild}
	if present(req.Markdown) {
		sent.Markdown = bytes.Clone(req.Markdown)
	}
	if present(req.Keyboard) {
		sent.Keyboard = bytes.Clone(req.Keyboard)
	}
	if req.file != nil {
		sent.Attachments = []Attachment{*req.file}
	}

	s.mu.Lock()
	now := s.now()
	passive, rerr := s.checkDelivery(t, sent.MsgID, sent.EventID, req.MsgSeq, now)
	if rerr != nil {
		s.mu.Unlock()
		c.fail(rerr.status, rerr.code, rerr.message)
		return
	}
	sent.Timestamp = timestamp(now)
	seq := s.nextChannelSeq(t.channelID)
	s.storeMessage(sent.Message, now, true)
	var audit *event
	if s.cfg.Audit {
		sent.AuditID = uuid.NewString()
		ev := auditEvent(!s.takeAuditReject(), sent.AuditID, sent.Message, seq, now)
		audit = &ev
	}
	s.recordSent(sent)
	s.mu.Unlock()

	wm := toWireFull(sent.Message, seq, nil)
	if t.scene == SceneDM {
		wm.DirectMessage, wm.SrcGuildID = true, srcGuild
	}
	if audit == nil {
		c.json(http.StatusOK, wm)
		return
	}
	code, text := codeAuditActive, "push message is waiting for audit now"
	if passive {
		code, text = codeAuditReply, "reply message is waiting for audit now"
	}
	body202 := wireAuditError{Message: text, Code: code, ErrCode: code, TraceID: c.trace}
	body202.Data.MessageAudit.AuditID = sent.AuditID
	c.json(http.StatusAccepted, body202)
	if err := s.publish(*audit); err != nil {
		s.log.Debug("publish audit", "err", err)
	}
}

// newSent fills the request-derived fields of a SentMessage.
func (s *Server) newSent(c *call, req messageRequest, body []byte) SentMessage {
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
	if req.MsgType != nil {
		sent.MsgType = *req.MsgType
	}
	return sent
}

// lockMessage takes s.mu and finds the path's message in the path's
// channel (404 otherwise).
func (s *Server) lockMessage(c *call) (*channelState, *storedMessage) {
	ch := s.lockChannel(c)
	if ch == nil {
		return nil, nil
	}
	m, ok := s.messages[c.r.PathValue("message_id")]
	if !ok || m.deleted || m.msg.ChannelID != ch.ID {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, codeNotFound, "message not found")
		return nil, nil
	}
	return ch, m
}

// wireFullMessage is a guild or DM message with what wireMessage leaves
// out because only the bot's messages carry it here: uploaded images and
// the time of the last edit.
type wireFullMessage struct {
	wireMessage
	EditedTimestamp string           `json:"edited_timestamp,omitempty"`
	Attachments     []wireAttachment `json:"attachments,omitempty"`
}

// wireAttachment is §9's attachment; the platform's examples carry every
// key, so the sizes are written even when zero.
type wireAttachment struct {
	URL         string `json:"url"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Height      int    `json:"height"`
	Width       int    `json:"width"`
	Size        int    `json:"size"`
}

func toWireFull(m Message, seq int, member *wireMember) wireFullMessage {
	w := wireFullMessage{wireMessage: toWireMessage(m, seq, member), EditedTimestamp: m.EditedTimestamp}
	for _, a := range m.Attachments {
		w.Attachments = append(w.Attachments, wireAttachment{URL: a.URL, Filename: a.Filename, ContentType: a.ContentType,
			Height: a.Height, Width: a.Width, Size: a.Size})
	}
	return w
}

func (s *Server) wireStored(m *storedMessage) wireFullMessage {
	var member *wireMember
	if !m.fromBot {
		if g := s.w.guild(m.msg.GuildID); g != nil {
			if gm := g.member(m.msg.Author.ID); gm != nil {
				member = toWireMessageMember(gm)
			}
		}
	}
	return toWireFull(m.msg, m.seq, member)
}

// getMessage answers GET /channels/{channel_id}/messages/{message_id},
// wrapped as {"message": …} like the platform (§7.1).
func (s *Server) getMessage(c *call) {
	_, m := s.lockMessage(c)
	if m == nil {
		return
	}
	defer s.mu.Unlock()
	c.json(http.StatusOK, map[string]any{"message": s.wireStored(m)})
}

// getMessages answers GET /channels/{channel_id}/messages: at most limit
// (≤ 20, default 20) messages around, before or after a message id, or the
// latest without one, oldest first.
func (s *Server) getMessages(c *call) {
	limit, ok := c.limit(maxMessagePage, maxMessagePage)
	if !ok {
		return
	}
	ch := s.lockChannel(c)
	if ch == nil {
		return
	}
	defer s.mu.Unlock()
	var list []*storedMessage
	for _, id := range s.messageOrder {
		if m := s.messages[id]; m != nil && !m.deleted && m.msg.ChannelID == ch.ID {
			list = append(list, m)
		}
	}
	q := c.r.URL.Query()
	index := func(id string) int {
		return slices.IndexFunc(list, func(m *storedMessage) bool { return m.msg.ID == id })
	}
	lo, hi := max(len(list)-limit, 0), len(list)
	for _, key := range []string{"around", "before", "after"} {
		id := q.Get(key)
		if id == "" {
			continue
		}
		i := index(id)
		if i < 0 {
			c.fail(http.StatusNotFound, codeNotFound, "message not found")
			return
		}
		switch key {
		case "around":
			lo = max(i-limit/2, 0)
			hi = min(lo+limit, len(list))
		case "before":
			lo, hi = max(i-limit, 0), i
		case "after":
			lo, hi = i+1, min(i+1+limit, len(list))
		}
		break
	}
	out := make([]wireFullMessage, 0, hi-lo)
	for _, m := range list[lo:hi] {
		out = append(out, s.wireStored(m))
	}
	c.json(http.StatusOK, out)
}

// patchMessage answers PATCH /channels/{channel_id}/messages/{message_id}
// with the edited Message (§7.1): the bot replaces the markdown and
// keyboard of its own message, each given key replacing, an absent one
// staying. Someone else's message is 50051, a bot message without markdown
// or keyboard 12002, a body with neither 50006. msg_id and event_id, when
// given, must name a message of the channel or an event the platform sent
// (304026); an edit takes no reply slot or quota. The protocol names no
// event for an edit, so none is dispatched.
func (s *Server) patchMessage(c *call) {
	var req struct {
		Markdown json.RawMessage `json:"markdown"`
		Keyboard json.RawMessage `json:"keyboard"`
		MsgID    *string         `json:"msg_id"`
		EventID  *string         `json:"event_id"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	ch, m := s.lockMessage(c)
	if m == nil {
		return
	}
	defer s.mu.Unlock()
	switch {
	case !m.fromBot:
		c.fail(http.StatusBadRequest, codeEditNotOwn, "can only edit the bot's own messages")
		return
	case !present(m.msg.Markdown) && !present(m.msg.Keyboard):
		c.fail(http.StatusBadRequest, codeRequestInvalid, "only markdown or keyboard messages can be edited")
		return
	case present(req.Markdown) && !isObject(req.Markdown):
		c.fail(http.StatusBadRequest, codeRequestInvalid, "markdown must be a JSON object")
		return
	case present(req.Keyboard) && !isObject(req.Keyboard):
		c.fail(http.StatusBadRequest, codeRequestInvalid, "keyboard must be a JSON object")
		return
	case !present(req.Markdown) && !present(req.Keyboard):
		c.fail(http.StatusBadRequest, codeEmptyMessage, "message is empty: an edit needs markdown or keyboard")
		return
	}
	if id := deref(req.MsgID); id != "" {
		if ref, ok := s.messages[id]; !ok || ref.deleted || ref.msg.ChannelID != ch.ID {
			c.fail(http.StatusBadRequest, codeReplyIDWrong, "reply msg id wrong")
			return
		}
	}
	if id := deref(req.EventID); id != "" {
		if _, ok := s.events[id]; !ok {
			c.fail(http.StatusBadRequest, codeReplyIDWrong, "reply event id wrong")
			return
		}
	}
	if present(req.Markdown) {
		m.msg.Markdown = bytes.Clone(req.Markdown)
	}
	if present(req.Keyboard) {
		m.msg.Keyboard = bytes.Clone(req.Keyboard)
	}
	m.msg.EditedTimestamp = timestamp(s.now())
	c.json(http.StatusOK, s.wireStored(m))
}

// deleteMessage answers DELETE /channels/{channel_id}/messages/{message_id}
// (recall; hidetip is accepted) with 200 {}.
func (s *Server) deleteMessage(c *call) {
	_, m := s.lockMessage(c)
	if m == nil {
		return
	}
	m.deleted = true
	s.mu.Unlock()
	c.json(http.StatusOK, struct{}{})
}

// reactionPath parses {emoji_type} and {emoji_id}.
func (c *call) reactionKey() (string, bool) {
	typ, err := strconv.Atoi(c.r.PathValue("emoji_type"))
	if err != nil || (typ != 1 && typ != 2) {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "emoji_type must be 1 (system) or 2 (emoji)")
		return "", false
	}
	return emojiKey(typ, c.r.PathValue("emoji_id")), true
}

// putReaction answers PUT .../reactions/{emoji_type}/{emoji_id} with 204;
// reacting twice is 620003.
func (s *Server) putReaction(c *call) {
	key, ok := c.reactionKey()
	if !ok {
		return
	}
	_, m := s.lockMessage(c)
	if m == nil {
		return
	}
	defer s.mu.Unlock()
	if !m.addReaction(key, s.w.bot.ID) {
		c.fail(http.StatusBadRequest, codeAlreadyReacted, "already reacted")
		return
	}
	c.noContent()
}

// deleteReaction removes the bot's reaction (204); none is 620004.
func (s *Server) deleteReaction(c *call) {
	key, ok := c.reactionKey()
	if !ok {
		return
	}
	_, m := s.lockMessage(c)
	if m == nil {
		return
	}
	defer s.mu.Unlock()
	if !m.removeReaction(key, s.w.bot.ID) {
		c.fail(http.StatusBadRequest, codeNotReacted, "not reacted")
		return
	}
	c.noContent()
}

// getReactionUsers pages the users who reacted: {users, cookie, is_end}.
// The cookie is the offset of the next page.
func (s *Server) getReactionUsers(c *call) {
	key, ok := c.reactionKey()
	if !ok {
		return
	}
	limit, ok := c.limit(20, maxReactionPage)
	if !ok {
		return
	}
	start := 0
	if v := c.r.URL.Query().Get("cookie"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "invalid cookie")
			return
		}
		start = n
	}
	_, m := s.lockMessage(c)
	if m == nil {
		return
	}
	defer s.mu.Unlock()
	ids := m.reactions[key]
	users := []wireUser{}
	for i := start; i < len(ids) && len(users) < limit; i++ {
		u := s.w.bot
		if ids[i] != u.ID {
			if p := s.w.user(ids[i]); p != nil {
				u = *p
			}
		}
		users = append(users, toWireUser(u))
	}
	next := start + len(users)
	c.json(http.StatusOK, map[string]any{"users": users, "cookie": strconv.Itoa(next), "is_end": next >= len(ids)})
}

func pinsBody(ch *channelState) map[string]any {
	return map[string]any{"guild_id": ch.GuildID, "channel_id": ch.ID, "message_ids": slicesOrEmpty(ch.pins)}
}

// getPins answers GET /channels/{channel_id}/pins.
func (s *Server) getPins(c *call) {
	ch := s.lockChannel(c)
	if ch == nil {
		return
	}
	defer s.mu.Unlock()
	c.json(http.StatusOK, pinsBody(ch))
}

// putPin answers PUT /channels/{channel_id}/pins/{message_id} with every
// pin of the channel; more than 20 is 501013.
func (s *Server) putPin(c *call) {
	ch, m := s.lockMessage(c)
	if m == nil {
		return
	}
	defer s.mu.Unlock()
	if !slices.Contains(ch.pins, m.msg.ID) {
		if len(ch.pins) >= maxPins {
			c.fail(http.StatusBadRequest, codeTooManyPins, "too many pinned messages")
			return
		}
		ch.pins = append(ch.pins, m.msg.ID)
	}
	c.json(http.StatusOK, pinsBody(ch))
}

// deletePin answers DELETE /channels/{channel_id}/pins/{message_id} ("all"
// clears them) with 204.
func (s *Server) deletePin(c *call) {
	ch := s.lockChannel(c)
	if ch == nil {
		return
	}
	defer s.mu.Unlock()
	id := c.r.PathValue("message_id")
	if id == "all" {
		ch.pins = nil
	} else if i := slices.Index(ch.pins, id); i >= 0 {
		ch.pins = slices.Delete(ch.pins, i, i+1)
	} else {
		c.fail(http.StatusNotFound, codeNotFound, "message is not pinned")
		return
	}
	c.noContent()
}

// postDMSession answers POST /users/@me/dms: {guild_id, channel_id,
// create_time (unix seconds string)}. The recipient must be a member of
// source_guild_id (304034).
func (s *Server) postDMSession(c *call) {
	var req struct {
		RecipientID   string `json:"recipient_id"`
		SourceGuildID string `json:"source_guild_id"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.w.guild(req.SourceGuildID)
	if g == nil {
		c.fail(http.StatusNotFound, codeUnknownGuild, "unknown guild")
		return
	}
	if m := g.member(req.RecipientID); m == nil || m.user.Bot {
		c.fail(http.StatusBadRequest, codeDMNotMember, "recipient is not a member of the source guild")
		return
	}
	dm := s.dmSessionFor(req.RecipientID, g.ID, s.now())
	c.json(http.StatusOK, map[string]any{"guild_id": dm.guildID, "channel_id": dm.channelID,
		"create_time": strconv.FormatInt(dm.created.Unix(), 10)})
}

// dmSession finds the DM session named by the path's guild_id, or answers
// 404 and returns nil.
func (s *Server) dmSession(c *call) *dmSession {
	s.mu.Lock()
	dm := s.w.dms[c.r.PathValue("guild_id")]
	s.mu.Unlock()
	if dm == nil {
		c.fail(http.StatusNotFound, codeUnknownGuild, "unknown dm session")
	}
	return dm
}

// postDirectMessage answers POST /dms/{guild_id}/messages.
func (s *Server) postDirectMessage(c *call) {
	dm := s.dmSession(c)
	if dm == nil {
		return
	}
	s.sendToChannel(c, target{scene: SceneDM, channelID: dm.channelID, guildID: dm.guildID, userID: dm.userID}, dm.srcGuildID)
}

// deleteDirectMessage answers DELETE /dms/{guild_id}/messages/{message_id}
// for the bot's own DM messages.
func (s *Server) deleteDirectMessage(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dm := s.w.dms[c.r.PathValue("guild_id")]
	m, ok := s.messages[c.r.PathValue("message_id")]
	if dm == nil || !ok || m.deleted || m.msg.ChannelID != dm.channelID || !m.fromBot {
		c.fail(http.StatusNotFound, codeNotFound, "message not found")
		return
	}
	m.deleted = true
	c.json(http.StatusOK, struct{}{})
}

// delay waits MessageDelay, so concurrent requests wait in parallel.
func (s *Server) delay(ctx context.Context) error {
	return s.wait(ctx, s.cfg.MessageDelay)
}

// wait sleeps d on a timer and gives up when ctx or the server ends.
func (s *Server) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
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
