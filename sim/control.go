package sim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// The control API drives the simulator over HTTP, so that it works from
// curl and from any language: it plays the users (post, click, react,
// join), injects faults and lists what the bot sent. It is served under
// /sim on the platform's own listener, needs no Authorization, and speaks
// JSON with the same error body as REST. doc.go lists the endpoints.

const (
	controlPrefix  = "/sim"
	maxControlWait = time.Minute
)

func (s *Server) controlTable() []route {
	return []route{
		{http.MethodGet, controlPrefix + "/world", s.ctlWorld},
		{http.MethodPost, controlPrefix + "/messages", s.ctlPost},
		{http.MethodPost, controlPrefix + "/interactions", s.ctlClick},
		{http.MethodGet, controlPrefix + "/interactions/{id}", s.ctlInteraction},
		{http.MethodPost, controlPrefix + "/press", s.ctlPress},
		{http.MethodPost, controlPrefix + "/reactions", s.ctlReact},
		{http.MethodPost, controlPrefix + "/members", s.ctlAddMember},
		{http.MethodPost, controlPrefix + "/guilds", s.ctlJoinGuild},
		{http.MethodPost, controlPrefix + "/faults", s.ctlFault},
		{http.MethodGet, controlPrefix + "/sent", s.ctlSent},
		{http.MethodGet, controlPrefix + "/sessions", s.ctlSessions},
		{http.MethodPost, controlPrefix + "/clock", s.ctlClock},
		{http.MethodPost, controlPrefix + "/voice", s.ctlVoice},
		{http.MethodGet, controlPrefix + "/intents", s.ctlIntents},
		{http.MethodPost, controlPrefix + "/intents", s.ctlIntents},
	}
}

func (s *Server) serveControl(c *call) {
	rt, status := s.match(s.control, c.r)
	switch status {
	case http.StatusNotFound:
		c.fail(status, codeRouteNotFound, "control api not found: "+c.r.Method+" "+c.r.URL.Path)
		return
	case http.StatusMethodNotAllowed:
		c.fail(status, codeMethodNotAllowed, "method not allowed: "+c.r.Method+" "+c.r.URL.Path)
		return
	}
	rt.handle(c)
}

// ctlError answers a failed control action: 404 for unknown things, 400
// otherwise.
func (c *call) ctlError(err error) {
	status := http.StatusBadRequest
	for _, nf := range []error{ErrUnknownChannel, ErrUnknownAuthor, ErrUnknownGuild, ErrUnknownGroup, ErrUnknownMessage, ErrNoButton} {
		if errors.Is(err, nf) {
			status = http.StatusNotFound
		}
	}
	if errors.Is(err, ErrServerClosed) {
		status = http.StatusServiceUnavailable
	}
	c.fail(status, status, err.Error())
}

type ctlUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	OpenID   string `json:"openid,omitempty"`
	Bot      bool   `json:"bot"`
}

type ctlGuild struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	OwnerID  string        `json:"owner_id"`
	Channels []wireChannel `json:"channels"`
	Members  []string      `json:"member_ids"`
	Roles    []wireRole    `json:"roles"`
}

type ctlGroup struct {
	OpenID  string   `json:"group_openid"`
	Name    string   `json:"name"`
	Members []string `json:"member_openids"`
}

// ctlWorld answers GET /sim/world: bot, guilds with channels, members and
// roles, groups and users.
func (s *Server) ctlWorld(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := struct {
		AppID  string     `json:"app_id"`
		Bot    ctlUser    `json:"bot"`
		Guilds []ctlGuild `json:"guilds"`
		Groups []ctlGroup `json:"groups"`
		Users  []ctlUser  `json:"users"`
	}{AppID: s.cfg.AppID, Bot: ctlUser{ID: s.w.bot.ID, Username: s.w.bot.Username, Bot: true}}
	for _, g := range s.w.guilds {
		cg := ctlGuild{ID: g.ID, Name: g.Name, OwnerID: g.OwnerID, Channels: []wireChannel{}, Members: []string{}, Roles: []wireRole{}}
		for _, ch := range g.channels {
			cg.Channels = append(cg.Channels, toWireChannel(ch))
		}
		for _, m := range g.members {
			cg.Members = append(cg.Members, m.user.ID)
		}
		for _, r := range g.roles {
			cg.Roles = append(cg.Roles, toWireRole(r))
		}
		out.Guilds = append(out.Guilds, cg)
	}
	for _, g := range s.w.groups {
		out.Groups = append(out.Groups, ctlGroup{OpenID: g.OpenID, Name: g.Name, Members: slicesOrEmpty(g.Members)})
	}
	for _, u := range s.w.users {
		out.Users = append(out.Users, ctlUser{ID: u.ID, Username: u.Username, OpenID: u.OpenID})
	}
	c.json(http.StatusOK, out)
}

type ctlMessage struct {
	Scene       string `json:"scene"`
	ID          string `json:"id"`
	EventID     string `json:"event_id,omitempty"`
	ChannelID   string `json:"channel_id,omitempty"`
	GuildID     string `json:"guild_id,omitempty"`
	GroupOpenID string `json:"group_openid,omitempty"`
	UserOpenID  string `json:"user_openid,omitempty"`
	AuthorID    string `json:"author_id"`
	Content     string `json:"content"`
	Timestamp   string `json:"timestamp"`
}

func toCtlMessage(m Message) ctlMessage {
	return ctlMessage{Scene: m.Scene, ID: m.ID, EventID: m.EventID, ChannelID: m.ChannelID, GuildID: m.GuildID,
		GroupOpenID: m.GroupOpenID, UserOpenID: m.UserOpenID, AuthorID: m.Author.ID, Content: m.Content, Timestamp: m.Timestamp}
}

// ctlPost answers POST /sim/messages: a user posts (Post as JSON).
func (s *Server) ctlPost(c *call) {
	var req struct {
		Scene       string `json:"scene"`
		ChannelID   string `json:"channel_id"`
		AuthorID    string `json:"author_id"`
		Content     string `json:"content"`
		MentionBot  bool   `json:"mention_bot"`
		GroupOpenID string `json:"group_openid"`
		UserOpenID  string `json:"user_openid"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	m, err := s.Post(Post{Scene: req.Scene, ChannelID: req.ChannelID, AuthorID: req.AuthorID, Content: req.Content,
		MentionBot: req.MentionBot, GroupOpenID: req.GroupOpenID, UserOpenID: req.UserOpenID})
	if err != nil {
		c.ctlError(err)
		return
	}
	c.json(http.StatusOK, toCtlMessage(m))
}

type ctlInteraction struct {
	ID        string  `json:"id"`
	EventID   string  `json:"event_id"`
	Acked     bool    `json:"acked"`
	AckBody   string  `json:"ack_body,omitempty"`
	Code      int     `json:"code"`
	Via       string  `json:"via,omitempty"`
	LatencyMS float64 `json:"latency_ms"`
	Late      bool    `json:"late"`
	Acks      int     `json:"acks"`
	Ignored   int     `json:"ignored_puts"`
	Webhook   bool    `json:"webhook"`
}

func toCtlInteraction(in Interaction) ctlInteraction {
	return ctlInteraction{ID: in.ID, EventID: in.EventID, Acked: in.Acked, AckBody: in.AckBody, Code: in.Code, Via: in.Via,
		LatencyMS: float64(in.Latency) / float64(time.Millisecond), Late: in.Late, Acks: in.Acks, Ignored: in.Ignored,
		Webhook: in.Webhook}
}

// ctlPress answers POST /sim/press: a user presses a button of a keyboard
// the bot sent ({message_id, button_id, user_id}).
func (s *Server) ctlPress(c *call) {
	var req struct {
		MessageID string `json:"message_id"`
		ButtonID  string `json:"button_id"`
		UserID    string `json:"user_id"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	in, err := s.Press(Press{MessageID: req.MessageID, ButtonID: req.ButtonID, UserID: req.UserID})
	if err != nil {
		c.ctlError(err)
		return
	}
	c.json(http.StatusOK, toCtlInteraction(in))
}

// ctlClick answers POST /sim/interactions: a user clicks a button.
func (s *Server) ctlClick(c *call) {
	var req struct {
		Scene       string `json:"scene"`
		ChannelID   string `json:"channel_id"`
		GroupOpenID string `json:"group_openid"`
		UserID      string `json:"user_id"`
		ButtonID    string `json:"button_id"`
		ButtonData  string `json:"button_data"`
		MessageID   string `json:"message_id"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	in, err := s.Click(Click{Scene: req.Scene, ChannelID: req.ChannelID, GroupOpenID: req.GroupOpenID, UserID: req.UserID,
		ButtonID: req.ButtonID, ButtonData: req.ButtonData, MessageID: req.MessageID})
	if err != nil {
		c.ctlError(err)
		return
	}
	c.json(http.StatusOK, ctlInteraction{ID: in.ID, EventID: in.EventID})
}

// ctlInteraction answers GET /sim/interactions/{id}: was it acknowledged?
func (s *Server) ctlInteraction(c *call) {
	in, ok := s.Interaction(c.r.PathValue("id"))
	if !ok {
		c.fail(http.StatusNotFound, codeNotFound, "unknown interaction")
		return
	}
	c.json(http.StatusOK, toCtlInteraction(in))
}

// ctlReact answers POST /sim/reactions: a user reacts to a message, or
// with "remove" takes the reaction back.
func (s *Server) ctlReact(c *call) {
	var req struct {
		ChannelID string `json:"channel_id"`
		MessageID string `json:"message_id"`
		UserID    string `json:"user_id"`
		EmojiType int    `json:"emoji_type"`
		EmojiID   string `json:"emoji_id"`
		Remove    bool   `json:"remove"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	r := Reaction{ChannelID: req.ChannelID, MessageID: req.MessageID, UserID: req.UserID, EmojiType: req.EmojiType, EmojiID: req.EmojiID}
	react := s.React
	if req.Remove {
		react = s.Unreact
	}
	if err := react(r); err != nil {
		c.ctlError(err)
		return
	}
	c.noContent()
}

// ctlAddMember answers POST /sim/members: a new user joins a guild.
func (s *Server) ctlAddMember(c *call) {
	var req struct {
		GuildID  string `json:"guild_id"`
		Username string `json:"username"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	if req.Username == "" {
		req.Username = "newcomer"
	}
	u, err := s.AddMember(req.GuildID, req.Username)
	if err != nil {
		c.ctlError(err)
		return
	}
	c.json(http.StatusOK, ctlUser{ID: u.ID, Username: u.Username, OpenID: u.OpenID})
}

// ctlVoice answers POST /sim/voice {channel_id, user_id, leave}: a member
// enters (or leaves) a voice or live channel.
func (s *Server) ctlVoice(c *call) {
	var req struct {
		ChannelID string `json:"channel_id"`
		UserID    string `json:"user_id"`
		Leave     bool   `json:"leave"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	move := s.JoinVoice
	if req.Leave {
		move = s.LeaveVoice
	}
	if err := move(req.ChannelID, req.UserID); err != nil {
		c.ctlError(err)
		return
	}
	c.json(http.StatusOK, map[string]any{})
}

// ctlJoinGuild answers POST /sim/guilds: the bot joins a new guild.
func (s *Server) ctlJoinGuild(c *call) {
	var req struct {
		Name string `json:"name"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	if req.Name == "" {
		req.Name = "another guild"
	}
	g, err := s.JoinGuild(req.Name)
	if err != nil {
		c.ctlError(err)
		return
	}
	c.json(http.StatusOK, map[string]any{"id": g.ID, "name": g.Name, "owner_id": g.OwnerID, "member_count": g.MemberCount})
}

// ctlFault answers POST /sim/faults with 204 once the fault is applied.
func (s *Server) ctlFault(c *call) {
	var f Fault
	if _, ok := c.decode(&f); !ok {
		return
	}
	if err := s.Inject(f); err != nil {
		c.fail(http.StatusBadRequest, codeRequestInvalid, err.Error())
		return
	}
	c.noContent()
}

type ctlSent struct {
	Index int `json:"index"`
	ctlMessage
	MsgID   string          `json:"msg_id,omitempty"`
	ReplyTo string          `json:"reply_event_id,omitempty"`
	MsgSeq  int             `json:"msg_seq,omitempty"`
	MsgType int             `json:"msg_type"`
	AuditID string          `json:"audit_id,omitempty"`
	Body    json.RawMessage `json:"body"`
}

// ctlSent answers GET /sim/sent: the bot's messages from index since
// (default 0). With wait_ms it first waits, up to a minute, until there is
// at least one message at or after since.
func (s *Server) ctlSent(c *call) {
	q := c.r.URL.Query()
	since, err := strconv.Atoi(q.Get("since"))
	if q.Get("since") != "" && (err != nil || since < 0) {
		c.fail(http.StatusBadRequest, codeRequestInvalid, "since must be a non-negative integer")
		return
	}
	if v := q.Get("wait_ms"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms < 0 {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "wait_ms must be a non-negative integer")
			return
		}
		ctx, cancel := context.WithTimeout(c.r.Context(), min(time.Duration(ms)*time.Millisecond, maxControlWait))
		_, _ = s.WaitSent(ctx, since) // a timeout just returns what there is
		cancel()
	}
	// Only the tail is copied: a load test polls this after every batch of
	// replies, and copying the whole list each time would make it quadratic.
	all := s.sentFrom(since)
	out := []ctlSent{}
	for j, m := range all {
		i := since + j
		body := m.Body
		if !json.Valid(body) {
			body, _ = json.Marshal(string(body))
		}
		out = append(out, ctlSent{Index: i, ctlMessage: toCtlMessage(m.Message), MsgID: m.MsgID, ReplyTo: m.EventID,
			MsgSeq: m.MsgSeq, MsgType: m.MsgType, AuditID: m.AuditID, Body: body})
	}
	c.json(http.StatusOK, out)
}

// ctlSessions answers GET /sim/sessions {"connected": N}: how many gateway
// connections are READY or RESUMED. With min and wait_ms it first waits, up
// to a minute, until there are at least min, so a load test can start
// posting once the bot listens.
func (s *Server) ctlSessions(c *call) {
	q := c.r.URL.Query()
	if v := q.Get("wait_ms"); v != "" {
		ms, err := strconv.Atoi(v)
		n, err2 := strconv.Atoi(q.Get("min"))
		if err != nil || ms < 0 || err2 != nil || n < 0 {
			c.fail(http.StatusBadRequest, codeRequestInvalid, "wait_ms and min must be non-negative integers")
			return
		}
		ctx, cancel := context.WithTimeout(c.r.Context(), min(time.Duration(ms)*time.Millisecond, maxControlWait))
		_ = s.WaitSessions(ctx, n) // a timeout just answers the count there is
		cancel()
	}
	s.mu.Lock()
	n := s.identified
	s.mu.Unlock()
	c.json(http.StatusOK, map[string]int{"connected": n})
}
