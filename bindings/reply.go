package bindings

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luabot/luabot/openapi"
)

// reply implements ev:reply(msg): a passive reply in the event's own place.
// The rules (route per scene, msg_id/event_id, msg_seq numbering, reply
// windows, the 5-reply cap) live in openapi.Replier; this only reads the
// event table. A reply the platform would refuse returns nil, err with a
// hint instead of being sent.
func (e *eventBuilder) reply(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok || t.Metatable != e.mt {
		raise(L, "reply must be called as ev:reply(msg)")
	}
	if err := messageKeyboardErr(L.Get(2)); err != nil {
		return e.b.fail(L, err)
	}
	body, file := e.b.messageArg(L, 2)
	src, err := sourceOf(t, func(k string) lua.LValue { return e.peek(L, t, k) })
	if err != nil {
		raise(L, "%v", err)
	}
	var eventID string
	if ud, ok := t.RawGetString(rawKey).(*lua.LUserData); ok {
		if lp, ok := ud.Value.(*lazyPayload); ok {
			src.Received, eventID = lp.received, lp.eventID
		}
	}
	if err := e.b.countSend("ev:reply"); err != nil {
		return e.b.fail(L, err)
	}
	// The script's name and the event's id let the Replier keep each
	// script's share of a message's replies (openapi/share.go).
	prepared, err := e.seq.replier(e.b.env.Replier, e.b.env.Clock).PrepareAs(src, eventID, e.b.env.Script, body)
	if err != nil {
		return e.b.fail(L, err)
	}
	var raw json.RawMessage
	return e.b.awaitSend(L, func(ctx context.Context) error {
		f, err := e.b.readFile(file)
		if err == nil {
			err = openapi.SendMessage(ctx, e.b.env.API, prepared.Target, prepared.Body, f, &raw)
		}
		prepared.Done(err)
		return err
	}, func(err error) Finish { return e.b.finishRaw(raw, err) })
}

// sourceOf describes the event as the source of a passive reply; get reads
// one of its fields (decoding it lazily).
func sourceOf(t *lua.LTable, get func(string) lua.LValue) (openapi.Source, error) {
	strIn := func(lookup func(string) lua.LValue, keys ...string) string {
		for _, k := range keys {
			if s, ok := lookup(k).(lua.LString); ok && s != "" {
				return string(s)
			}
		}
		return ""
	}
	// author is decoded only for a C2C message, the one scene that needs
	// it: decoding the table for every reply showed in profiles under load.
	author := func(k string) lua.LValue {
		if a, ok := get("author").(*lua.LTable); ok {
			return a.RawGetString(k)
		}
		return lua.LNil
	}
	str := func(_ *lua.LTable, keys ...string) string { return strIn(get, keys...) }
	evType := str(t, "type")
	src := openapi.Source{Time: timestampOf(get("timestamp"))}
	switch evType {
	case "AT_MESSAGE_CREATE", "MESSAGE_CREATE":
		src.Scene, src.ChannelID, src.MsgID = openapi.SceneGuild, str(t, "channel_id"), str(t, "id")
	case "DIRECT_MESSAGE_CREATE":
		src.Scene, src.GuildID, src.MsgID = openapi.SceneDM, str(t, "guild_id"), str(t, "id")
	case "GROUP_AT_MESSAGE_CREATE":
		src.Scene, src.GroupOpenID, src.MsgID = openapi.SceneGroup, str(t, "group_openid", "group_id"), str(t, "id")
	case "C2C_MESSAGE_CREATE":
		src.Scene, src.UserOpenID, src.MsgID = openapi.SceneC2C, strIn(author, "user_openid", "id"), str(t, "id")
	default:
		// Notice events are answered by event_id.
		src.EventID = str(t, "event_id")
		switch sceneOf(evType, get) {
		case "group":
			src.Scene, src.GroupOpenID = openapi.SceneGroup, str(t, "group_openid", "group_id")
		case "c2c":
			src.Scene, src.UserOpenID = openapi.SceneC2C, str(t, "user_openid", "openid")
		default:
			src.Scene, src.ChannelID = openapi.SceneGuild, str(t, "channel_id")
		}
		if src.EventID == "" || (src.Scene == openapi.SceneGuild && src.ChannelID == "") {
			return src, &openapi.ReplyError{Reason: openapi.ErrReplyTarget,
				Detail: "cannot reply to a " + evType + " event: it has no place to answer in; use qq.send"}
		}
	}
	return src, nil
}

// timestampOf reads an event timestamp: RFC3339 text or unix seconds. Zero
// when absent or unreadable (the Replier then counts from the first reply).
func timestampOf(v lua.LValue) time.Time {
	switch v := v.(type) {
	case lua.LString:
		if ts, err := time.Parse(time.RFC3339, string(v)); err == nil {
			return ts
		}
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil && n > 0 {
			return time.Unix(n, 0)
		}
	case lua.LNumber:
		if v > 0 {
			return time.Unix(int64(v), 0)
		}
	}
	return time.Time{}
}

// replySeq holds the passive-reply engine for a script's events: the bot's
// shared openapi.Replier from Env.Replier (so replies to one message from
// two scripts are numbered together), or, without one (a test, luabot
// check), a Replier of the script's own.
type replySeq struct {
	r *openapi.Replier
}

// The script's own Replier reads the script's clock, the one events are
// stamped with on arrival, so that a reply window is measured on one clock.
func (s *replySeq) replier(shared *openapi.Replier, clock Clock) *openapi.Replier {
	if s.r == nil {
		s.r = shared
		if s.r == nil {
			s.r = openapi.NewReplier(clock.Now)
		}
	}
	return s.r
}
