package bindings

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/gateway"
)

// Event builds the object a handler receives: the event's d table plus
// type, event_id, scene and text, with the methods reply and raw.
func (g *Globals) Event(L *lua.LState, ev gateway.Event) (lua.LValue, error) {
	return g.ev.build(L, ev)
}

type eventBuilder struct {
	b       *binder
	methods *lua.LTable
	mt      *lua.LTable
	seq     replySeq
}

func newEventBuilder(b *binder) *eventBuilder {
	e := &eventBuilder{b: b, seq: replySeq{counts: map[string]seqEntry{}}}
	L := b.L
	e.methods = L.NewTable()
	e.methods.RawSetString("reply", b.async.wrap(L, e.reply))
	e.methods.RawSetString("raw", L.NewFunction(e.raw))
	e.mt = L.NewTable()
	e.mt.RawSetString("__index", e.methods)
	e.mt.RawSetString("__metatable", lua.LString("luabot.event"))
	return e
}

// rawKey is where the event keeps its original payload, out of reach of
// scripts (a Go-only userdata), for ev:raw().
const rawKey = "\x00raw"

func (e *eventBuilder) build(L *lua.LState, ev gateway.Event) (lua.LValue, error) {
	var t *lua.LTable
	if len(ev.Data) > 0 {
		d, err := e.b.codec.decode(L, ev.Data, true)
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", ev.Type, err)
		}
		t, _ = d.(*lua.LTable)
	}
	if t == nil {
		t = L.NewTable()
	}
	t.Metatable = e.mt
	t.RawSetString("type", lua.LString(ev.Type))
	if ev.ID != "" {
		t.RawSetString("event_id", lua.LString(ev.ID))
	}
	if scene := sceneOf(ev.Type, t); scene != "" {
		t.RawSetString("scene", lua.LString(scene))
	}
	if content, ok := t.RawGetString("content").(lua.LString); ok {
		t.RawSetString("text", lua.LString(stripMention(string(content))))
	}
	ud := L.NewUserData()
	ud.Value = []byte(ev.Data)
	t.RawSetString(rawKey, ud)
	return t, nil
}

// raw implements ev:raw(): a fresh plain table of the payload, for pairs,
// mutation or json.encode.
func (e *eventBuilder) raw(L *lua.LState) int {
	t := L.CheckTable(1)
	ud, ok := t.RawGetString(rawKey).(*lua.LUserData)
	data, _ := ud.Value.([]byte)
	if !ok || len(data) == 0 {
		L.Push(L.NewTable())
		return 1
	}
	v, err := e.b.codec.decode(L, data, true)
	if err != nil {
		return e.b.fail(L, err)
	}
	L.Push(v)
	return 1
}

var leadingMention = regexp.MustCompile(`^\s*(<@!?\w+>\s*)+`)

// stripMention removes the leading @bot mention(s) and surrounding spaces.
func stripMention(s string) string {
	return strings.TrimSpace(leadingMention.ReplaceAllString(s, ""))
}

func sceneOf(eventType string, t *lua.LTable) string {
	switch eventType {
	case "AT_MESSAGE_CREATE", "MESSAGE_CREATE":
		return "guild"
	case "DIRECT_MESSAGE_CREATE":
		return "dm"
	case "GROUP_AT_MESSAGE_CREATE", "GROUP_ADD_ROBOT", "GROUP_MSG_RECEIVE":
		return "group"
	case "C2C_MESSAGE_CREATE", "FRIEND_ADD", "C2C_MSG_RECEIVE":
		return "c2c"
	case "INTERACTION_CREATE":
		if s, ok := t.RawGetString("scene").(lua.LString); ok {
			return string(s)
		}
	}
	return ""
}

// reply implements ev:reply(msg): a passive reply in the event's own place.
func (e *eventBuilder) reply(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok || t.Metatable != e.mt {
		raise(L, "reply must be called as ev:reply(msg)")
	}
	body := e.b.messageBody(L, 2)
	path, ref, err := replyTarget(t)
	if err != nil {
		raise(L, "%v", err)
	}
	// The platform answers the same msg_id/msg_seq pair twice with an error,
	// so every reply to one source gets the next number.
	if ref.msgID != "" {
		body["msg_id"] = ref.msgID
	} else {
		body["event_id"] = ref.eventID
	}
	if _, set := body["msg_seq"]; !set {
		body["msg_seq"] = e.seq.next(ref.msgID + "|" + ref.eventID)
	}
	if strings.HasPrefix(path, "/v2/") {
		if _, set := body["msg_type"]; !set {
			body["msg_type"] = 0
		}
	}
	return e.b.rest(L, http.MethodPost, path, nil, body)
}

type replyRef struct{ msgID, eventID string }

// replyTarget picks the endpoint and the passive-reply id for an event.
func replyTarget(t *lua.LTable) (string, replyRef, error) {
	str := func(tb *lua.LTable, keys ...string) string {
		for _, k := range keys {
			if s, ok := tb.RawGetString(k).(lua.LString); ok && s != "" {
				return string(s)
			}
		}
		return ""
	}
	author, _ := t.RawGetString("author").(*lua.LTable)
	if author == nil {
		author = &lua.LTable{}
	}
	evType := str(t, "type")
	msg := replyRef{msgID: str(t, "id")}
	byEvent := replyRef{eventID: str(t, "event_id")}
	seg := url.PathEscape
	switch evType {
	case "AT_MESSAGE_CREATE", "MESSAGE_CREATE":
		return "/channels/" + seg(str(t, "channel_id")) + "/messages", msg, nil
	case "DIRECT_MESSAGE_CREATE":
		return "/dms/" + seg(str(t, "guild_id")) + "/messages", msg, nil
	case "GROUP_AT_MESSAGE_CREATE":
		return "/v2/groups/" + seg(str(t, "group_openid", "group_id")) + "/messages", msg, nil
	case "C2C_MESSAGE_CREATE":
		return "/v2/users/" + seg(str(author, "user_openid", "id")) + "/messages", msg, nil
	}
	switch sceneOf(evType, t) {
	case "group":
		return "/v2/groups/" + seg(str(t, "group_openid", "group_id")) + "/messages", byEvent, nil
	case "c2c":
		return "/v2/users/" + seg(str(t, "user_openid", "openid")) + "/messages", byEvent, nil
	}
	if ch := str(t, "channel_id"); ch != "" && byEvent.eventID != "" {
		return "/channels/" + seg(ch) + "/messages", byEvent, nil
	}
	return "", replyRef{}, fmt.Errorf("cannot reply to a %s event: it has no place to answer in; use qq.send", evType)
}

// replySeq numbers replies per source message. Entries older than the
// longest reply window are dropped, so the map stays small.
type replySeq struct {
	counts map[string]seqEntry
}

type seqEntry struct {
	n    int
	last time.Time
}

const replyWindow = time.Hour

func (r *replySeq) next(key string) int {
	now := time.Now()
	if len(r.counts) > 1024 {
		for k, e := range r.counts {
			if now.Sub(e.last) > replyWindow {
				delete(r.counts, k)
			}
		}
	}
	e := r.counts[key]
	e.n++
	e.last = now
	r.counts[key] = e
	return e.n
}
