package testkit

import (
	"encoding/json"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/sim"
)

// Buttons in tests: sim.sent(i).buttons lists the buttons of a message's
// keyboard as the user sees them, sim.press(msg, button_id, {user=})
// presses one (the simulator checks the button's permission and does what
// its action says), and the result, like sim.interaction(id) later, tells
// whether and how the bot acknowledged the press.

// press implements sim.press(msg, button_id, opts): msg is a message table
// from sim.sent (or its id); opts.user a username, id or openid (default
// the first user). It settles like sim.say and returns the interaction
// (see interactionTable); a command button returns nil, its message having
// been posted.
func (s *suite) press(L *lua.LState) int {
	e := s.current(L)
	var p sim.Press
	switch v := L.Get(1).(type) {
	case *lua.LTable:
		p.MessageID = lua.LVAsString(v.RawGetString("id"))
	case lua.LString:
		p.MessageID = string(v)
	default:
		L.ArgError(1, "a message table (from sim.sent) or a message id expected")
	}
	p.ButtonID = L.CheckString(2)
	opts := L.OptTable(3, L.NewTable())
	if v := opts.RawGetString("user"); v != lua.LNil {
		w := e.platform.World()
		u, ok := findUser(w, lua.LVAsString(v))
		if !ok {
			L.ArgError(3, fmt.Sprintf("no user %q (the simulator has %s)", lua.LVAsString(v), usernames(w)))
		}
		p.UserID = u.ID
	}
	in, err := e.platform.Press(p)
	if err != nil {
		L.RaiseError("sim.press: %v", err)
	}
	if err := e.settle(s.ctx); err != nil {
		L.RaiseError("sim.press: %v", err)
	}
	if in.ID == "" {
		L.Push(lua.LNil)
		return 1
	}
	in, _ = e.platform.Interaction(in.ID)
	L.Push(interactionTable(L, in))
	return 1
}

// interaction implements sim.interaction(id | table): the interaction's
// state now, for a press whose handler was still running.
func (s *suite) interaction(L *lua.LState) int {
	e := s.current(L)
	id := ""
	switch v := L.Get(1).(type) {
	case *lua.LTable:
		id = lua.LVAsString(v.RawGetString("id"))
	case lua.LString:
		id = string(v)
	}
	in, ok := e.platform.Interaction(id)
	if !ok {
		L.ArgError(1, fmt.Sprintf("no interaction %q", id))
	}
	L.Push(interactionTable(L, in))
	return 1
}

// interactionTable is {id, event_id, acked, code, via ("rest" or "webhook"),
// latency (seconds of platform time), late, acks}.
func interactionTable(L *lua.LState, in sim.Interaction) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("id", lua.LString(in.ID))
	t.RawSetString("event_id", lua.LString(in.EventID))
	t.RawSetString("acked", lua.LBool(in.Acked))
	t.RawSetString("late", lua.LBool(in.Late))
	t.RawSetString("acks", lua.LNumber(in.Acks))
	if in.Acked {
		t.RawSetString("code", lua.LNumber(in.Code))
		t.RawSetString("via", lua.LString(in.Via))
		t.RawSetString("latency", lua.LNumber(float64(in.Latency)/float64(time.Second)))
	}
	return t
}

// buttonsTable lists a keyboard's buttons row by row as {id, label, data,
// type ("link", "callback", "command"), row}; nil without a custom keyboard.
func buttonsTable(L *lua.LState, keyboard json.RawMessage) lua.LValue {
	var kb struct {
		Content *struct {
			Rows []struct {
				Buttons []struct {
					ID         string `json:"id"`
					RenderData struct {
						Label string `json:"label"`
					} `json:"render_data"`
					Action struct {
						Type int    `json:"type"`
						Data string `json:"data"`
					} `json:"action"`
				} `json:"buttons"`
			} `json:"rows"`
		} `json:"content"`
	}
	if len(keyboard) == 0 || json.Unmarshal(keyboard, &kb) != nil || kb.Content == nil {
		return lua.LNil
	}
	types := map[int]string{sim.ButtonLink: "link", sim.ButtonCallback: "callback", sim.ButtonCommand: "command"}
	list := L.NewTable()
	for i, r := range kb.Content.Rows {
		for _, b := range r.Buttons {
			t := L.NewTable()
			t.RawSetString("id", lua.LString(b.ID))
			t.RawSetString("label", lua.LString(b.RenderData.Label))
			t.RawSetString("data", lua.LString(b.Action.Data))
			t.RawSetString("row", lua.LNumber(i+1))
			if name, ok := types[b.Action.Type]; ok {
				t.RawSetString("type", lua.LString(name))
			}
			list.Append(t)
		}
	}
	return list
}
