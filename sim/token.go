package sim

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Token service failure codes (§1.2); all come back with HTTP 200.
const (
	codeTokenInternal     = 100002
	codeTokenAppIDInvalid = 100007 // no such app id, or none given
	codeTokenBadSecret    = 100016 // the app id exists, the secret is wrong
)

// tokenStore implements the platform's access-token policy: one current
// token is handed out repeatedly until at most tokenRotationWindow of its
// life remains; then a new one is minted while the old one stays valid
// until it expires on its own.
type tokenStore struct {
	ttl time.Duration

	mu      sync.Mutex
	current string
	expiry  map[string]time.Time // every token that may still be valid
}

// issue returns the token to hand out at now and its remaining lifetime.
func (t *tokenStore) issue(now time.Time) (string, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if exp, ok := t.expiry[t.current]; ok && exp.Sub(now) > tokenRotationWindow {
		return t.current, exp.Sub(now)
	}
	for tok, exp := range t.expiry {
		if !now.Before(exp) {
			delete(t.expiry, tok)
		}
	}
	t.current = newAccessToken()
	t.expiry[t.current] = now.Add(t.ttl)
	return t.current, t.ttl
}

// expireAll ends every token now; the next request mints a fresh one.
func (t *tokenStore) expireAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.expiry)
	t.current = ""
}

func (t *tokenStore) valid(tok string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.expiry[tok]
	return ok && now.Before(exp)
}

// serveToken answers POST /app/getAppAccessToken. Like bots.qq.com it
// reports bad credentials with HTTP 200 and a {code, message} body. A
// request that is not "Content-Type: application/json" is 100007 "appid
// invalid" whatever its body (§1.2; the service does not read it); a JSON
// one whose body does not decode is 100002 "internal err".
func (s *Server) serveToken(c *call) {
	if c.r.Method != http.MethodPost {
		c.fail(http.StatusMethodNotAllowed, codeMethodNotAllowed, "method not allowed: "+c.r.Method)
		return
	}
	if status := s.tokenFault(); status != 0 {
		// An outage of the token service: a gateway's error, not the
		// service's own HTTP-200 error body.
		c.fail(status, status, "token service unavailable (injected fault)")
		return
	}
	if mt, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type")); mt != "application/json" {
		s.log.Debug("token refused: not application/json", "content_type", c.r.Header.Get("Content-Type"))
		c.json(http.StatusOK, tokenError{Code: codeTokenAppIDInvalid, Message: "appid invalid"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(c.r.Body, maxRequestBody))
	if err != nil {
		c.json(http.StatusOK, tokenError{Code: codeTokenInternal, Message: "internal err"})
		return
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil || req == nil {
		c.json(http.StatusOK, tokenError{Code: codeTokenInternal, Message: "internal err"})
		return
	}
	appID, appOK := jsonString(req["appId"])
	secret, secretOK := jsonString(req["clientSecret"])
	if !appOK {
		// The real service answers a numeric appId with "internal err";
		// only a missing one counts as an invalid appid.
		if present(req["appId"]) {
			c.json(http.StatusOK, tokenError{Code: codeTokenInternal, Message: "internal err"})
			return
		}
	}
	if !appOK || !secretOK || appID != s.cfg.AppID {
		s.log.Debug("token refused", "app_id", appID)
		c.json(http.StatusOK, tokenError{Code: codeTokenAppIDInvalid, Message: "appid invalid"})
		return
	}
	if secret != s.cfg.Secret {
		s.log.Debug("token refused: wrong secret", "app_id", appID)
		c.json(http.StatusOK, tokenError{Code: codeTokenBadSecret, Message: "invalid appid or secret"})
		return
	}
	tok, left := s.tokens.issue(s.now())
	c.json(http.StatusOK, tokenResponse{
		AccessToken: tok,
		ExpiresIn:   strconv.FormatInt(int64(left/time.Second), 10),
	})
}

// jsonString decodes raw as a JSON string; null and absent count as not a
// string.
func jsonString(raw json.RawMessage) (string, bool) {
	if !present(raw) {
		return "", false
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", false
	}
	return v, true
}

// present reports whether a JSON value was given and is not null; clients
// such as botpy send null for every unset field (§7.2).
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}
