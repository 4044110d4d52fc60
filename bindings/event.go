package bindings

import (
	"fmt"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/dispatch"
)

// Event builds the object a handler receives: the event's d table plus
// type, event_id, scene and text, with the methods reply and raw.
func (g *Globals) Event(L *lua.LState, ev dispatch.Event) (lua.LValue, error) {
	return g.ev.build(L, ev)
}

type eventBuilder struct {
	b       *binder
	methods *lua.LTable
	mt      *lua.LTable
	smt     *lua.LTable // streams' metatable (stream.go), made on first use
	seq     replySeq
}

func newEventBuilder(b *binder) *eventBuilder {
	e := &eventBuilder{b: b}
	L := b.L
	e.methods = L.CreateTable(0, 4)
	e.methods.RawSetString("reply", b.async.wrap(L, e.reply))
	e.methods.RawSetString("raw", L.NewFunction(e.raw))
	e.methods.RawSetString("ack", L.NewFunction(e.ack))
	e.methods.RawSetString("stream", L.NewFunction(e.stream))
	e.mt = L.CreateTable(0, 2)
	e.mt.RawSetString("__index", L.NewFunction(e.index))
	e.mt.RawSetString("__metatable", lua.LString("luabot.event"))
	return e
}

// rawKey is where the event keeps its payload, out of reach of scripts (a
// Go-only userdata): fields are decoded from it on first use, and ev:raw()
// decodes all of it.
const rawKey = "\x00raw"

// lazyPayload is an event's d: the bytes and where each top-level field is,
// and when the event arrived (for ev:reply's window).
type lazyPayload struct {
	data     []byte
	idx      fieldIndex
	received time.Time
	eventID  string // the dispatch envelope's id, for the reply share
}

func (e *eventBuilder) build(L *lua.LState, ev dispatch.Event) (lua.LValue, error) {
	t := L.CreateTable(0, 8)
	lp := &lazyPayload{data: ev.Data, received: ev.Received, eventID: ev.ID}
	if lp.received.IsZero() {
		lp.received = e.b.env.Clock.Now()
	}
	if d := trimSpace(ev.Data); len(d) > 0 && d[0] == '{' {
		idx, err := indexObject(d)
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", ev.Type, err)
		}
		lp.data, lp.idx = d, idx
	}
	ud := L.NewUserData()
	ud.Value = lp
	t.RawSetString(rawKey, ud)
	t.Metatable = e.mt
	t.RawSetString("type", lua.LString(ev.Type))
	if ev.ID != "" {
		t.RawSetString("event_id", lua.LString(ev.ID))
	}
	if scene := sceneOf(ev.Type, func(k string) lua.LValue { return e.peek(L, t, k) }); scene != "" {
		t.RawSetString("scene", lua.LString(scene))
	}
	if ev.Type == InteractionEvent {
		e.buttonFields(L, t)
	}
	if content, ok := e.peek(L, t, "content").(lua.LString); ok {
		t.RawSetString("text", lua.LString(stripMention(string(content))))
	}
	return t, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// field returns ev[k], decoding it from the payload on first use.
func (e *eventBuilder) field(L *lua.LState, t *lua.LTable, k string) lua.LValue {
	if v := t.RawGetString(k); v != lua.LNil {
		return v
	}
	v := e.decode(L, t, k, true)
	if v != lua.LNil {
		// Cache it: the next read is a plain table lookup, and a nested
		// table keeps its identity.
		t.RawSetString(k, v)
	}
	return v
}

// peek is field for the host's own reads (ev.text, a reply's target): it
// decodes the field without caching it in the event table. gopher-lua keeps
// a table's string keys three times (a map, a list for next() and the
// list's index), and only the first is made at the size asked for: the
// four fields a reply reads, cached, took the table past eight keys and
// grew all three, for every message.
func (e *eventBuilder) peek(L *lua.LState, t *lua.LTable, k string) lua.LValue {
	if v := t.RawGetString(k); v != lua.LNil {
		return v
	}
	return e.decode(L, t, k, false)
}

// decode returns payload field k decoded, or nil; take forgets the field
// in the payload's index (field caches it in the table instead).
func (e *eventBuilder) decode(L *lua.LState, t *lua.LTable, k string, take bool) lua.LValue {
	lp := payloadOf(t)
	if lp == nil {
		return lua.LNil
	}
	find := lp.idx.find
	if take {
		find = lp.idx.take
	}
	sp, ok := find(k)
	if !ok {
		return lua.LNil
	}
	v, err := e.b.codec.decodeBytes(L, lp.data[sp.start:sp.end], true)
	if err != nil {
		return lua.LNil
	}
	return v
}

// payloadOf returns the event table's payload, or nil.
func payloadOf(t *lua.LTable) *lazyPayload {
	ud, ok := t.RawGetString(rawKey).(*lua.LUserData)
	if !ok {
		return nil
	}
	lp, _ := ud.Value.(*lazyPayload)
	if lp == nil || lp.idx == nil {
		return nil
	}
	return lp
}

// index is the event's __index: methods first, then payload fields.
func (e *eventBuilder) index(L *lua.LState) int {
	t := L.CheckTable(1)
	k := L.Get(2)
	if m := e.methods.RawGet(k); m != lua.LNil {
		L.Push(m)
		return 1
	}
	if name, ok := k.(lua.LString); ok {
		L.Push(e.field(L, t, string(name)))
		return 1
	}
	L.Push(lua.LNil)
	return 1
}

// raw implements ev:raw(): a fresh plain table of the payload, for pairs,
// mutation or json.encode.
func (e *eventBuilder) raw(L *lua.LState) int {
	t := L.CheckTable(1)
	ud, ok := t.RawGetString(rawKey).(*lua.LUserData)
	var lp *lazyPayload
	if ok {
		lp, _ = ud.Value.(*lazyPayload)
	}
	if lp == nil || len(trimSpace(lp.data)) == 0 {
		L.Push(L.NewTable())
		return 1
	}
	v, err := e.b.codec.decodeBytes(L, lp.data, true)
	if err != nil {
		return e.b.fail(L, err)
	}
	L.Push(v)
	return 1
}

// stripMention removes the leading @bot mention(s) (<@123> or <@!123>)
// and surrounding spaces. Every message event goes through it: scanning by
// hand costs a twentieth of the regexp ^\s*(<@!?\w+>\s*)+ it replaced (19 ns
// against 382 ns and three allocations; 1 % of the bot's CPU under luabot
// bench), and a test checks the two agree.
func stripMention(s string) string {
	i := skipSpaces(s, 0)
	for {
		end := mentionAt(s, i)
		if end < 0 {
			break
		}
		i = skipSpaces(s, end)
	}
	return strings.TrimSpace(s[i:])
}

// skipSpaces returns the index of the first byte at or after i that is not
// one of regexp's \s: space, \t, \n, \f, \r.
func skipSpaces(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\f' || s[i] == '\r') {
		i++
	}
	return i
}

// mentionAt returns the end of a <@id> or <@!id> mention starting at i (id
// one or more of regexp's \w), or -1.
func mentionAt(s string, i int) int {
	if !strings.HasPrefix(s[i:], "<@") {
		return -1
	}
	i += 2
	if i < len(s) && s[i] == '!' {
		i++
	}
	start := i
	for i < len(s) && isWord(s[i]) {
		i++
	}
	if i == start || i == len(s) || s[i] != '>' {
		return -1
	}
	return i + 1
}

func isWord(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func sceneOf(eventType string, get func(string) lua.LValue) string {
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
		if s, ok := get("scene").(lua.LString); ok {
			return string(s)
		}
	}
	return ""
}
