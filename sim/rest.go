package sim

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
)

// Business codes the simulator answers with (qq-protocol.md §8.4).
const (
	codeUnknownChannel   = 10003
	codeUnknownGuild     = 10004
	codeTokenMissing     = 11241
	codeTokenInvalid     = 11244 // "token expired or not exist"
	codeWrongAppID       = 11251
	codeRequestInvalid   = 12002
	codeEmptyMessage     = 50006
	codeBadFormData      = 50035
	codeReplyOwnMessage  = 50045
	codeReplyIDWrong     = 304026
	codeReplyExpired     = 304027
	codeRouteNotFound    = 404 // undocumented; the HTTP status doubles as code
	codeMethodNotAllowed = 405 // undocumented; same
	codeServerClosing    = 503 // undocumented; same
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
	return []route{
		{http.MethodGet, "/gateway", s.getGateway},
		{http.MethodGet, "/gateway/bot", s.getGatewayBot},
		{http.MethodGet, "/users/@me", s.getMe},
		{http.MethodGet, "/users/@me/guilds", s.getMeGuilds},
		{http.MethodGet, "/guilds/{guild_id}", s.getGuild},
		{http.MethodGet, "/guilds/{guild_id}/channels", s.getGuildChannels},
		{http.MethodGet, "/channels/{channel_id}", s.getChannel},
		{http.MethodPost, "/channels/{channel_id}/messages", s.postMessage},
	}
}

// serveREST routes, then authenticates. Routing comes first so that a
// typo in a path reads as 404 rather than as an auth problem.
func (s *Server) serveREST(c *call) {
	rt, status := s.match(c.r)
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
	rt.handle(c)
}

// match finds the route for r and stores its path values in r. The status
// is 200, 404 (no pattern fits) or 405 (a pattern fits, the method does not).
func (s *Server) match(r *http.Request) (route, int) {
	got := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	status := http.StatusNotFound
	for _, rt := range s.routes {
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
	h := c.r.Header.Get("Authorization")
	if h == "" {
		c.fail(http.StatusUnauthorized, codeTokenMissing, "token missing")
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
