package host

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
	"github.com/luabot/luabot/kv"
)

func (f *fakeAPI) nextCall(t *testing.T) apiCall {
	t.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no API call")
	}
	return apiCall{}
}

// A handler cut off after its guild-channel reply and its qq.send (the
// process died) runs again when the platform replays the event after a
// restart: the qq.send is skipped, returning {deduplicated = true}, and the
// rest of the handler runs. Replies are not marked, in any scene: the
// re-run's reply carries the first run's msg_seq, which the platform
// refuses a second time (40054005, read as deduplicated).
func TestSends_ReplayedEventDoesNotSendAgain(t *testing.T) {
	store, err := kv.Open(kv.Config{Path: filepath.Join(t.TempDir(), "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	api := &fakeAPI{calls: make(chan apiCall, 64)}
	const body = `on("AT_MESSAGE_CREATE", function(ev)
  local r = assert(ev:reply("reply " .. ev.id))
  local s = assert(qq.send("100", "send " .. ev.id))
  qq.request("POST", "/probe", {content = "sent " .. tostring(r.deduplicated) .. " " .. tostring(s.deduplicated)})
  %s
end)`
	event := func(id string) gateway.Event {
		return gateway.Event{Type: "AT_MESSAGE_CREATE", ID: id, Data: json.RawMessage(msg(id))}
	}
	expect := func(t *testing.T, path, content string) apiCall {
		t.Helper()
		c := api.nextCall(t)
		if c.Path != path || c.Body["content"] != content {
			t.Fatalf("call %s %q, want %s %q", c.Path, c.Body["content"], path, content)
		}
		return c
	}
	sameSeq := func(t *testing.T, again, first apiCall) {
		t.Helper()
		if again.Body["msg_seq"] == nil || again.Body["msg_seq"] != first.Body["msg_seq"] {
			t.Fatalf("the re-run's reply has msg_seq %v, the first %v: the platform would not recognise it", again.Body["msg_seq"], first.Body["msg_seq"])
		}
	}

	s, crash := runOnce(t, store, api, fmtSrc(body, `sleep(3600)`))
	s.deliver(event("E1"))
	first1 := expect(t, "/channels/100/messages", "reply M-E1")
	expect(t, "/channels/100/messages", "send M-E1")
	expect(t, "/probe", "sent nil nil")
	crash()

	s, crash = runOnce(t, store, api, fmtSrc(body, ``))
	s.deliver(event("E1"))
	sameSeq(t, expect(t, "/channels/100/messages", "reply M-E1"), first1)
	expect(t, "/probe", "sent nil true")
	s.deliver(event("E2"))
	first2 := expect(t, "/channels/100/messages", "reply M-E2")
	expect(t, "/channels/100/messages", "send M-E2")
	expect(t, "/probe", "sent nil nil")
	waitIdle(t, s)
	crash()

	// A replay in a later process still finds the marks; a group
	// message's reply writes none.
	s, _ = runOnce(t, store, api, `on("GROUP_AT_MESSAGE_CREATE", function(ev)
  ev:reply("group " .. ev.id)
end)`+"\n"+fmtSrc(body, ``))
	s.deliver(event("E2"))
	sameSeq(t, expect(t, "/channels/100/messages", "reply M-E2"), first2)
	expect(t, "/probe", "sent nil true")
	s.deliver(gateway.Event{Type: "GROUP_AT_MESSAGE_CREATE", ID: "G1",
		Data: json.RawMessage(`{"id":"M-G1","group_openid":"g","content":"hi","author":{"member_openid":"u"}}`)})
	expect(t, "/v2/groups/g/messages", "group M-G1")
	waitIdle(t, s)
	var marks []string
	store.Scan(HandledNamespace, "", func(key string, _ []byte) bool {
		if strings.Contains(key[8:], "\x00s") {
			marks = append(marks, strings.ReplaceAll(key[8:], "\x00", "|"))
		}
		return true
	})
	want := "bot|E1|0|s0 bot|E2|0|s0"
	if strings.Join(marks, " ") != want {
		t.Errorf("send marks %q, want %q", strings.Join(marks, " "), want)
	}
}
