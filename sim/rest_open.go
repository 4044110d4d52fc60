package sim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/google/uuid"
)

// Group and C2C ("open") messaging: POST /v2/groups/{group_openid}/… and
// /v2/users/{openid}/… (§7.1, §7.3).

const (
	msgTypeText     = 0
	msgTypeMarkdown = 2
	msgTypeMedia    = 7
	fileTTL         = 3600 // seconds a file_info stays usable
)

// openTarget resolves the path's group or user. On failure it answers 404.
func (s *Server) openTarget(c *call, scene string) (target, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if scene == SceneGroup {
		id := c.r.PathValue("group_openid")
		if s.w.group(id) == nil {
			c.fail(http.StatusNotFound, codeNotFound, "unknown group openid")
			return target{}, false
		}
		return target{scene: SceneGroup, openID: id}, true
	}
	id := c.r.PathValue("openid")
	if s.w.userByOpenID(id) == nil {
		c.fail(http.StatusNotFound, codeNotFound, "unknown user openid")
		return target{}, false
	}
	return target{scene: SceneC2C, openID: id}, true
}

func (s *Server) postGroupMessage(c *call) { s.sendOpen(c, SceneGroup) }
func (s *Server) postC2CMessage(c *call)   { s.sendOpen(c, SceneC2C) }

// sendOpen answers a group or C2C send with {id, timestamp}. msg_type 0
// needs content, 2 markdown, 7 media.file_info (valid base64, as /files
// returns it); others need content, ark, embed or markdown.
func (s *Server) sendOpen(c *call, scene string) {
	t, ok := s.openTarget(c, scene)
	if !ok {
		return
	}
	req, body, ok := c.decodeMessage()
	if !ok || !s.permitted(c, req) {
		return
	}
	msgType := 0
	if req.MsgType != nil {
		msgType = *req.MsgType
	}
	if req.Stream != nil {
		s.mu.Lock()
		os, rerr := s.checkStreamPiece(scene, t.openID, req.Stream)
		if rerr == nil {
			if req.Content == nil && req.Stream.State == StreamDone {
				req.Content = new(string)
			}
			rerr = streamTerminator(req.Stream, req.Content)
		}
		if rerr == nil && os != nil {
			// A continuation: part of the reply the first piece was, so
			// neither counted nor checked again, and it may be empty (the
			// last piece often is).
			m := s.appendPiece(os, req.Stream, deref(req.Content))
			s.mu.Unlock()
			c.json(http.StatusOK, wireOpenSent{ID: m.ID, Timestamp: m.Timestamp})
			return
		}
		s.mu.Unlock()
		if rerr != nil {
			c.fail(rerr.status, rerr.code, rerr.message)
			return
		}
	}
	switch {
	case msgType == msgTypeText && deref(req.Content) == "":
		c.fail(http.StatusBadRequest, codeEmptyMessage, "message is empty: msg_type 0 needs content")
		return
	case msgType == msgTypeMarkdown && !present(req.Markdown):
		c.fail(http.StatusBadRequest, codeEmptyMessage, "msg_type 2 needs markdown")
		return
	case msgType == msgTypeMedia:
		if req.Media == nil || deref(req.Media.FileInfo) == "" {
			c.fail(http.StatusBadRequest, codeEmptyMessage, "msg_type 7 needs media.file_info")
			return
		}
		if _, err := base64.StdEncoding.DecodeString(*req.Media.FileInfo); err != nil {
			c.fail(http.StatusBadRequest, 304083, "convert media info fail: file_info is not base64")
			return
		}
	case !req.hasPayload():
		c.fail(http.StatusBadRequest, codeEmptyMessage, "message is empty")
		return
	}
	if err := s.delay(c.r.Context()); err != nil {
		c.fail(http.StatusServiceUnavailable, codeServerClosing, "request aborted: "+err.Error())
		return
	}
	sent := s.newSent(c, req, body)
	sent.Message = Message{ID: newOpenMessageID(), Content: deref(req.Content), Author: s.w.bot, Scene: scene}
	if present(req.Markdown) {
		sent.Markdown = bytes.Clone(req.Markdown)
	}
	if present(req.Keyboard) {
		sent.Keyboard = bytes.Clone(req.Keyboard)
	}
	if scene == SceneGroup {
		sent.GroupOpenID = t.openID
	} else {
		sent.UserOpenID = t.openID
	}
	s.mu.Lock()
	now := s.now()
	if _, rerr := s.checkDelivery(t, sent.MsgID, sent.EventID, req.MsgSeq, now); rerr != nil {
		s.mu.Unlock()
		c.fail(rerr.status, rerr.code, rerr.message)
		return
	}
	sent.Timestamp = timestamp(now)
	s.storeMessage(sent.Message, now, true)
	s.recordSent(sent)
	if req.Stream != nil {
		s.startStream(req.Stream, t.openID)
	}
	s.mu.Unlock()
	c.json(http.StatusOK, wireOpenSent{ID: sent.ID, Timestamp: sent.Timestamp})
}

func (s *Server) postGroupFile(c *call) { s.uploadFile(c, SceneGroup) }
func (s *Server) postC2CFile(c *call)   { s.uploadFile(c, SceneC2C) }

// uploadFile answers POST …/files: {file_uuid, file_info, ttl} with
// file_info as padded standard base64 (botgo decodes it as bytes). With
// srv_send_msg the file is also sent as an active message and the answer
// carries its id. file_type 4 (file) is closed on the platform.
func (s *Server) uploadFile(c *call, scene string) {
	t, ok := s.openTarget(c, scene)
	if !ok {
		return
	}
	var req struct {
		FileType   int    `json:"file_type"`
		URL        string `json:"url"`
		SrvSendMsg bool   `json:"srv_send_msg"`
		FileData   string `json:"file_data"`
	}
	body, ok := c.decode(&req)
	if !ok {
		return
	}
	switch {
	case req.FileType < 1 || req.FileType > 4:
		c.fail(http.StatusBadRequest, codeRequestInvalid, "file_type must be 1 image, 2 video, 3 voice or 4 file")
		return
	case req.FileType == 4:
		c.fail(http.StatusBadRequest, 304082, "upload media info fail: file messages are not open")
		return
	case req.URL == "" && req.FileData == "":
		c.fail(http.StatusBadRequest, 304082, "upload media info fail: url is required")
		return
	}
	fileUUID := uuid.NewString()
	info, _ := json.Marshal(map[string]any{"uuid": fileUUID, "type": req.FileType, "url": req.URL})
	out := map[string]any{
		"file_uuid": fileUUID,
		"file_info": base64.StdEncoding.EncodeToString(info),
		"ttl":       fileTTL,
	}
	if req.SrvSendMsg {
		sent := SentMessage{Body: body, Authorization: c.auth, UnionAppID: c.r.Header.Get("X-Union-Appid"), MsgType: msgTypeMedia}
		sent.Message = Message{ID: newOpenMessageID(), Author: s.w.bot, Scene: scene}
		if scene == SceneGroup {
			sent.GroupOpenID = t.openID
		} else {
			sent.UserOpenID = t.openID
		}
		s.mu.Lock()
		now := s.now()
		if rerr := s.takeActive(t, now); rerr != nil {
			s.mu.Unlock()
			c.fail(rerr.status, rerr.code, rerr.message)
			return
		}
		sent.Timestamp = timestamp(now)
		s.storeMessage(sent.Message, now, true)
		s.recordSent(sent)
		s.mu.Unlock()
		out["id"] = sent.ID
	}
	c.json(http.StatusOK, out)
}

func (s *Server) deleteGroupMessage(c *call) { s.recallOpen(c, SceneGroup) }
func (s *Server) deleteC2CMessage(c *call)   { s.recallOpen(c, SceneC2C) }

// recallOpen answers DELETE …/messages/{message_id}: the bot's own
// message, within 2 minutes (306011 after).
func (s *Server) recallOpen(c *call, scene string) {
	t, ok := s.openTarget(c, scene)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[c.r.PathValue("message_id")]
	if !ok || m.deleted || !m.fromBot || !sameChat(m.msg, t) {
		c.fail(http.StatusNotFound, codeNotFound, "message not found")
		return
	}
	if s.now().Sub(m.at) > recallWindow {
		c.fail(http.StatusBadRequest, codeRecallExpired, "message is older than the recall window")
		return
	}
	m.deleted = true
	c.json(http.StatusOK, struct{}{})
}
