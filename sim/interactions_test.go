package sim_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/luabot/luabot/sim"
)

// A PUT in time is recorded with its code and latency; a second one is refused (630002);
// one after the 3 s deadline is refused (630001) and marks the interaction late, as does
// no acknowledgement at all once the deadline has passed.
func TestInteraction_AckDeadlineEnforced(t *testing.T) {
	clock := newClock()
	s := MustStart(t, sim.Config{}, clock)
	auth := "Authorization: QQBot " + MustToken(t, s)
	put := func(id, body string) response {
		return do(t, http.MethodPut, s.APIURL()+"/interactions/"+id, body, auth, "Content-Type: application/json")
	}

	inTime, err := s.Click(sim.Click{Scene: sim.SceneC2C, ButtonID: "1", ButtonData: "go"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(1200 * time.Millisecond)
	if r := put(inTime.ID, `{"code":3}`); r.status != http.StatusNoContent {
		t.Fatalf("ack in time: %d %s", r.status, r.body)
	}
	checkError(t, put(inTime.ID, `{"code":0}`), http.StatusBadRequest, 630002)
	got, _ := s.Interaction(inTime.ID)
	if !got.Acked || got.Code != 3 || got.Via != "rest" || got.Latency != 1200*time.Millisecond || got.Late || got.Acks != 2 {
		t.Errorf("in time: %+v; want code 3 by rest after 1.2 s, not late, 2 acks seen", got)
	}

	late, err := s.Click(sim.Click{Scene: sim.SceneGroup, ButtonID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	never, err := s.Click(sim.Click{Scene: sim.SceneGuild, ButtonID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(sim.InteractionDeadline + time.Millisecond)
	checkError(t, put(late.ID, `{"code":0}`), http.StatusBadRequest, 630001)
	if got, _ := s.Interaction(late.ID); !got.Late || !got.Acked {
		t.Errorf("late: %+v; want acknowledged and late", got)
	}
	if got, _ := s.Interaction(never.ID); !got.Late || got.Acked {
		t.Errorf("never acknowledged: %+v; want late", got)
	}
}

// Over webhooks the acknowledgement is the answer to the INTERACTION_CREATE callback,
// {"op":12,"d":0,"code":N}; a PUT for such an interaction is answered 204 and ignored.
func TestInteraction_WebhookAnswerIsTheAck(t *testing.T) {
	const secret = "naOC0ocQE3shWLAfffVLB1rhYPG7"
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var f struct {
			Op int    `json:"op"`
			T  string `json:"t"`
			D  struct {
				PlainToken string `json:"plain_token"`
				EventTS    string `json:"event_ts"`
			} `json:"d"`
		}
		_ = json.NewDecoder(r.Body).Decode(&f)
		switch {
		case f.Op == 13:
			sig := hex.EncodeToString(ed25519.Sign(seedKey(secret), []byte(f.D.EventTS+f.D.PlainToken)))
			fmt.Fprintf(w, `{"plain_token":%q,"signature":%q}`, f.D.PlainToken, sig)
		case f.T == "INTERACTION_CREATE":
			fmt.Fprint(w, `{"op":12,"d":0,"code":5}`)
		default:
			fmt.Fprint(w, `{"op":12,"d":0}`)
		}
	}))
	t.Cleanup(hook.Close)
	s := MustStart(t, sim.Config{Secret: secret, WebhookURL: hook.URL}, nil)
	in, err := s.Click(sim.Click{Scene: sim.SceneC2C, ButtonID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.WaitInteraction(testContext(t), in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Via != "webhook" || got.Code != 5 || !got.Webhook || got.Late {
		t.Errorf("webhook answer: %+v; want code 5 by webhook", got)
	}
	auth := "Authorization: QQBot " + MustToken(t, s)
	if r := do(t, http.MethodPut, s.APIURL()+"/interactions/"+in.ID, `{"code":0}`, auth); r.status != http.StatusNoContent {
		t.Errorf("PUT for a webhook interaction: %d %s; want 204", r.status, r.body)
	}
	if got, _ := s.Interaction(in.ID); got.Ignored != 1 || got.Acks != 1 || got.Code != 5 {
		t.Errorf("after the PUT: %+v; want it ignored", got)
	}
}

// sendKeyboard sends a C2C message with keyboard as the bot and returns the response.
func sendKeyboard(t *testing.T, s *sim.Server, auth, keyboard string) response {
	t.Helper()
	openid := s.World().Users[1].OpenID
	body := `{"msg_type":2,"markdown":{"content":"vote"},"keyboard":` + keyboard + `}`
	return do(t, http.MethodPost, s.APIURL()+"/v2/users/"+openid+"/messages", body, auth, "Content-Type: application/json")
}

func button(id string, typ, perm int, data string, extra ...string) string {
	return fmt.Sprintf(`{"id":%q,"render_data":{"label":"L%s","visited_label":"V","style":1},"action":{"type":%d,"permission":{"type":%d%s},"data":%q}}`,
		id, id, typ, perm, strings.Join(extra, ""), data)
}

func rows(rows ...[]string) string {
	var out []string
	for _, r := range rows {
		out = append(out, `{"buttons":[`+strings.Join(r, ",")+`]}`)
	}
	return `{"content":{"rows":[` + strings.Join(out, ",") + `]}}`
}

// A keyboard the platform would not show is refused with 304040 naming the problem, and
// nothing is sent.
func TestKeyboard_BadShapesRefused(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	ok := button("a", 1, 2, "x")
	six := [][]string{{ok}, {button("b", 1, 2, "")}, {button("c", 1, 2, "")}, {button("d", 1, 2, "")}, {button("e", 1, 2, "")}, {button("f", 1, 2, "")}}
	tests := []struct {
		name, keyboard, want string
	}{
		{"six rows", rows(six...), "at most 5"},
		{"six buttons in a row", rows([]string{ok, button("b", 1, 2, ""), button("c", 1, 2, ""), button("d", 1, 2, ""), button("e", 1, 2, ""), button("f", 1, 2, "")}), "1 to 5"},
		{"unknown action type", rows([]string{button("a", 9, 2, "")}), "action.type"},
		{"unknown permission type", rows([]string{button("a", 1, 7, "")}), "permission.type"},
		{"no label", `{"content":{"rows":[{"buttons":[{"id":"a","action":{"type":1,"permission":{"type":2}}}]}]}}`, "label"},
		{"id twice", rows([]string{ok, ok}), "used twice"},
		{"neither template nor rows", `{}`, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sendKeyboard(t, s, auth, tt.keyboard)
			checkError(t, r, http.StatusBadRequest, 304040)
			if !strings.Contains(string(r.body), tt.want) {
				t.Errorf("error %s does not say %q", r.body, tt.want)
			}
		})
	}
	if n := len(s.Sent()); n != 0 {
		t.Errorf("%d messages sent, want none", n)
	}
	if r := sendKeyboard(t, s, auth, rows([]string{ok})); r.status != http.StatusOK {
		t.Errorf("a good keyboard: %d %s", r.status, r.body)
	}
}

// Press acts as the button says: a callback button dispatches INTERACTION_CREATE with the
// button's data in the message's chat, a command button posts its data as the user's
// message, a link button reaches nothing, and a button the user may not press is refused.
func TestPress_FollowsTheButton(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	c, _ := MustIdentify(t, s, 1<<25|1<<26)
	w := s.World()
	bob, carol := w.Users[1], w.Users[2]
	kb := rows(
		[]string{button("vote", 1, 2, "yes"), button("cmd", 2, 2, "/tally")},
		[]string{button("docs", 0, 2, "https://example.com"), button("bob", 1, 0, "mine", `,"specify_user_ids":["`+bob.OpenID+`"]`)},
	)
	r := sendKeyboard(t, s, auth, kb)
	if r.status != http.StatusOK {
		t.Fatalf("send: %d %s", r.status, r.body)
	}
	id := decode[struct {
		ID string `json:"id"`
	}](t, r.body).ID

	in, err := s.Press(sim.Press{MessageID: id, ButtonID: "vote", UserID: "carol"})
	if err != nil {
		t.Fatal(err)
	}
	f := c.readOp(0)
	var d struct {
		ID         string `json:"id"`
		Scene      string `json:"scene"`
		UserOpenID string `json:"user_openid"`
		Data       struct {
			Resolved struct {
				ButtonID, ButtonData, MessageID string
			} `json:"resolved"`
		} `json:"data"`
	}
	if err := json.Unmarshal(f.D, &d); err != nil {
		t.Fatal(err)
	}
	res := d.Data.Resolved
	if f.T != "INTERACTION_CREATE" || d.ID != in.ID || d.Scene != sim.SceneC2C || d.UserOpenID != carol.OpenID {
		t.Errorf("press dispatched %s %s", f.T, f.D)
	}
	if !strings.Contains(string(f.D), `"button_id":"vote"`) || !strings.Contains(string(f.D), `"button_data":"yes"`) ||
		!strings.Contains(string(f.D), `"message_id":"`+id+`"`) {
		t.Errorf("resolved %+v in %s; want the button's id, data and message", res, f.D)
	}

	if _, err := s.Press(sim.Press{MessageID: id, ButtonID: "cmd", UserID: "bob"}); err != nil {
		t.Fatal(err)
	}
	if f := c.readOp(0); f.T != "C2C_MESSAGE_CREATE" || !strings.Contains(string(f.D), "/tally") {
		t.Errorf("command button dispatched %s %s; want bob's message /tally", f.T, f.D)
	}
	if _, err := s.Press(sim.Press{MessageID: id, ButtonID: "docs"}); !errors.Is(err, sim.ErrLinkButton) {
		t.Errorf("link button: %v; want ErrLinkButton", err)
	}
	if _, err := s.Press(sim.Press{MessageID: id, ButtonID: "bob", UserID: "carol"}); !errors.Is(err, sim.ErrButtonNotAllowed) {
		t.Errorf("carol on bob's button: %v; want ErrButtonNotAllowed", err)
	}
	if _, err := s.Press(sim.Press{MessageID: id, ButtonID: "bob", UserID: "bob"}); err != nil {
		t.Errorf("bob on his button: %v", err)
	}
	if _, err := s.Press(sim.Press{MessageID: id, ButtonID: "nope"}); !errors.Is(err, sim.ErrNoButton) {
		t.Errorf("unknown button: %v; want ErrNoButton", err)
	}
	// The control API presses too.
	r = do(t, http.MethodPost, s.ControlURL()+"/press", `{"message_id":"`+id+`","button_id":"vote","user_id":"bob"}`)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"acked":false`) {
		t.Errorf("POST /sim/press: %d %s", r.status, r.body)
	}
}

// A bot without the markdown permission has markdown refused with 304036 and a keyboard
// with 304037; plain text still goes.
func TestKeyboard_NoMarkdownPermission(t *testing.T) {
	s := MustStart(t, sim.Config{NoMarkdown: true}, nil)
	auth := "Authorization: QQBot " + MustToken(t, s)
	checkError(t, sendKeyboard(t, s, auth, rows([]string{button("a", 1, 2, "x")})), http.StatusForbidden, 304036)
	openid := s.World().Users[1].OpenID
	r := do(t, http.MethodPost, s.APIURL()+"/v2/users/"+openid+"/messages", `{"msg_type":0,"content":"hi","keyboard":`+
		rows([]string{button("a", 1, 2, "x")})+`}`, auth, "Content-Type: application/json")
	checkError(t, r, http.StatusForbidden, 304037)
	ch := s.World().Channels[0].ID
	r = do(t, http.MethodPost, s.APIURL()+"/channels/"+ch+"/messages", `{"markdown":{"content":"# x"}}`, auth, "Content-Type: application/json")
	checkError(t, r, http.StatusForbidden, 304036)
	r = do(t, http.MethodPost, s.APIURL()+"/v2/users/"+openid+"/messages", `{"msg_type":0,"content":"hi"}`, auth, "Content-Type: application/json")
	if r.status != http.StatusOK {
		t.Errorf("plain text: %d %s", r.status, r.body)
	}
}
