package sim

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Forum threads (§7.1) in forum channels (type 10007).
//
// The platform keeps a thread's title and content as JSON-encoded rich
// text and serves them so (§6.2, §14.11), whatever format they were
// published in. The simulator converts on PUT: text, HTML and markdown
// become one text paragraph per line, unrendered; JSON content (format 4)
// is kept as sent. The platform publishes after an audit, which PUT's
// task_id refers to; here the thread exists when PUT returns.

// Thread formats of PUT /channels/{channel_id}/threads.
const (
	threadText     = 1
	threadHTML     = 2
	threadMarkdown = 3
	threadJSON     = 4
)

type thread struct {
	id, authorID   string
	title, content string // rich text JSON
	dateTime       string // RFC3339
}

type wireThread struct {
	GuildID    string         `json:"guild_id"`
	ChannelID  string         `json:"channel_id"`
	AuthorID   string         `json:"author_id"`
	ThreadInfo wireThreadInfo `json:"thread_info"`
}

type wireThreadInfo struct {
	ThreadID string `json:"thread_id"`
	Title    string `json:"title"`
	Content  string `json:"content"`
	DateTime string `json:"date_time"`
}

// richText is the platform's rich-text document: paragraphs of elements,
// element type 1 being text (§6.2).
type richText struct {
	Paragraphs []richParagraph `json:"paragraphs"`
}

type richParagraph struct {
	Elems []richElem `json:"elems"`
	Props struct{}   `json:"props"`
}

type richElem struct {
	Type int          `json:"type"`
	Text richTextElem `json:"text"`
}

type richTextElem struct {
	Text string `json:"text"`
}

// toRichText wraps plain text as rich text, a paragraph per line.
func toRichText(s string) string {
	var rt richText
	for line := range strings.SplitSeq(s, "\n") {
		rt.Paragraphs = append(rt.Paragraphs, richParagraph{Elems: []richElem{{Type: 1, Text: richTextElem{Text: line}}}})
	}
	b, _ := marshal(rt) // plain structs of strings cannot fail to encode
	return string(b)
}

func isForum(ch *channelState) bool { return ch.Type == channelForum }

func toWireThread(ch *channelState, t *thread) wireThread {
	return wireThread{GuildID: ch.GuildID, ChannelID: ch.ID, AuthorID: t.authorID,
		ThreadInfo: wireThreadInfo{ThreadID: t.id, Title: t.title, Content: t.content, DateTime: t.dateTime}}
}

// getThreads answers GET /channels/{channel_id}/threads with every thread,
// newest first, and is_finish 1: the simulator never pages.
func (s *Server) getThreads(c *call) {
	ch := s.lockChannelOf(c, "forum channel", isForum)
	if ch == nil {
		return
	}
	defer s.mu.Unlock()
	out := make([]wireThread, 0, len(ch.threads))
	for _, t := range slices.Backward(ch.threads) {
		out = append(out, toWireThread(ch, t))
	}
	c.json(http.StatusOK, map[string]any{"threads": out, "is_finish": 1})
}

// lockThread is lockChannel for a forum channel and the path's thread
// (404/404 when it does not exist).
func (s *Server) lockThread(c *call) (*channelState, *thread) {
	ch := s.lockChannelOf(c, "forum channel", isForum)
	if ch == nil {
		return nil, nil
	}
	id := c.r.PathValue("thread_id")
	for _, t := range ch.threads {
		if t.id == id {
			return ch, t
		}
	}
	s.mu.Unlock()
	c.fail(http.StatusNotFound, codeNotFound, "thread not found")
	return nil, nil
}

// getThread answers GET /channels/{channel_id}/threads/{thread_id} with
// {"thread": Thread}.
func (s *Server) getThread(c *call) {
	ch, t := s.lockThread(c)
	if t == nil {
		return
	}
	defer s.mu.Unlock()
	c.json(http.StatusOK, map[string]wireThread{"thread": toWireThread(ch, t)})
}

// putThread answers PUT /channels/{channel_id}/threads with {task_id,
// create_time} (unix seconds as a string, §9) and dispatches
// FORUM_THREAD_CREATE (intent 1<<28).
func (s *Server) putThread(c *call) {
	var req struct {
		Title   string `json:"title"`
		Content string `json:"content"`
		Format  int    `json:"format"`
	}
	if _, ok := c.decode(&req); !ok {
		return
	}
	var msg string
	switch {
	case req.Title == "":
		msg = "title is required"
	case req.Content == "":
		msg = "content is required"
	case req.Format < threadText || req.Format > threadJSON:
		msg = "format must be 1 (text), 2 (html), 3 (markdown) or 4 (json)"
	case req.Format == threadJSON && !json.Valid([]byte(req.Content)):
		msg = "content of format 4 must be rich-text JSON"
	}
	if msg != "" {
		c.fail(http.StatusBadRequest, codeRequestInvalid, msg)
		return
	}
	content := req.Content
	if req.Format != threadJSON {
		content = toRichText(content)
	}
	ch := s.lockChannelOf(c, "forum channel", isForum)
	if ch == nil {
		return
	}
	now := s.now()
	t := &thread{id: "B_" + hex.EncodeToString(randomBytes(16)), authorID: s.w.bot.ID,
		title: toRichText(req.Title), content: content, dateTime: timestamp(now)}
	ch.threads = append(ch.threads, t)
	d := toWireThread(ch, t)
	s.mu.Unlock()
	c.json(http.StatusOK, map[string]string{"task_id": hex.EncodeToString(randomBytes(8)),
		"create_time": strconv.FormatInt(now.Unix(), 10)})
	s.forumEvent("FORUM_THREAD_CREATE", d)
}

// deleteThread answers DELETE /channels/{channel_id}/threads/{thread_id}
// with 204 and dispatches FORUM_THREAD_DELETE.
func (s *Server) deleteThread(c *call) {
	ch, t := s.lockThread(c)
	if t == nil {
		return
	}
	ch.threads = slices.DeleteFunc(ch.threads, func(x *thread) bool { return x == t })
	d := toWireThread(ch, t)
	s.mu.Unlock()
	c.noContent()
	s.forumEvent("FORUM_THREAD_DELETE", d)
}

func (s *Server) forumEvent(t string, d wireThread) {
	if err := s.publish(event{t: t, intent: IntentForums, guildID: d.GuildID, scene: SceneGuild, d: d}); err != nil {
		s.log.Debug("publish", "t", t, "err", err)
	}
}
