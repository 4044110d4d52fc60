package bindings_test

import (
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/bindings"
	"github.com/luabot/luabot/dispatch"
	"github.com/luabot/luabot/kv"
)

// fakeAcks records ev:ack calls; the first per event acknowledges.
type fakeAcks struct{ codes map[string][]int }

func (f *fakeAcks) Ack(eventID string, code int) bool {
	f.codes[eventID] = append(f.codes[eventID], code)
	return len(f.codes[eventID]) == 1
}

// A press's event object has button_id, button_data, message_id and ev.user in every
// scene; ev:ack passes the code on (a second call reports false), refuses codes outside
// 0–5 with an error, and on an event that is not a press returns nil, err.
func TestEvent_ButtonFieldsAndAck(t *testing.T) {
	L := lua.NewState()
	t.Cleanup(L.Close)
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "t.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	acks := &fakeAcks{codes: map[string][]int{}}
	g, err := bindings.Install(L, bindings.Env{Script: "t", API: nopAPI{}, Store: store, Async: noAsync{}, Interactions: acks})
	if err != nil {
		t.Fatal(err)
	}
	press := func(id, d string) lua.LValue {
		ev, err := g.Event(L, dispatch.Event{Type: "INTERACTION_CREATE", ID: id, Data: []byte(d)})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	tests := []struct {
		name string
		ev   lua.LValue
		want string
	}{
		{"guild", press("E1", `{"id":"i1","scene":"guild","channel_id":"c","data":{"type":11,"resolved":{"button_id":"b","button_data":"yes","user_id":"u1","message_id":"m"}}}`),
			"guild b yes m u1 nil true false"},
		{"group", press("E2", `{"id":"i2","scene":"group","group_openid":"g","group_member_openid":"OPEN","data":{"resolved":{"button_id":"b","button_data":"no","user_id":"OPEN"}}}`),
			"group b no nil OPEN OPEN true false"},
		{"c2c", press("E3", `{"id":"i3","scene":"c2c","user_openid":"U","data":{"resolved":{"button_id":"x","button_data":""}}}`),
			"c2c x nil nil U U true false"},
	}
	fn := `return function(ev)
  local first = ev:ack(3)
  local second = ev:ack()
  return table.concat({ev.scene, ev.button_id, tostring(ev.button_data ~= "" and ev.button_data or nil), tostring(ev.message_id),
    ev.user.id, tostring(ev.user.openid), tostring(first), tostring(second)}, " ")
end`
	if err := L.DoString(fn); err != nil {
		t.Fatal(err)
	}
	check := L.Get(-1)
	L.Pop(1)
	for _, tt := range tests {
		if err := L.CallByParam(lua.P{Fn: check, NRet: 1, Protect: true}, tt.ev); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := L.Get(-1).String()
		L.Pop(1)
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := acks.codes["E1"]; len(got) != 2 || got[0] != 3 || got[1] != 0 {
		t.Errorf("acks for E1: %v, want [3 0]", got)
	}

	L.SetGlobal("ev", press("E4", `{"id":"i4","scene":"c2c","user_openid":"U","data":{}}`))
	if err := L.DoString(`ev:ack(7)`); err == nil || !strings.Contains(err.Error(), "0 to 5") {
		t.Errorf("ev:ack(7): %v; want an error naming 0 to 5", err)
	}
	msg, err := g.Event(L, dispatch.Event{Type: "AT_MESSAGE_CREATE", ID: "E5", Data: []byte(`{"id":"m","content":"hi"}`)})
	if err != nil {
		t.Fatal(err)
	}
	L.SetGlobal("msg", msg)
	got := eval(t, L, `local ok, err = msg:ack() return tostring(ok) .. " " .. tostring(err)`)
	if !strings.HasPrefix(got, "nil ev:ack: only a button press") {
		t.Errorf("ack on a message: %q", got)
	}
}
