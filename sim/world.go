package sim

import "slices"

// World is what the simulated platform contains: one guild the bot has
// joined, its text channels and its human members. Server.World returns a
// copy; the world never changes while the server runs.
type World struct {
	Bot      User
	Guild    Guild
	Channels []Channel
	Members  []User // human members only; the bot is World.Bot
}

// User is a platform account. IDs are uint64 values written as decimal
// strings (§9).
type User struct {
	ID       string
	Username string
	Avatar   string
	Bot      bool
}

// Guild is a QQ channel guild (频道). MemberCount includes the bot.
type Guild struct {
	ID          string
	Name        string
	OwnerID     string
	MemberCount int
}

// Channel is a sub-channel of the guild. Type 0 is a text channel (§6.2).
type Channel struct {
	ID      string
	GuildID string
	Name    string
	Type    int
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
	guildMaxSize = 300
	avatarURL    = "http://thirdqq.qlogo.cn/0"
)

func newWorld() World {
	members := []User{
		{ID: "8143920175038461127", Username: "alice", Avatar: avatarURL},
		{ID: "8143920175038461293", Username: "bob", Avatar: avatarURL},
		{ID: "8143920175038461516", Username: "carol", Avatar: avatarURL},
	}
	return World{
		Bot:   User{ID: botUserID, Username: botUsername, Avatar: avatarURL, Bot: true},
		Guild: Guild{ID: guildID, Name: guildName, OwnerID: members[0].ID, MemberCount: len(members) + 1},
		Channels: []Channel{
			{ID: "635182047", GuildID: guildID, Name: "general", Type: 0},
			{ID: "635182048", GuildID: guildID, Name: "random", Type: 0},
		},
		Members: members,
	}
}

// clone returns a deep copy so callers cannot mutate the server's world.
func (w World) clone() World {
	w.Channels = slices.Clone(w.Channels)
	w.Members = slices.Clone(w.Members)
	return w
}

func (w *World) channel(id string) (Channel, bool) {
	for _, c := range w.Channels {
		if c.ID == id {
			return c, true
		}
	}
	return Channel{}, false
}

func (w *World) member(id string) (User, bool) {
	for _, u := range w.Members {
		if u.ID == id && !u.Bot {
			return u, true
		}
	}
	return User{}, false
}

// joinedAt is when a member joined the guild; the world is static, so a
// fixed date a little after the guild was created is accurate enough.
func (w *World) joinedAt(userID string) string {
	if userID == w.Guild.OwnerID {
		return "2024-02-29T09:30:00+08:00"
	}
	return guildJoined
}
