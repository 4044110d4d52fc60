package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/luabot/luabot/sim"
)

// The chat sandbox: the console posts as a simulated user in any scene
// and shows the conversation, the user's messages it posted and every
// message the bot sent (read from the simulator in order). A
// conversation is keyed by scene: "guild:<channel id>", "dm:<user id>",
// "group:<group openid>", "c2c:<user id>".

const chatKept = 1000 // messages kept for the page

// ChatButton is a button of a bot message's keyboard.
type ChatButton struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Style int    `json:"style"`
}

// ChatAttachment is a file a message carries.
type ChatAttachment struct {
	URL         string `json:"url"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// ChatMessage is one message of the sandbox, user's or bot's, or a note
// (a reaction, a member who joined, a button pressed).
type ChatMessage struct {
	Seq       int       `json:"seq"`
	Kind      string    `json:"kind"` // "user", "bot" or "note"
	ID        string    `json:"id,omitempty"`
	Conv      string    `json:"conv"`
	Scene     string    `json:"scene"`
	ChannelID string    `json:"channel_id,omitempty"`
	Author    string    `json:"author"`
	Time      time.Time `json:"time"`
	Content   string    `json:"content"`

	Markdown    string           `json:"markdown,omitempty"`
	Embed       json.RawMessage  `json:"embed,omitempty"`
	Ark         json.RawMessage  `json:"ark,omitempty"`
	Image       string           `json:"image,omitempty"`
	Media       bool             `json:"media,omitempty"`
	Attachments []ChatAttachment `json:"attachments,omitempty"`
	Buttons     [][]ChatButton   `json:"buttons,omitempty"`
}

type chat struct {
	platform    Platform
	botMessages atomic.Uint64

	mu      sync.Mutex // guards the fields below; held across a Post (see post)
	seq     int
	msgs    []ChatMessage
	changed chan struct{}     // closed and replaced when msgs grows
	dmUser  map[string]string // DM guild id → user id, from the user's DMs
}

func newChat(p Platform) *chat {
	return &chat{platform: p, changed: make(chan struct{}), dmUser: map[string]string{}}
}

// appendLocked adds m; the caller holds mu.
func (c *chat) appendLocked(m ChatMessage) {
	c.seq++
	m.Seq = c.seq
	if m.Time.IsZero() {
		m.Time = time.Now()
	}
	if len(c.msgs) == chatKept {
		c.msgs = append(c.msgs[:0], c.msgs[1:]...)
	}
	c.msgs = append(c.msgs, m)
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *chat) add(m ChatMessage) {
	c.mu.Lock()
	c.appendLocked(m)
	c.mu.Unlock()
}

// since returns the messages after seq and the channel closed at the next
// change.
func (c *chat) since(seq int) ([]ChatMessage, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := len(c.msgs)
	for i > 0 && c.msgs[i-1].Seq > seq {
		i--
	}
	return append([]ChatMessage{}, c.msgs[i:]...), c.changed
}

// follow adds every message the bot sends, in order, until ctx ends.
func (c *chat) follow(ctx context.Context) {
	for i := 0; ; i++ {
		m, err := c.platform.WaitSent(ctx, i)
		if err != nil {
			return
		}
		c.botMessages.Add(1)
		c.mu.Lock()
		c.appendLocked(c.botMessage(m))
		c.mu.Unlock()
	}
}

// botMessage renders what the bot sent; the caller holds mu.
func (c *chat) botMessage(m sim.SentMessage) ChatMessage {
	out := ChatMessage{Kind: "bot", ID: m.ID, Scene: sceneOf(m.Message), ChannelID: m.ChannelID,
		Author: m.Author.Username, Content: m.Content}
	switch out.Scene {
	case sim.SceneGuild:
		out.Conv = "guild:" + m.ChannelID
	case sim.SceneDM:
		if u, ok := c.dmUser[m.GuildID]; ok {
			out.Conv = "dm:" + u
		} else {
			out.Conv = "dm:?" + m.GuildID
		}
	case sim.SceneGroup:
		out.Conv = "group:" + m.GroupOpenID
	case sim.SceneC2C:
		out.Conv = "c2c:" + c.userByOpenID(m.UserOpenID)
	}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, ChatAttachment{URL: a.URL, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size})
	}
	var body struct {
		Markdown *struct {
			Content    string          `json:"content"`
			TemplateID json.RawMessage `json:"custom_template_id"`
		} `json:"markdown"`
		Keyboard *struct {
			ID      string `json:"id"`
			Content *struct {
				Rows []struct {
					Buttons []struct {
						ID         string `json:"id"`
						RenderData struct {
							Label string `json:"label"`
							Style int    `json:"style"`
						} `json:"render_data"`
					} `json:"buttons"`
				} `json:"rows"`
			} `json:"content"`
		} `json:"keyboard"`
		Embed json.RawMessage `json:"embed"`
		Ark   json.RawMessage `json:"ark"`
		Image string          `json:"image"`
		Media json.RawMessage `json:"media"`
	}
	_ = json.Unmarshal(m.Body, &body) // the platform took it, so it is JSON; a part that is not shows nothing
	if md := body.Markdown; md != nil {
		out.Markdown = md.Content
		if out.Markdown == "" && len(md.TemplateID) > 0 {
			out.Markdown = "(markdown template " + strings.Trim(string(md.TemplateID), `"`) + ")"
		}
	}
	if kb := body.Keyboard; kb != nil && kb.Content != nil {
		for _, r := range kb.Content.Rows {
			var row []ChatButton
			for _, b := range r.Buttons {
				row = append(row, ChatButton{ID: b.ID, Label: b.RenderData.Label, Style: b.RenderData.Style})
			}
			out.Buttons = append(out.Buttons, row)
		}
	}
	if isObject(body.Embed) {
		out.Embed = body.Embed
	}
	if isObject(body.Ark) {
		out.Ark = body.Ark
	}
	out.Image = body.Image
	out.Media = isObject(body.Media)
	return out
}

func isObject(raw json.RawMessage) bool { return len(raw) > 0 && raw[0] == '{' }

func sceneOf(m sim.Message) string {
	if m.Scene == "" {
		return sim.SceneGuild
	}
	return m.Scene
}

func (c *chat) userByOpenID(openID string) string {
	for _, u := range c.platform.World().Users {
		if u.OpenID == openID {
			return u.ID
		}
	}
	return "?" + openID
}

// chatState is the sandbox's world and conversation, for the page.
type chatState struct {
	Available bool          `json:"available"`
	Bot       string        `json:"bot,omitempty"`
	Guild     string        `json:"guild,omitempty"` // its name
	Channels  []chatPlace   `json:"channels"`
	Groups    []chatPlace   `json:"groups"`
	Users     []chatPlace   `json:"users"`
	Messages  []ChatMessage `json:"messages"`
}

// chatPlace is a channel, group or user: its id and its name.
type chatPlace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (c *Console) getChat(w http.ResponseWriter, r *http.Request) {
	st := chatState{Channels: []chatPlace{}, Groups: []chatPlace{}, Users: []chatPlace{}, Messages: []ChatMessage{}}
	if c.chat != nil {
		world := c.cfg.Platform.World()
		st.Available, st.Bot, st.Guild = true, world.Bot.Username, world.Guild.Name
		for _, ch := range world.Channels {
			if ch.Type == 0 {
				st.Channels = append(st.Channels, chatPlace{ch.ID, ch.Name})
			}
		}
		for _, g := range world.Groups {
			st.Groups = append(st.Groups, chatPlace{g.OpenID, g.Name})
		}
		for _, u := range world.Members {
			st.Users = append(st.Users, chatPlace{u.ID, u.Username})
		}
		st.Messages, _ = c.chat.since(0)
	}
	writeJSON(w, http.StatusOK, st)
}

func (c *Console) needChat(w http.ResponseWriter) bool {
	if c.chat == nil {
		writeError(w, http.StatusNotFound, "no simulator: the chat sandbox works in luabot dev")
		return false
	}
	return true
}

type postRequest struct {
	Scene     string `json:"scene"`      // guild, dm, group, c2c
	ChannelID string `json:"channel_id"` // guild: the channel; dm: the guild's channel the DM starts from
	GroupID   string `json:"group_openid"`
	UserID    string `json:"user_id"`
	Content   string `json:"content"`
	Mention   bool   `json:"mention"` // guild: @-mention the bot
}

func (c *Console) postMessage(w http.ResponseWriter, r *http.Request) {
	var req postRequest
	if !c.needChat(w) || !readJSON(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Content) == "" {
		writeError(w, http.StatusBadRequest, "an empty message is not sent")
		return
	}
	p := sim.Post{Scene: req.Scene, ChannelID: req.ChannelID, GroupOpenID: req.GroupID, AuthorID: req.UserID,
		Content: req.Content, MentionBot: req.Mention}
	ch := c.chat
	// mu is held across Post so that the user's message is listed before
	// the bot's answer to it, which follow adds under mu.
	ch.mu.Lock()
	m, err := c.cfg.Platform.Post(p)
	if err == nil {
		msg := ChatMessage{Kind: "user", ID: m.ID, Scene: sceneOf(m), ChannelID: m.ChannelID, Author: m.Author.Username, Content: req.Content}
		switch msg.Scene {
		case sim.SceneGuild:
			msg.Conv = "guild:" + m.ChannelID
		case sim.SceneDM:
			msg.Conv = "dm:" + m.Author.ID
			ch.dmUser[m.GuildID] = m.Author.ID
		case sim.SceneGroup:
			msg.Conv = "group:" + m.GroupOpenID
		case sim.SceneC2C:
			msg.Conv = "c2c:" + m.Author.ID
		}
		ch.appendLocked(msg)
	}
	ch.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": m.ID})
}

type pressRequest struct {
	MessageID string `json:"message_id"`
	ButtonID  string `json:"button_id"`
	UserID    string `json:"user_id"`
}

func (c *Console) postPress(w http.ResponseWriter, r *http.Request) {
	var req pressRequest
	if !c.needChat(w) || !readJSON(w, r, &req) {
		return
	}
	in, err := c.cfg.Platform.Press(sim.Press{MessageID: req.MessageID, ButtonID: req.ButtonID, UserID: req.UserID})
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"interaction_id": in.ID})
}

type reactRequest struct {
	ChannelID string `json:"channel_id"`
	MessageID string `json:"message_id"`
	UserID    string `json:"user_id"`
	Emoji     string `json:"emoji"` // a system face id ("4") or an emoji ("👍")
}

func (c *Console) postReaction(w http.ResponseWriter, r *http.Request) {
	var req reactRequest
	if !c.needChat(w) || !readJSON(w, r, &req) {
		return
	}
	rc := sim.Reaction{ChannelID: req.ChannelID, MessageID: req.MessageID, UserID: req.UserID, EmojiType: 1, EmojiID: req.Emoji}
	if req.Emoji != "" && (req.Emoji[0] < '0' || req.Emoji[0] > '9') {
		rc.EmojiType, rc.EmojiID = 2, fmt.Sprint([]rune(req.Emoji)[0])
	}
	if err := c.cfg.Platform.React(rc); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	c.chat.add(ChatMessage{Kind: "note", Conv: "guild:" + req.ChannelID, Scene: sim.SceneGuild, ChannelID: req.ChannelID,
		Author: c.userName(req.UserID), Content: "reacted " + req.Emoji + " to a message"})
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

type memberRequest struct {
	Username string `json:"username"`
}

func (c *Console) postMember(w http.ResponseWriter, r *http.Request) {
	var req memberRequest
	if !c.needChat(w) || !readJSON(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Username) == "" {
		writeError(w, http.StatusBadRequest, "name the new member")
		return
	}
	world := c.cfg.Platform.World()
	u, err := c.cfg.Platform.AddMember(world.Guild.ID, req.Username)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	for _, ch := range world.Channels {
		if ch.Type == 0 {
			c.chat.add(ChatMessage{Kind: "note", Conv: "guild:" + ch.ID, Scene: sim.SceneGuild, ChannelID: ch.ID,
				Author: u.Username, Content: u.Username + " joined " + world.Guild.Name})
			break
		}
	}
	writeJSON(w, http.StatusOK, chatPlace{u.ID, u.Username})
}

func (c *Console) userName(id string) string {
	for _, u := range c.cfg.Platform.World().Users {
		if u.ID == id {
			return u.Username
		}
	}
	return id
}
