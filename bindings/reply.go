package bindings

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

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
