package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
)

// World is a snapshot of what the simulated platform contains. Guild,
// Channels and Members describe the first guild (the sandbox every test
// starts with); Guilds, Groups and Users cover everything. Server.World
// returns a deep copy; the live world changes through the REST API, the
// control API and methods such as AddMember and JoinGuild.
type World struct {
	Bot      User
	Guild    Guild     // the first guild
	Channels []Channel // text channels of Guild, in position order
	Members  []User    // human members of Guild; the bot is World.Bot

	Guilds []Guild // every guild the bot is in, ascending id
	Groups []Group // group chats the bot is in
	Users  []User  // every human account, in creation order
}

// User is a platform account. IDs are uint64 values written as decimal
// strings (§9). OpenID is the 32-hex id the same person has in group and
// C2C chats with this bot; it is empty for the bot.
type User struct {
	ID       string
	Username string
	Avatar   string
	Bot      bool
	OpenID   string
}

// Guild is a QQ channel guild (频道). MemberCount includes the bot.
type Guild struct {
	ID          string
	Name        string
	OwnerID     string
	MemberCount int
}

// Channel is a sub-channel of a guild. Type 0 is a text channel, 4 a
// category (§6.2).
type Channel struct {
	ID       string
	GuildID  string
	Name     string
	Type     int
	SubType  int
	ParentID string
}

// Group is a QQ group chat the bot was added to. Members are user openids.
type Group struct {
	OpenID  string
	Name    string
	Members []string
}

// Role is a guild role (§7.1). The default roles are "1" (everyone), "2"
// (admin), "4" (owner) and "5" (sub-channel admin).
type Role struct {
	ID          string
	Name        string
	Color       uint32
	Hoist       bool
	Number      int
	MemberLimit int
}

// Fixed world values. They are constants, not random, so that logs, golden
// files and shard arithmetic in tests are reproducible; message ids, tokens
// and session ids are random instead.
const (
	botUserID    = "4917368925047136013"
	botUsername  = "luabot-sim"
	guildID      = "7289561040372658201"
	guildName    = "luabot sandbox"
	guildJoined  = "2024-03-01T10:00:00+08:00"
	ownerJoined  = "2024-02-29T09:30:00+08:00"
	guildMaxSize = 300
	avatarURL    = "http://thirdqq.qlogo.cn/0"
	firstNewID   = 9100000000000000000 // ids minted at run time count up from here
)

// The live model, guarded by Server.mu. Everything the REST API can change
// lives here; snapshots are built by world.snapshot.
type world struct {
	bot      User
	users    []*User // humans, creation order
	guilds   []*guildState
	channels map[string]*channelState
	groups   []*groupState
	dms      map[string]*dmSession // by DM guild id
	nextID   uint64
	joinSeq  int // minutes after guildJoined, so member join times differ
}

type guildState struct {
	Guild
	joinedAt   string // when the bot joined
	channels   []*channelState
	members    []*memberState // humans and the bot
	roles      []*roleState
	announces  *announce
	nextRoleID int
}

type memberState struct {
	user      *User
	nick      string
	roles     []string
	joinedAt  string
	muteUntil time.Time
}

type channelState struct {
	Channel
	position        int
	ownerID         string
	privateType     int
	speakPermission int
	applicationID   string
	pins            []string
	voice           *voiceState // who is in a voice or live channel (rest_voice.go)
	schedules       []*schedule // rest_schedules.go, creation order
	threads         []*thread   // forum threads (rest_forums.go), creation order
}

type roleState struct {
	Role
}

type groupState struct {
	Group
}

// dmSession is a guild direct-message session (POST /users/@me/dms): a
// private guild with one channel between the bot and one user.
type dmSession struct {
	guildID    string
	channelID  string
	userID     string
	srcGuildID string
	created    time.Time
}

type announce struct {
	channelID, messageID string
	announcesType        int
	recommend            []recommendChannel
}

type recommendChannel struct {
	ChannelID string `json:"channel_id"`
	Introduce string `json:"introduce"`
}

// openID derives a stable 32-hex openid for a user or group, as the
// platform issues one per bot (§9).
func openID(kind, id string) string {
	sum := sha256.Sum256([]byte(kind + ":" + id))
	return strings.ToUpper(hex.EncodeToString(sum[:16]))
}

func newWorldState() *world {
	w := &world{
		bot:      User{ID: botUserID, Username: botUsername, Avatar: avatarURL, Bot: true},
		channels: make(map[string]*channelState),
		dms:      make(map[string]*dmSession),
		nextID:   firstNewID,
	}
	for _, u := range []User{
		{ID: "8143920175038461127", Username: "alice"},
		{ID: "8143920175038461293", Username: "bob"},
		{ID: "8143920175038461516", Username: "carol"},
	} {
		w.addUser(u.ID, u.Username)
	}
	g := w.addGuild(guildID, guildName, w.users[0].ID, guildJoined)
	w.addChannel(g, "635182047", "general", 0)
	w.addChannel(g, "635182048", "random", 0)
	for _, u := range w.users {
		w.addMember(g, u)
	}
	members := make([]string, len(w.users))
	for i, u := range w.users {
		members[i] = u.OpenID
	}
	w.groups = append(w.groups, &groupState{Group{OpenID: openID("group", "1"), Name: "luabot group", Members: members}})
	return w
}

func (w *world) mintID() string {
	w.nextID++
	return strconv.FormatUint(w.nextID, 10)
}

func (w *world) addUser(id, name string) *User {
	if id == "" {
		id = w.mintID()
	}
	u := &User{ID: id, Username: name, Avatar: avatarURL, OpenID: openID("user", id)}
	w.users = append(w.users, u)
	return u
}

func (w *world) addGuild(id, name, ownerID, joinedAt string) *guildState {
	g := &guildState{Guild: Guild{ID: id, Name: name, OwnerID: ownerID}, joinedAt: joinedAt, nextRoleID: 10177739}
	for _, r := range []Role{
		{ID: "1", Name: "普通成员", Color: 4278245297, MemberLimit: 1000},
		{ID: "2", Name: "管理员", Color: 4294927682, Hoist: true, MemberLimit: 50},
		{ID: "4", Name: "创建者", Color: 4294960667, Hoist: true, MemberLimit: 1},
		{ID: "5", Name: "子频道管理员", Color: 4288002530, Hoist: true, MemberLimit: 50},
	} {
		g.roles = append(g.roles, &roleState{r})
	}
	g.members = append(g.members, &memberState{user: &w.bot, roles: []string{"1"}, joinedAt: joinedAt})
	w.guilds = append(w.guilds, g)
	slices.SortFunc(w.guilds, func(a, b *guildState) int { return compareIDs(a.ID, b.ID) })
	return g
}

func (w *world) addChannel(g *guildState, id, name string, typ int) *channelState {
	if id == "" {
		id = w.mintID()
	}
	c := &channelState{
		Channel:         Channel{ID: id, GuildID: g.ID, Name: name, Type: typ},
		position:        len(g.channels),
		ownerID:         g.OwnerID,
		speakPermission: 1,
	}
	g.channels = append(g.channels, c)
	w.channels[id] = c
	return c
}

func (w *world) removeChannel(c *channelState) {
	delete(w.channels, c.ID)
	if g := w.guild(c.GuildID); g != nil {
		g.channels = slices.DeleteFunc(g.channels, func(x *channelState) bool { return x == c })
	}
}

// addMember makes u a member; the first member added after the owner
// joined gets a join time a minute later than the previous one.
func (w *world) addMember(g *guildState, u *User) *memberState {
	joined := ownerJoined
	roles := []string{"1"}
	if u.ID == g.OwnerID {
		roles = []string{"1", "4"}
	} else {
		w.joinSeq++
		t, _ := time.Parse(time.RFC3339, guildJoined)
		joined = timestamp(t.Add(time.Duration(w.joinSeq) * time.Minute))
	}
	m := &memberState{user: u, roles: roles, joinedAt: joined}
	g.members = append(g.members, m)
	return m
}

func (w *world) guild(id string) *guildState {
	for _, g := range w.guilds {
		if g.ID == id {
			return g
		}
	}
	return nil
}

func (w *world) user(id string) *User {
	for _, u := range w.users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

// userByAny finds a user by id, openid or username.
func (w *world) userByAny(x string) *User {
	if u := w.user(x); u != nil {
		return u
	}
	if u := w.userByOpenID(x); u != nil {
		return u
	}
	for _, u := range w.users {
		if u.Username == x {
			return u
		}
	}
	return nil
}

func (w *world) userByOpenID(id string) *User {
	for _, u := range w.users {
		if u.OpenID == id {
			return u
		}
	}
	return nil
}

func (w *world) group(id string) *groupState {
	for _, g := range w.groups {
		if g.OpenID == id {
			return g
		}
	}
	return nil
}

func (g *guildState) member(userID string) *memberState {
	for _, m := range g.members {
		if m.user.ID == userID {
			return m
		}
	}
	return nil
}

func (g *guildState) role(id string) *roleState {
	for _, r := range g.roles {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func (g *guildState) snapshot() Guild {
	out := g.Guild
	out.MemberCount = len(g.members)
	return out
}

// snapshot deep-copies the live world. The caller holds Server.mu.
func (w *world) snapshot() World {
	out := World{Bot: w.bot}
	for _, g := range w.guilds {
		out.Guilds = append(out.Guilds, g.snapshot())
	}
	for _, u := range w.users {
		out.Users = append(out.Users, *u)
	}
	for _, g := range w.groups {
		gr := g.Group
		gr.Members = slices.Clone(gr.Members)
		out.Groups = append(out.Groups, gr)
	}
	if g := w.guild(guildID); g != nil {
		out.Guild = g.snapshot()
		for _, c := range g.channels {
			out.Channels = append(out.Channels, c.Channel)
		}
		for _, m := range g.members {
			if !m.user.Bot {
				out.Members = append(out.Members, *m.user)
			}
		}
	}
	return out
}

// compareIDs orders decimal ids numerically.
func compareIDs(a, b string) int {
	x, _ := strconv.ParseUint(a, 10, 64)
	y, _ := strconv.ParseUint(b, 10, 64)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
