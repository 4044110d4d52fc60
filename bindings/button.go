package bindings

import (
	"errors"

	lua "github.com/yuin/gopher-lua"
)

// A button press arrives as INTERACTION_CREATE (§6.2 Interaction). Its
// event object gets, besides the payload, the fields a handler needs
// without knowing the payload's shape:
//
//	ev.button_id, ev.button_data  the button's id and its action.data
//	ev.message_id                 the message carrying the keyboard, when the platform says
//	ev.user                       who pressed: {id=} (a user id in guilds, the member's or
//	                              user's openid in groups and C2C, also as openid=)
//
// and ev:ack(code), which hands the host the code to acknowledge with
// (host/interaction.go); the host acknowledges on its own otherwise.

// errNotInteraction is ev:ack's error on an event that is not a press.
var errNotInteraction = errors.New("ev:ack: only a button press (INTERACTION_CREATE) is acknowledged")

// errNoInteractions is ev:ack's error where no host acknowledges (luabot check).
var errNoInteractions = errors.New("ev:ack: interactions are not acknowledged here")

// Acknowledgement codes ev:ack takes (§7.1 PUT /interactions/{id}).
const (
	minAckCode = 0 // success
	maxAckCode = 5 // admin only
)

// buttonFields sets the press's own fields on t.
func (e *eventBuilder) buttonFields(L *lua.LState, t *lua.LTable) {
	get := func(tab *lua.LTable, k string) string {
		if tab == nil {
			return ""
		}
		s, _ := tab.RawGetString(k).(lua.LString)
		return string(s)
	}
	data, _ := e.field(L, t, "data").(*lua.LTable)
	var resolved *lua.LTable
	if data != nil {
		resolved, _ = data.RawGetString("resolved").(*lua.LTable)
	}
	for _, k := range []string{"button_id", "button_data", "message_id"} {
		if v := get(resolved, k); v != "" {
			t.RawSetString(k, lua.LString(v))
		}
	}
	str := func(k string) string {
		s, _ := e.field(L, t, k).(lua.LString)
		return string(s)
	}
	user := L.CreateTable(0, 2)
	openid := str("group_member_openid")
	if openid == "" {
		openid = str("user_openid")
	}
	id := get(resolved, "user_id")
	if openid != "" {
		user.RawSetString("openid", lua.LString(openid))
		id = openid
	}
	if id != "" {
		user.RawSetString("id", lua.LString(id))
		t.RawSetString("user", user)
	}
}

// ack implements ev:ack([code]): acknowledge the press with code (0, the
// default, is success; 1 failure, 2 too frequent, 3 duplicate, 4 no
// permission, 5 admin only). Returns true if this call acknowledged it,
// false if it had been already (then nothing is sent).
func (e *eventBuilder) ack(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok || t.Metatable != e.mt {
		raise(L, "ack must be called as ev:ack(code)")
	}
	code := minAckCode
	if v := L.Get(2); v != lua.LNil {
		n, ok := v.(lua.LNumber)
		if !ok || float64(n) != float64(int(n)) || int(n) < minAckCode || int(n) > maxAckCode {
			raise(L, "bad argument #1 to ack: code must be an integer from %d to %d, got %s", minAckCode, maxAckCode, lua.LVAsString(v))
		}
		code = int(n)
	}
	if typ, _ := t.RawGetString("type").(lua.LString); string(typ) != InteractionEvent {
		return e.b.fail(L, errNotInteraction)
	}
	if e.b.env.Interactions == nil {
		return e.b.fail(L, errNoInteractions)
	}
	id, _ := t.RawGetString("event_id").(lua.LString)
	L.Push(lua.LBool(e.b.env.Interactions.Ack(string(id), code)))
	return 1
}
