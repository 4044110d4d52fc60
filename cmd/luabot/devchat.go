package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/chzyer/readline"

	"github.com/luabot/luabot/sim"
)

// The chat of `luabot dev`: each line is posted by a simulated user, in a
// scene the chat's own commands (lines starting with ':') choose, so every
// scene a bot supports can be tried without curl.

const chatHelp = `:as NAME        speak as another user (a new name joins the guild first)
:in #CHANNEL    speak in a guild channel, @-mentioning the bot
:dm             speak in a direct message with the bot (from this guild)
:group          speak in the group chat, @-mentioning the bot
:c2c            speak in a one-to-one QQ chat with the bot
:react EMOJI    react to the bot's last message in this channel (👍, or a QQ face id)
:press LABEL    press the newest button with that label (!press LABEL too)
:advance 1h     move the clock on (s, m, h, d): timers and cron jobs due meanwhile fire
:help           this list
::text          send a line that starts with ':'`

// botState is what the chat reads of the host to know the bot has done
// everything a line set off.
type botState interface {
	Received() uint64
	Settled() bool
}

// chat is who the person at the terminal is and where they speak.
type chat struct {
	platform *sim.Server
	host     botState
	clock    *devClock
	out      io.Writer // what the user asked for: help, the clock
	errOut   io.Writer // mistakes in chat commands
	log      *slog.Logger

	user    sim.User
	scene   string      // sim.SceneGuild, SceneDM, SceneGroup or SceneC2C
	channel sim.Channel // the guild channel; a DM starts from its guild

	mu     sync.Mutex
	place  string         // where the chat is, as the printer names places
	posted map[string]int // message id → line number, to name what a late reply answers
	texts  map[int]string // line number → its text
	last   int            // number of the last line posted

	// shown counts the bot's messages the printer has written: settle
	// waits for it, or the next line could be posted before the answer
	// to this one is printed, which would then be labelled as late.
	shown atomic.Int64
}

func newChat(platform *sim.Server, h botState, clock *devClock, out, errOut io.Writer, log *slog.Logger) *chat {
	w := platform.World()
	c := &chat{platform: platform, host: h, clock: clock, out: out, errOut: errOut, log: log,
		user: w.Members[0], scene: sim.SceneGuild, channel: w.Channels[0],
		posted: map[string]int{}, texts: map[int]string{}}
	c.place = c.placeOf(sim.SceneGuild, c.channel.ID)
	return c
}

// prompt names the speaker and the place: "alice #general> ".
func (c *chat) prompt() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user.Username + " " + c.place + "> "
}

// placeOf names a place the way the chat shows it.
func (c *chat) placeOf(scene, channelID string) string {
	switch scene {
	case sim.SceneDM:
		return "dm"
	case sim.SceneGroup:
		return "group"
	case sim.SceneC2C:
		return "c2c"
	}
	for _, ch := range c.platform.World().Channels {
		if ch.ID == channelID {
			return "#" + ch.Name
		}
	}
	return "#" + channelID
}

// handle runs a chat command or posts the line where the chat is.
func (c *chat) handle(ctx context.Context, line string) {
	if rest, ok := strings.CutPrefix(line, "!press "); ok {
		press(c.platform, c.out, c.log, c.user.ID, strings.TrimSpace(rest))
		return
	}
	if strings.HasPrefix(line, "::") {
		c.post(ctx, line[1:])
		return
	}
	if !strings.HasPrefix(line, ":") {
		c.post(ctx, line)
		return
	}
	cmd, arg, _ := strings.Cut(line[1:], " ")
	arg = strings.TrimSpace(arg)
	var err error
	switch cmd {
	case "help", "h", "?":
		fmt.Fprintln(c.out, chatHelp)
	case "as":
		err = c.as(ctx, arg)
	case "in":
		err = c.in(arg)
	case "dm":
		c.move(sim.SceneDM)
	case "group":
		if len(c.platform.World().Groups) == 0 {
			err = errors.New("the simulator has no group chat")
		} else {
			c.move(sim.SceneGroup)
		}
	case "c2c":
		c.move(sim.SceneC2C)
	case "react":
		err = c.react(ctx, arg)
	case "press":
		press(c.platform, c.out, c.log, c.user.ID, arg)
	case "advance":
		err = c.advance(ctx, arg)
	default:
		err = fmt.Errorf("unknown chat command :%s (:help lists them; ::%s sends the line as text)", cmd, cmd)
	}
	if err != nil {
		fmt.Fprintln(c.errOut, "luabot dev:", err)
	}
}

func (c *chat) move(scene string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scene = scene
	c.place = c.placeOf(scene, c.channel.ID)
}

// as switches the speaker; a name nobody has joins the guild as a new
// member, which the bot hears as GUILD_MEMBER_ADD.
func (c *chat) as(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("usage: :as NAME")
	}
	for _, u := range c.platform.World().Users {
		if strings.EqualFold(u.Username, name) || u.ID == name {
			c.mu.Lock()
			c.user = u
			c.mu.Unlock()
			return nil
		}
	}
	u, err := c.platform.AddMember(c.channel.GuildID, name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.user = u
	c.mu.Unlock()
	fmt.Fprintf(c.out, "%s joined the guild (the bot gets GUILD_MEMBER_ADD)\n", u.Username)
	c.settle(ctx)
	return nil
}

// in moves the chat to a guild channel, by name or id.
func (c *chat) in(name string) error {
	name = strings.TrimPrefix(name, "#")
	var names []string
	for _, ch := range c.platform.World().Channels {
		if ch.Name == name || ch.ID == name {
			c.mu.Lock()
			c.channel = ch
			c.mu.Unlock()
			c.move(sim.SceneGuild)
			return nil
		}
		names = append(names, "#"+ch.Name)
	}
	if name == "" {
		return fmt.Errorf("usage: :in #CHANNEL (channels: %s)", strings.Join(names, ", "))
	}
	return fmt.Errorf("no channel #%s (channels: %s)", name, strings.Join(names, ", "))
}

// react reacts, as the speaker, to the bot's newest message in the chat's
// guild channel. A number is a QQ face id (type 1); anything else is a
// unicode emoji (type 2), named by its first code point.
func (c *chat) react(ctx context.Context, emoji string) error {
	if emoji == "" {
		return errors.New("usage: :react EMOJI (👍, or a QQ face id such as 4)")
	}
	c.mu.Lock()
	scene, channel, user := c.scene, c.channel, c.user
	c.mu.Unlock()
	if scene != sim.SceneGuild {
		return errors.New("reactions exist in guild channels only; :in #CHANNEL first")
	}
	r := sim.Reaction{ChannelID: channel.ID, UserID: user.ID, EmojiType: 1, EmojiID: emoji}
	if _, err := strconv.Atoi(emoji); err != nil {
		first, _ := utf8.DecodeRuneInString(emoji)
		r.EmojiType, r.EmojiID = 2, strconv.Itoa(int(first))
	}
	sent := c.platform.Sent()
	for i := len(sent) - 1; i >= 0 && r.MessageID == ""; i-- {
		if m := sent[i]; m.Scene == sim.SceneGuild && m.ChannelID == channel.ID {
			r.MessageID = m.ID
		}
	}
	if r.MessageID == "" {
		return fmt.Errorf("the bot has sent nothing in #%s to react to", channel.Name)
	}
	if err := c.platform.React(r); err != nil {
		return err
	}
	c.settle(ctx)
	return nil
}

// advance moves the shared clock on by a Go duration or a number of days.
func (c *chat) advance(ctx context.Context, arg string) error {
	d, err := time.ParseDuration(arg)
	if days, ok := strings.CutSuffix(arg, "d"); ok && err != nil {
		var n float64
		if n, err = strconv.ParseFloat(days, 64); err == nil {
			d = time.Duration(n * float64(24*time.Hour))
		}
	}
	switch {
	case arg == "":
		return errors.New("usage: :advance DURATION (such as 90s, 10m, 1h, 2d)")
	case err != nil:
		return fmt.Errorf(":advance %s: want a duration such as 90s, 10m, 1h or 2d", arg)
	case d <= 0:
		return errors.New(":advance: the clock only moves forward")
	}
	// Said before the jump, so it is printed before what the jump sets off.
	fmt.Fprintf(c.out, "the clock is now %s\n", c.clock.Now().Add(d).Format("2006-01-02 15:04:05 -07:00"))
	c.clock.Advance(d)
	c.settle(ctx)
	return nil
}

// post sends line as the speaker where the chat is, then waits for the
// bot to settle, so pasted lines are answered in order.
func (c *chat) post(ctx context.Context, line string) {
	c.mu.Lock()
	p := sim.Post{AuthorID: c.user.ID, Content: line, MentionBot: true, Scene: c.scene, ChannelID: c.channel.ID}
	c.mu.Unlock()
	m, err := c.platform.Post(p)
	if err != nil {
		fmt.Fprintln(c.errOut, "luabot dev:", err)
		return
	}
	c.mu.Lock()
	c.last++
	c.posted[m.ID] = c.last
	c.texts[c.last] = line
	c.mu.Unlock()
	c.settle(ctx)
}

// settle waits, for at most 3 s, until the bot has taken every event and
// can do nothing more until the next one (a handler asleep or waiting for
// a message counts as settled), and what it sent has been printed. It
// stops waiting when ctx ends: the host is stopping then, and what it left
// queued will never settle.
func (c *chat) settle(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for c.host.Received() < c.platform.Dispatched() || !c.host.Settled() || int(c.shown.Load()) < c.platform.SentCount() {
		select {
		case <-tick.C: // polling the host's counters, not synchronising a test
		case <-ctx.Done():
			return
		}
	}
}

// format renders a bot message: where it went when that is not where the
// chat is, which line it answers when that is not the newest, and every
// line of a multi-line text marked.
func (c *chat) format(m sim.SentMessage) string {
	c.mu.Lock()
	place := c.place
	n, isReply := c.posted[m.MsgID]
	last, text := c.last, c.texts[n]
	c.mu.Unlock()
	head := "bot> "
	if where := c.placeOf(m.Scene, m.ChannelID); where != place {
		head += "[" + where + "] "
	}
	if isReply && n != last {
		if utf8.RuneCountInString(text) > 20 {
			text = string([]rune(text)[:20]) + "…"
		}
		head += fmt.Sprintf("(to line %d %q) ", n, text)
	}
	lines := strings.Split(strings.TrimSpace(m.Content+extras(m)), "\n")
	return head + strings.Join(lines, "\n   | ") + "\n"
}

// chatInput reads the chat's lines: readline with editing and history on a
// terminal, a plain scanner otherwise (pipes, tests). Stdout and Stderr
// are where everything else printed during the chat must go, so that
// output and log lines do not tear the line being typed.
type chatInput struct {
	next   func(prompt string) (string, error)
	close  func()
	stdout io.Writer
	stderr io.Writer
}

func openChatInput(in io.Reader, out, errOut io.Writer) chatInput {
	if f, ok := in.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
		home, _ := os.UserHomeDir()
		rl, err := readline.NewEx(&readline.Config{
			HistoryFile: filepath.Join(home, ".luabot_chat_history"),
			Stdout:      out,
			Stderr:      errOut,
		})
		if err == nil {
			return chatInput{
				next: func(prompt string) (string, error) {
					rl.SetPrompt(prompt)
					return rl.Readline()
				},
				close:  func() { rl.Close() },
				stdout: rl.Stdout(),
				stderr: rl.Stderr(),
			}
		}
	}
	sc := bufio.NewScanner(in)
	return chatInput{
		next: func(string) (string, error) {
			if !sc.Scan() {
				return "", io.EOF
			}
			return sc.Text(), nil
		},
		close:  func() {},
		stdout: out,
		stderr: errOut,
	}
}
