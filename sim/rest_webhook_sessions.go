package sim

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// The deprecated HTTP-callback session API (§7.1, §10.5): a bot asked the
// platform to start pushing events to callback_url, then health-checked
// and stopped the session. The simulator keeps the sessions as records so
// that clients of the API round-trip; it does not push to their URLs —
// Config.WebhookURL is how the simulator delivers webhooks.

// maxHookSessions bounds the records one app may hold; the platform's own
// limit is not documented, and an unbounded map would let a looping client
// grow the simulator without end.
const maxHookSessions = 64

type hookSession struct {
	AppID         int64  `json:"app_id"`
	SessionID     string `json:"session_id"`
	CallbackURL   string `json:"callback_url"`
	Env           string `json:"env"`
	Intents       int64  `json:"intents"`
	LastHeartbeat string `json:"last_heartbeat_time"`
	State         string `json:"state"`
	Shards        [2]int `json:"shards"`
}

func (s *Server) postWebhookSession(c *call) {
	var req struct {
		Intents     *int64 `json:"intents"`
		Shards      []int  `json:"shards"`
		CallbackURL string `json:"callback_url"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	if msg := checkHookIdentity(req.Intents, req.Shards, req.CallbackURL); msg != "" {
		c.fail(http.StatusBadRequest, codeRequestInvalid, msg)
		return
	}
	appID, _ := strconv.ParseInt(s.cfg.AppID, 10, 64)
	hs := &hookSession{
		AppID:         appID,
		SessionID:     uuid.NewString(),
		CallbackURL:   req.CallbackURL,
		Env:           "sim",
		Intents:       *req.Intents,
		LastHeartbeat: timestamp(s.now()),
		State:         "running",
		Shards:        [2]int{req.Shards[0], req.Shards[1]},
	}
	s.mu.Lock()
	if len(s.hookSessions) >= maxHookSessions {
		s.mu.Unlock()
		c.fail(http.StatusBadRequest, codeRequestInvalid, "too many webhook sessions: delete one first")
		return
	}
	s.hookSessions[hs.SessionID] = hs
	s.mu.Unlock()
	c.json(http.StatusOK, map[string]any{
		"version":    1,
		"session_id": hs.SessionID,
		"bot":        map[string]string{"id": s.w.bot.ID, "username": s.w.bot.Username},
		"shard":      hs.Shards,
	})
}

// checkHookIdentity validates the HTTPIdentity body; it returns what is
// wrong, or "".
func checkHookIdentity(intents *int64, shards []int, callback string) string {
	switch {
	case intents == nil:
		return "intents is required"
	case *intents < 0:
		return "intents must not be negative"
	case len(shards) != 2:
		return "shards must be [shard_id, shard_count]"
	case shards[1] < 1 || shards[0] < 0 || shards[0] >= shards[1]:
		return "shards: want 0 <= shard_id < shard_count"
	}
	u, err := url.Parse(callback)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "callback_url must be an absolute http(s) URL"
	}
	return ""
}

// checkWebhookSessions answers PATCH ?action=check: the platform resumes
// what it can and reports every session, which here means marking each
// one as just heard from.
func (s *Server) checkWebhookSessions(c *call) {
	if a := c.r.URL.Query().Get("action"); a != "check" {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "action must be check, got "+strconv.Quote(a))
		return
	}
	s.mu.Lock()
	now := timestamp(s.now())
	for _, hs := range s.hookSessions {
		hs.LastHeartbeat = now
	}
	list := s.hookSessionList()
	s.mu.Unlock()
	c.json(http.StatusOK, list)
}

func (s *Server) getWebhookSessions(c *call) {
	s.mu.Lock()
	list := s.hookSessionList()
	s.mu.Unlock()
	c.json(http.StatusOK, list)
}

// hookSessionList copies the records in session id order, so that lists
// are stable; s.mu must be held.
func (s *Server) hookSessionList() []hookSession {
	list := make([]hookSession, 0, len(s.hookSessions))
	for _, hs := range s.hookSessions {
		list = append(list, *hs)
	}
	slices.SortFunc(list, func(a, b hookSession) int { return strings.Compare(a.SessionID, b.SessionID) })
	return list
}

func (s *Server) deleteWebhookSession(c *call) {
	id := c.r.PathValue("session_id")
	s.mu.Lock()
	_, ok := s.hookSessions[id]
	delete(s.hookSessions, id)
	s.mu.Unlock()
	if !ok {
		c.fail(http.StatusNotFound, codeNotFound, "unknown webhook session "+strconv.Quote(id))
		return
	}
	c.noContent()
}
