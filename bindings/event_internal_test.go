package bindings

import (
	"context"
	"net/url"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/dispatch"
)

// sentAPI answers every request with a message id and keeps the last body.
type sentAPI struct{ body any }

func (a *sentAPI) Do(_ context.Context, _, _ string, _ url.Values, in, out any) error {
	a.body = in
	return nil
}

// An event's fields read as its payload says however the host reads them
// for itself: decoded on first use, nested tables keeping their identity, a
// repeated key as its last value, an escaped key decoded, a field the
// script read and then set (to nil too) staying set; and what the host reads for ev.text
// and ev:reply's target is not added to the event table.
func TestEvent_FieldsReadAsThePayloadSays(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	api := &sentAPI{}
	g, err := Install(L, Env{Script: "t", API: api, Store: nopStore{}, Async: syncAsync{}})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := g.Event(L, dispatch.Event{Type: "AT_MESSAGE_CREATE", ID: "E1", Data: []byte(` {"id":"m1","channel_id":"c1",` +
		`"content":"<@!42> hi there","timestamp":"2021-05-20T15:14:58+08:00","author":{"id":"u1","username":"ann"},` +
		`"n":1,"n":2,"na\u006de":"escaped","gone":"x","gone":"y"} `)})
	if err != nil {
		t.Fatal(err)
	}
	L.SetGlobal("ev", ev)
	for _, c := range []struct{ expr, want string }{
		// What the host reads for itself stays out of the table.
		{`return rawget(ev, "content")`, "nil"},
		{`return ev.text`, "hi there"},
		{`return (assert(ev:reply("pong")))`, "true"},
		{`return tostring(rawget(ev, "channel_id")) .. " " .. tostring(rawget(ev, "id")) .. " " .. tostring(rawget(ev, "timestamp"))`, "nil nil nil"},
		// The script's reads see the payload.
		{`return ev.content`, "<@!42> hi there"},
		{`return ev.id .. " " .. ev.channel_id`, "m1 c1"},
		{`return ev.author.username`, "ann"},
		{`return tostring(ev.author == ev.author)`, "true"},
		{`return ev.n`, "2"},
		{`return ev.name`, "escaped"},
		{`return tostring(ev.missing)`, "nil"},
		{`return ev.type .. " " .. ev.event_id .. " " .. ev.scene`, "AT_MESSAGE_CREATE E1 guild"},
		// What the script sets over a field it read stays set, nil too,
		// whatever the payload repeats.
		{`return ev.gone`, "y"},
		{`ev.gone = nil return tostring(ev.gone)`, "nil"},
		{`ev.content = "changed" return ev.content`, "changed"},
		{`ev.id = nil return tostring(ev.id)`, "nil"},
	} {
		if err := L.DoString(c.expr); err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		got := L.Get(-1)
		L.Pop(1)
		if got.String() != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
	body, _ := api.body.(map[string]any)
	if body["msg_id"] != "m1" || body["content"] != "pong" {
		t.Errorf("the reply's body: %v, want msg_id m1 and content pong", api.body)
	}
}
