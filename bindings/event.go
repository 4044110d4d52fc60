package bindings

import (
	"fmt"
	"regexp"
	"strings"

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
	e := &eventBuilder{b: b}
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
