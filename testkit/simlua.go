package testkit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/sim"
)

// simModule builds the sim table tests drive the simulator with:
//
//	sim.say(channel, text, [opts]) → message   post as a user, then let the bot settle
//	sim.sent([i]) → messages | message          what the bot sent (i from 1; negative from the end)
//	sim.advance(seconds)                        move the virtual clock, firing timers in order
//	sim.react(message, emoji, [opts])           a user reacts to a guild message
//	sim.unreact(message, emoji, [opts])         a user takes the reaction back
//	sim.member(user) → {id=, username=, nick=, roles={names}}
//	sim.roles() → {names}                        the guild's roles, sorted
//	sim.world() → {bot=, guild=, channels=, users=, groups=}
//	sim.time() → the virtual unix time (os.time() in tests reads the same clock)
//	sim.user{name=, roles=} → user            a new guild member (simuser.go)
//	sim.kv(script) → kv module                 that script's store, to seed or read (libs.go)
//	sim.expect_error(pattern)                   a handler failing with a matching error is part of the test
//
// channel is a channel name ("general"), a channel id, or "group", "c2c"
// or "dm" for the first group chat, a C2C chat and a guild DM. opts:
// author (a username, id or openid; default the first member), mention
// (guild channels; default true), group (a group openid).
func (s *suite) simModule() *lua.LTable {
	mod := s.L.SetFuncs(s.L.NewTable(), map[string]lua.LGFunction{
		"say":          s.say,
		"sent":         s.sent,
		"advance":      s.advance,
		"react":        func(L *lua.LState) int { return s.react(L, "sim.react") },
		"unreact":      func(L *lua.LState) int { return s.react(L, "sim.unreact") },
		"member":       s.member,
		"roles":        s.roles,
		"world":        s.world,
		"expect_error": s.expectError,
		"user":         s.user, // simuser.go
		// press.go
		"press":       s.press,
		"interaction": s.interaction,
		"time": func(L *lua.LState) int {
			L.Push(lua.LNumber(s.current(L).clock.Now().Unix()))
			return 1
		},
	})
	mod.RawSetString("http", s.httpModule())
	mod.RawSetString("config", s.L.NewFunction(s.config))
	return mod
}

// waitBot runs wait (a settle or an advance) without holding the VM, so
// that sim.http stub functions can run meanwhile, then raises the first
// error of a stub function as the sim call's.
func (s *suite) waitBot(L *lua.LState, fn string, wait func() error) {
	<-s.vm
	err := wait()
	s.vm <- struct{}{}
	if err != nil {
		L.RaiseError("%s: %v", fn, err)
	}
	if err := s.current(L).http.takeFailure(); err != nil {
		L.RaiseError("%s: %v", fn, err)
	}
}

// current is the running test's env; sim.* outside a test is misuse.
func (s *suite) current(L *lua.LState) *env {
	if s.env == nil {
		L.RaiseError("sim is only available inside test(name, fn)")
	}
	return s.env
}

func (s *suite) say(L *lua.LState) int {
	e := s.current(L)
	where := L.CheckString(1)
	text := L.CheckString(2)
	opts := L.OptTable(3, L.NewTable())
	w := e.platform.World()
	p := sim.Post{Content: text, MentionBot: true}
	if v := opts.RawGetString("mention"); v != lua.LNil {
		p.MentionBot = lua.LVAsBool(v)
	}
	if v := opts.RawGetString("author"); v != lua.LNil {
		u, ok := findUser(w, lua.LVAsString(v))
		if !ok {
			L.ArgError(3, fmt.Sprintf("no user %q (the simulator has %s)", lua.LVAsString(v), usernames(w)))
		}
		p.AuthorID = u.ID
	}
	switch where {
	case "group":
		p.Scene = sim.SceneGroup
		p.GroupOpenID = lua.LVAsString(opts.RawGetString("group"))
	case "c2c":
		p.Scene = sim.SceneC2C
	case "dm":
		p.Scene = sim.SceneDM
	default:
		ch, ok := findChannel(w, where)
		if !ok {
			L.ArgError(1, fmt.Sprintf("no channel %q (try %s, \"group\", \"c2c\" or \"dm\")", where, channelNames(w)))
		}
		p.ChannelID = ch
	}
	msg, err := e.platform.Post(p)
	if err != nil {
		L.RaiseError("sim.say: %v", err)
	}
	s.waitBot(L, "sim.say", func() error { return e.settle(s.ctx) })
	L.Push(messageTable(L, w, msg))
	return 1
}

func (s *suite) sent(L *lua.LState) int {
	e := s.current(L)
	w := e.platform.World()
	all := e.platform.Sent()
	if L.GetTop() >= 1 {
		i := L.CheckInt(1)
		if i < 0 {
			i = len(all) + 1 + i
		}
		if i < 1 || i > len(all) {
			switch len(all) {
			case 0:
				L.RaiseError("sim.sent(%d): the bot sent nothing", L.CheckInt(1))
			case 1:
				L.RaiseError("sim.sent(%d): the bot sent only 1 message", L.CheckInt(1))
			default:
				L.RaiseError("sim.sent(%d): the bot sent only %d messages", L.CheckInt(1), len(all))
			}
		}
		L.Push(sentTable(L, w, all[i-1]))
		return 1
	}
	t := L.CreateTable(len(all), 0)
	for _, m := range all {
		t.Append(sentTable(L, w, m))
	}
	L.Push(t)
	return 1
}

func (s *suite) advance(L *lua.LState) int {
	e := s.current(L)
	secs := float64(L.CheckNumber(1))
	if secs < 0 || secs > 400*24*3600 {
		L.ArgError(1, "seconds must be between 0 and a year")
	}
	s.waitBot(L, "sim.advance", func() error { return e.advance(s.ctx, time.Duration(secs*float64(time.Second))) })
	return 0
}

// react serves sim.react and sim.unreact, named by fn.
func (s *suite) react(L *lua.LState, fn string) int {
	e := s.current(L)
	var r sim.Reaction
	switch v := L.Get(1).(type) {
	case *lua.LTable:
		r.MessageID = lua.LVAsString(v.RawGetString("id"))
		r.ChannelID = lua.LVAsString(v.RawGetString("channel_id"))
	case lua.LString:
		r.MessageID = string(v)
	default:
		L.ArgError(1, "a message table (from sim.sent or sim.say) or a message id expected")
	}
	em, ok := bindings.ParseEmoji(L.Get(2))
	if !ok {
		L.ArgError(2, `want {type=1|2, id=}, "type:id", a face number or an emoji`)
	}
	r.EmojiType, r.EmojiID = em.Type, em.ID
	opts := L.OptTable(3, L.NewTable())
	w := e.platform.World()
	if v := opts.RawGetString("user"); v != lua.LNil {
		u, ok := findUser(w, lua.LVAsString(v))
		if !ok {
			L.ArgError(3, fmt.Sprintf("no user %q (the simulator has %s)", lua.LVAsString(v), usernames(w)))
		}
		r.UserID = u.ID
	}
	if v := opts.RawGetString("channel"); v != lua.LNil {
		ch, ok := findChannel(w, lua.LVAsString(v))
		if !ok {
			L.ArgError(3, fmt.Sprintf("no channel %q", lua.LVAsString(v)))
		}
		r.ChannelID = ch
	}
	act := e.platform.React
	if fn == "sim.unreact" {
		act = e.platform.Unreact
	}
	if err := act(r); err != nil {
		L.RaiseError("%s: %v", fn, err)
	}
	s.waitBot(L, fn, func() error { return e.settle(s.ctx) })
	return 0
}

func (s *suite) member(L *lua.LState) int {
	e := s.current(L)
	w := e.platform.World()
	u, ok := findUser(w, L.CheckString(1))
	if !ok {
		L.ArgError(1, fmt.Sprintf("no user %q (the simulator has %s)", L.CheckString(1), usernames(w)))
	}
	var m struct {
		Nick  string   `json:"nick"`
		Roles []string `json:"roles"`
	}
	if err := e.api.Do(s.ctx, http.MethodGet, "/guilds/"+w.Guild.ID+"/members/"+u.ID, nil, nil, &m); err != nil {
		L.RaiseError("sim.member: %v", err)
	}
	names := s.roleNames(L, w.Guild.ID)
	var has []string
	for _, id := range m.Roles {
		if n, ok := names[id]; ok {
			has = append(has, n)
		} else {
			has = append(has, id)
		}
	}
	sort.Strings(has)
	t := L.NewTable()
	t.RawSetString("id", lua.LString(u.ID))
	t.RawSetString("username", lua.LString(u.Username))
	t.RawSetString("nick", lua.LString(m.Nick))
	list := L.NewTable()
	for _, n := range has {
		list.Append(lua.LString(n))
	}
	t.RawSetString("roles", list)
	L.Push(t)
	return 1
}

func (s *suite) roles(L *lua.LState) int {
	var list []string
	for _, n := range s.roleNames(L, s.current(L).platform.World().Guild.ID) {
		list = append(list, n)
	}
	sort.Strings(list)
	t := L.NewTable()
	for _, n := range list {
		t.Append(lua.LString(n))
	}
	L.Push(t)
	return 1
}

// roleNames maps the guild's role ids to names.
func (s *suite) roleNames(L *lua.LState, guildID string) map[string]string {
	var roles struct {
		Roles []struct{ ID, Name string } `json:"roles"`
	}
	if err := s.current(L).api.Do(s.ctx, http.MethodGet, "/guilds/"+guildID+"/roles", nil, nil, &roles); err != nil {
		L.RaiseError("sim: list roles: %v", err)
	}
	names := map[string]string{}
	for _, r := range roles.Roles {
		names[r.ID] = r.Name
	}
	return names
}

func (s *suite) world(L *lua.LState) int {
	w := s.current(L).platform.World()
	t := L.NewTable()
	t.RawSetString("bot", userTable(L, w.Bot))
	g := L.NewTable()
	g.RawSetString("id", lua.LString(w.Guild.ID))
	g.RawSetString("name", lua.LString(w.Guild.Name))
	g.RawSetString("owner_id", lua.LString(w.Guild.OwnerID))
	t.RawSetString("guild", g)
	chans := L.NewTable()
	for _, c := range w.Channels {
		ct := L.NewTable()
		ct.RawSetString("id", lua.LString(c.ID))
		ct.RawSetString("name", lua.LString(c.Name))
		chans.Append(ct)
	}
	t.RawSetString("channels", chans)
	users := L.NewTable()
	for _, u := range w.Users {
		users.Append(userTable(L, u))
	}
	t.RawSetString("users", users)
	groups := L.NewTable()
	for _, gr := range w.Groups {
		gt := L.NewTable()
		gt.RawSetString("openid", lua.LString(gr.OpenID))
		gt.RawSetString("name", lua.LString(gr.Name))
		groups.Append(gt)
	}
	t.RawSetString("groups", groups)
	L.Push(t)
	return 1
}

// findUser resolves a username, user id or openid.
func findUser(w sim.World, who string) (sim.User, bool) {
	for _, u := range w.Users {
		if u.Username == who || u.ID == who || u.OpenID == who {
			return u, true
		}
	}
	return sim.User{}, false
}

// findChannel resolves a channel name of the first guild, or passes an id
// through for the simulator to check.
func findChannel(w sim.World, where string) (string, bool) {
	for _, c := range w.Channels {
		if c.Name == where || c.ID == where {
			return c.ID, true
		}
	}
	if _, err := strconv.ParseUint(where, 10, 64); err == nil {
		return where, true
	}
	return "", false
}

func usernames(w sim.World) string {
	var names []string
	for _, u := range w.Users {
		names = append(names, strconv.Quote(u.Username))
	}
	return strings.Join(names, ", ")
}

func channelNames(w sim.World) string {
	var names []string
	for _, c := range w.Channels {
		names = append(names, strconv.Quote(c.Name))
	}
	return strings.Join(names, ", ")
}

func channelName(w sim.World, id string) string {
	for _, c := range w.Channels {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

func userTable(L *lua.LState, u sim.User) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("id", lua.LString(u.ID))
	t.RawSetString("username", lua.LString(u.Username))
	if u.OpenID != "" {
		t.RawSetString("openid", lua.LString(u.OpenID))
	}
	return t
}

// messageTable is a user's message as tests see it.
func messageTable(L *lua.LState, w sim.World, m sim.Message) *lua.LTable {
	t := L.NewTable()
	set := func(k, v string) {
		if v != "" {
			t.RawSetString(k, lua.LString(v))
		}
	}
	set("id", m.ID)
	set("content", m.Content)
	set("channel_id", m.ChannelID)
	set("channel", channelName(w, m.ChannelID))
	set("guild_id", m.GuildID)
	set("group_openid", m.GroupOpenID)
	set("user_openid", m.UserOpenID)
	set("event_id", m.EventID)
	scene := m.Scene
	if scene == "" {
		scene = sim.SceneGuild
	}
	set("scene", scene)
	t.RawSetString("author", userTable(L, m.Author))
	if len(m.Attachments) > 0 {
		list := L.CreateTable(len(m.Attachments), 0)
		for _, a := range m.Attachments {
			at := L.NewTable()
			at.RawSetString("url", lua.LString(a.URL))
			at.RawSetString("filename", lua.LString(a.Filename))
			at.RawSetString("content_type", lua.LString(a.ContentType))
			at.RawSetString("size", lua.LNumber(a.Size))
			list.Append(at)
		}
		t.RawSetString("attachments", list)
	}
	return t
}

// sentTable is a bot message: the stored message plus what the request
// carried (msg_id, event_id, msg_seq) and the decoded request body.
func sentTable(L *lua.LState, w sim.World, m sim.SentMessage) *lua.LTable {
	t := messageTable(L, w, m.Message)
	if m.MsgID != "" {
		t.RawSetString("msg_id", lua.LString(m.MsgID))
	}
	if m.EventID != "" {
		t.RawSetString("event_id", lua.LString(m.EventID))
	} else {
		t.RawSetString("event_id", lua.LNil)
	}
	if m.MsgSeq != 0 {
		t.RawSetString("msg_seq", lua.LNumber(m.MsgSeq))
	}
	if b := buttonsTable(L, m.Keyboard); b != lua.LNil {
		t.RawSetString("buttons", b)
	}
	if m.Stream != nil {
		st := L.NewTable()
		st.RawSetString("pieces", lua.LNumber(m.Stream.Pieces))
		st.RawSetString("finished", lua.LBool(m.Stream.Finished))
		t.RawSetString("stream", st)
	}
	var body any
	if json.Unmarshal(m.Body, &body) == nil {
		t.RawSetString("body", toLua(L, body))
	}
	return t
}

// toLua converts decoded JSON.
func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := L.NewTable()
		for k, x := range v {
			t.RawSetString(k, toLua(L, x))
		}
		return t
	case []any:
		t := L.CreateTable(len(v), 0)
		for _, x := range v {
			t.Append(toLua(L, x))
		}
		return t
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case bool:
		return lua.LBool(v)
	}
	return lua.LNil
}
