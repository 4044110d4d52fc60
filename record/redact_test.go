package record_test

import (
	"strings"
	"testing"

	"github.com/luabot/luabot/record"
)

const c2cPayload = `{"id":"m1","content":"/remind Alice buy 牛奶","author":{"user_openid":"E4F1C0A1B2C3D4E5F60718293A4B5C6D","union_openid":"UNION1"},"timestamp":"2026-03-01T17:00:00+08:00"}`

func TestRedactor_HidesUsersAndTextButEchoesMatch(t *testing.T) {
	r := record.NewRedactor()
	ev := string(r.Event([]byte(c2cPayload)))
	for _, private := range []string{"E4F1C0A1B2C3D4E5F60718293A4B5C6D", "UNION1", "Alice", "buy", "牛奶"} {
		if strings.Contains(ev, private) {
			t.Errorf("redacted event holds %q: %s", private, ev)
		}
	}
	// The command's name stays, so command handlers still match; ids that are not a
	// user's (the message id) stay.
	if !strings.Contains(ev, `"content":"/remind t_`) || !strings.Contains(ev, `"id":"m1"`) {
		t.Fatalf("redacted event: %s", ev)
	}
	// A reply echoing the text, to the user's openid, is redacted the same way.
	path, body := r.Send("/v2/users/E4F1C0A1B2C3D4E5F60718293A4B5C6D/messages", []byte(`{"content":"ok: buy 牛奶","msg_id":"m1"}`))
	if strings.Contains(path, "E4F1C0A1B2C3D4E5F60718293A4B5C6D") || strings.Contains(string(body), "牛奶") {
		t.Fatalf("send not redacted: %s %s", path, body)
	}
	content := ev[strings.Index(ev, `"content":"`)+len(`"content":"`):]
	content = content[:strings.IndexByte(content, '"')]
	words := strings.Fields(content) // /remind, Alice, buy, 牛奶 as tokens
	if want := `"content":"ok: ` + words[2] + " " + words[3] + `"`; !strings.Contains(string(body), want) {
		t.Fatalf("echo %s, want it to carry the event's tokens %s", body, want)
	}
	// A second Redactor has another key: its hashes cannot be compared with these.
	if other := string(record.NewRedactor().Event([]byte(c2cPayload))); other == ev {
		t.Fatal("two redactors gave the same hashes")
	}
}

func TestMatcher_TokenStandsForOneWord(t *testing.T) {
	send := func(content string) record.Send {
		return record.Send{Script: "s", Method: "POST", Path: "/p", Body: []byte(`{"content":"` + content + `"}`)}
	}
	m := record.NewMatcher()
	if !m.Equal(send("hello t_0123456789"), send("hello t_0123456789")) {
		t.Fatal("equal sends differ")
	}
	// The script wrote "hi" on its own where a user once wrote it too: accepted, and
	// from now on t_aaaaaaaaaa is "hi".
	if !m.Equal(send("t_aaaaaaaaaa, Bob"), send("hi, Bob")) {
		t.Fatal("a plain word for a token was refused")
	}
	if m.Equal(send("t_aaaaaaaaaa"), send("hello")) {
		t.Fatal("a token stood for two words")
	}
	if m.Equal(send("t_bbbbbbbbbb"), send("hi")) {
		t.Fatal("a word stood for two tokens")
	}
	if m.Equal(send("you said: t_0123456789"), send("You wrote: t_0123456789")) {
		t.Fatal("different words compared equal")
	}
}
