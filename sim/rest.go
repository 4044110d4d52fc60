package sim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Business codes the simulator answers with (docs/protocol.md §8.4).
const (
	codeUnknownGuild      = 10004
	codeUnknownChannel    = 10003
	codeTokenMissing      = 11241
	codeTokenInvalid      = 11244 // "token expired or not exist"
	codeLegacyDisabled    = 11245 // fixed Bot token disabled
	codeWrongAppID        = 11251
	codeRequestInvalid    = 12002
	codeChannelRateLimit  = 20028
	codeOpenMsgLimit      = 22009 // group/C2C: msg limit exceed
	codeEmptyMessage      = 50006
	codeBadFormData       = 50035
	codeReplyOwnMessage   = 50045
	codeEditNotOwn        = 50051 // "can only edit own messages"
	codeFileTooLarge      = 304020
	codeAuditActive       = 304023
	codeAuditReply        = 304024
	codeReplyIDWrong      = 304026
	codeReplyExpired      = 304027
	codeDMNotMember       = 304034
	codeActiveLimit       = 304045 // channel active-message limit
	codeDMActiveLimit     = 304049
	codeRecallExpired     = 306011
	codeTooManyPins       = 501013
	codeAlreadyReacted    = 620003
	codeNotReacted        = 620004
	codeActiveDisabled    = 40034102 // "主动消息失败, 无权限" since 2025-04-21
	codeDuplicateSeq      = 40054005 // observed: "消息被去重，请检查请求msgseq"
	codeNotFound          = 404      // undocumented (unknown message, role, group, member…): the status doubles as code
	codeRouteNotFound     = 404      // undocumented; same
	codeMethodNotAllowed  = 405      // undocumented; same
	codeServerClosing     = 503      // undocumented; same
	codeBodyTooLarge      = 413      // undocumented; same
	codeInjectedRateLimit = codeChannelRateLimit
)

// call carries one REST request through its handler.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	trace string
	auth  string // the Authorization header that passed the check
}

// json writes v with exactly "Content-Type: application/json": botpy
// decodes a body only for that literal value (§1.5).
func (c *call) json(status int, v any) {
	b, err := marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = marshal(apiError{Message: "encode response: " + err.Error(), Code: 500, ErrCode: 500, TraceID: c.trace})
	}
	h := c.w.Header()
	h["Content-Type"] = []string{"application/json"}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	c.w.WriteHeader(status)
	_, _ = c.w.Write(b)
}

// fail writes the §8.2 error body.
func (c *call) fail(status, code int, message string) {
	c.json(status, apiError{Message: message, Code: code, ErrCode: code, TraceID: c.trace})
}

// route describes one REST endpoint as data: method, path pattern with
// {name} segments, handler.
type route struct {
	method  string
	pattern string
	handle  func(*call)
}

func (s *Server) routeTable() []route {
	const (
		get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	)
	return []route{
		{get, "/gateway", s.getGateway},
		{get, "/gateway/bot", s.getGatewayBot},
		{post, "/gateway/webhook/sessions", s.postWebhookSession},
		{patch, "/gateway/webhook/sessions", s.checkWebhookSessions},
		{get, "/gateway/webhook/sessions", s.getWebhookSessions},
		{del, "/gateway/webhook/sessions/{session_id}", s.deleteWebhookSession},
		{get, "/users/@me", s.getMe},
		{get, "/users/@me/guilds", s.getMeGuilds},
		{post, "/users/@me/dms", s.postDMSession},
		{get, "/guilds/{guild_id}", s.getGuild},
		{get, "/guilds/{guild_id}/channels", s.getGuildChannels},
		{post, "/guilds/{guild_id}/channels", s.postChannel},
		{get, "/guilds/{guild_id}/members", s.getMembers},
		{get, "/guilds/{guild_id}/members/{user_id}", s.getMember},
		{del, "/guilds/{guild_id}/members/{user_id}", s.deleteMember},
		{patch, "/guilds/{guild_id}/members/{user_id}/mute", s.muteMember},
		{put, "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", s.putMemberRole},
		{del, "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", s.deleteMemberRole},
		{get, "/guilds/{guild_id}/roles", s.getRoles},
		{post, "/guilds/{guild_id}/roles", s.postRole},
		{patch, "/guilds/{guild_id}/roles/{role_id}", s.patchRole},
		{del, "/guilds/{guild_id}/roles/{role_id}", s.deleteRole},
		{get, "/guilds/{guild_id}/roles/{role_id}/members", s.getRoleMembers},
		{patch, "/guilds/{guild_id}/mute", s.muteGuild},
		{post, "/guilds/{guild_id}/announces", s.postAnnounce},
		{del, "/guilds/{guild_id}/announces/{message_id}", s.deleteAnnounce},
		{get, "/guilds/{guild_id}/message/setting", s.getMessageSetting},
		{get, "/guilds/{guild_id}/api_permission", s.getAPIPermissions},
		{post, "/guilds/{guild_id}/api_permission/demand", s.postAPIPermissionDemand},
		{get, "/channels/{channel_id}", s.getChannel},
		{patch, "/channels/{channel_id}", s.patchChannel},
		{del, "/channels/{channel_id}", s.deleteChannel},
		{get, "/channels/{channel_id}/members/{user_id}/permissions", s.getChannelPermissions},
		{put, "/channels/{channel_id}/members/{user_id}/permissions", s.putChannelPermissions},
		{get, "/channels/{channel_id}/roles/{role_id}/permissions", s.getChannelPermissions},
		{put, "/channels/{channel_id}/roles/{role_id}/permissions", s.putChannelPermissions},
		{post, "/channels/{channel_id}/messages", s.postMessage},
		{get, "/channels/{channel_id}/messages", s.getMessages},
		{get, "/channels/{channel_id}/messages/{message_id}", s.getMessage},
		{patch, "/channels/{channel_id}/messages/{message_id}", s.patchMessage},
		{del, "/channels/{channel_id}/messages/{message_id}", s.deleteMessage},
		{put, "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_type}/{emoji_id}", s.putReaction},
		{del, "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_type}/{emoji_id}", s.deleteReaction},
		{get, "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_type}/{emoji_id}", s.getReactionUsers},
		{get, "/channels/{channel_id}/pins", s.getPins},
		{put, "/channels/{channel_id}/pins/{message_id}", s.putPin},
		{del, "/channels/{channel_id}/pins/{message_id}", s.deletePin},
		{post, "/channels/{channel_id}/announces", s.postChannelAnnounce},
		{del, "/channels/{channel_id}/announces/{message_id}", s.deleteChannelAnnounce},
		{post, "/channels/{channel_id}/settingguide", s.postSettingGuide},
		{get, "/channels/{channel_id}/voice/members", s.getVoiceMembers},
		{get, "/channels/{channel_id}/online_nums", s.getOnlineNums},
		{post, "/channels/{channel_id}/audio", s.postAudio},
		{put, "/channels/{channel_id}/mic", s.putMic},
		{del, "/channels/{channel_id}/mic", s.deleteMic},
		{get, "/channels/{channel_id}/schedules", s.getSchedules},
		{post, "/channels/{channel_id}/schedules", s.postSchedule},
		{get, "/channels/{channel_id}/schedules/{schedule_id}", s.getSchedule},
		{patch, "/channels/{channel_id}/schedules/{schedule_id}", s.patchSchedule},
		{del, "/channels/{channel_id}/schedules/{schedule_id}", s.deleteSchedule},
		{get, "/channels/{channel_id}/threads", s.getThreads},
		{put, "/channels/{channel_id}/threads", s.putThread},
		{get, "/channels/{channel_id}/threads/{thread_id}", s.getThread},
		{del, "/channels/{channel_id}/threads/{thread_id}", s.deleteThread},
		{post, "/dms/{guild_id}/messages", s.postDirectMessage},
		{post, "/dms/{guild_id}/settingguide", s.postDMSettingGuide},
		{del, "/dms/{guild_id}/messages/{message_id}", s.deleteDirectMessage},
		{post, "/v2/groups/{group_openid}/messages", s.postGroupMessage},
		{post, "/v2/groups/{group_openid}/files", s.postGroupFile},
		{del, "/v2/groups/{group_openid}/messages/{message_id}", s.deleteGroupMessage},
		{post, "/v2/users/{openid}/messages", s.postC2CMessage},
		{post, "/v2/users/{openid}/files", s.postC2CFile},
		{del, "/v2/users/{openid}/messages/{message_id}", s.deleteC2CMessage},
		{put, "/interactions/{interaction_id}", s.putInteraction},
	}
}

// serveREST routes, then authenticates, then applies injected faults.
// Routing comes first so that a typo in a path reads as 404 rather than as
// an auth problem.
func (s *Server) serveREST(c *call) {
	rt, status := s.match(s.routes, c.r)
	switch status {
	case http.StatusNotFound:
		c.fail(status, codeRouteNotFound, "api not found: "+c.r.Method+" "+c.r.URL.Path)
		return
	case http.StatusMethodNotAllowed:
		c.fail(status, codeMethodNotAllowed, "method not allowed: "+c.r.Method+" "+c.r.URL.Path)
		return
	}
	if !s.authorize(c) {
		return
	}
	forced, after, err := s.restFault(c.r.Context())
	if err != nil {
		c.fail(http.StatusServiceUnavailable, codeServerClosing, "request aborted: "+err.Error())
		return
	}
	if forced != 0 && after {
		// The request takes effect; only its answer is lost on the way back.
		w := c.w
		c.w = discardWriter{h: http.Header{}}
		rt.handle(c)
		c.w = w
	}
	switch {
	case forced == http.StatusTooManyRequests:
		c.fail(forced, codeInjectedRateLimit, "request rate limited (injected fault)")
		return
	case forced != 0:
		c.fail(forced, forced, "internal error (injected fault)")
		return
	}
	rt.handle(c)
}

// discardWriter swallows the answer of a request whose answer a fault
// replaces.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}

// body reads the request body, at most maxRequestBody bytes; a larger body
// is answered with 413 and the §8.2 error body. It reports false when it
// has answered.
func (c *call) body() ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, maxRequestBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			c.fail(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "request body too large")
			return nil, false
		}
		c.fail(http.StatusBadRequest, codeRequestInvalid, "read body: "+err.Error())
		return nil, false
	}
	return b, true
}

// decode reads a JSON object body into v. An empty body or null is an
// empty object; unknown keys are ignored. It reports false when it has
// answered with an error.
func (c *call) decode(v any) ([]byte, bool) {
	b, ok := c.body()
	if !ok {
		return nil, false
	}
	if t := bytes.TrimSpace(b); len(t) == 0 || string(t) == "null" {
		return b, true
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "invalid json body: "+err.Error())
		return nil, false
	}
	return b, true
}

// noContent answers 204 without a body.
func (c *call) noContent() {
	c.w.WriteHeader(http.StatusNoContent)
}

// match finds the route for r and stores its path values in r. The status
// is 200, 404 (no pattern fits) or 405 (a pattern fits, the method does not).
func (s *Server) match(routes []route, r *http.Request) (route, int) {
	got := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	status := http.StatusNotFound
	for _, rt := range routes {
		want := strings.Split(strings.TrimPrefix(rt.pattern, "/"), "/")
		values, ok := matchSegments(want, got)
		if !ok {
			continue
		}
		if rt.method != r.Method {
			status = http.StatusMethodNotAllowed
			continue
		}
		for k, v := range values {
			r.SetPathValue(k, v)
		}
		return rt, http.StatusOK
	}
	return route{}, status
}

func matchSegments(want, got []string) (map[string]string, bool) {
	if len(want) != len(got) {
		return nil, false
	}
	var values map[string]string
	for i, w := range want {
		if name, ok := strings.CutPrefix(w, "{"); ok {
			if got[i] == "" {
				return nil, false
			}
			if values == nil {
				values = make(map[string]string)
			}
			values[strings.TrimSuffix(name, "}")] = got[i]
			continue
		}
		if w != got[i] {
			return nil, false
		}
	}
	return values, true
}

// authorize accepts "QQBot <access token>" (current) and
// "Bot <appid>.<bot token>" (legacy, §1.3). On failure it writes the 401
// and returns false.
func (s *Server) authorize(c *call) bool {
	if !s.ipAllowed(c) {
		return false
	}
	h := c.r.Header.Get("Authorization")
	if h == "" {
		c.fail(http.StatusUnauthorized, codeTokenMissing, "token missing")
		return false
	}
	if s.cfg.Platform2025 && strings.HasPrefix(h, "Bot ") {
		c.fail(http.StatusUnauthorized, codeLegacyDisabled, "固定Token已禁用，请使用AccessToken鉴权")
		return false
	}
	if !s.validREST(h) {
		c.fail(http.StatusUnauthorized, codeTokenInvalid, "token expired or not exist")
		return false
	}
	// X-Union-Appid is optional (§1.4), but a wrong value points at a
	// client mixing up bots, which is worth failing loudly on.
	if u := c.r.Header.Get("X-Union-Appid"); u != "" && u != s.cfg.AppID {
		c.fail(http.StatusUnauthorized, codeWrongAppID, "x-union-appid does not match the token's appid")
		return false
	}
	c.auth = h
	return true
}

func (s *Server) validREST(h string) bool {
	if tok, ok := strings.CutPrefix(h, "QQBot "); ok {
		return s.tokens.valid(tok, s.now())
	}
	if cred, ok := strings.CutPrefix(h, "Bot "); ok {
		return s.validLegacy(cred)
	}
	return false
}

// validLegacy checks "<appid>.<bot token>".
func (s *Server) validLegacy(cred string) bool {
	appID, tok, ok := strings.Cut(cred, ".")
	return ok && appID == s.cfg.AppID &&
		subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.BotToken)) == 1
}
