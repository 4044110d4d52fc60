package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/luabot/luabot/gateway"
)

// The answer to an INTERACTION_CREATE callback carries the acknowledgement code the
// consumer hands to Event.Answer (the first one; later calls do nothing), and success when
// none comes within InteractionWait. Other events are answered at once, without a code.
func TestWebhook_InteractionAnswerCarriesCode(t *testing.T) {
	const secret = "naOC0ocQE3shWLAfffVLB1rhYPG7"
	w, err := gateway.NewWebhook(gateway.WebhookConfig{Secret: secret, Now: func() time.Time { return now0 },
		InteractionWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f := &webhookFixture{secret: secret}
	f.srv = httptest.NewServer(w.Handler(func(e gateway.Event) {
		if e.Type != "INTERACTION_CREATE" {
			if e.Answer != nil {
				t.Errorf("%s carries Answer", e.Type)
			}
			return
		}
		if e.Answer == nil {
			t.Error("INTERACTION_CREATE without Answer")
			return
		}
		if string(e.Data) == `{"id":"silent"}` {
			return // never answers: the wait runs out
		}
		go func() { // answered later, from another goroutine, as a handler would
			e.Answer(4)
			e.Answer(0)
		}()
	}))
	t.Cleanup(f.srv.Close)

	status, got := f.post(t, secret, ts0, `{"op":0,"id":"INTERACTION_CREATE:1","t":"INTERACTION_CREATE","d":{"id":"i1"}}`, "")
	if status != http.StatusOK || got != `{"code":4,"d":0,"op":12}` {
		t.Errorf("answered press: %d %s; want code 4", status, got)
	}
	start := time.Now()
	status, got = f.post(t, secret, ts0, `{"op":0,"id":"INTERACTION_CREATE:2","t":"INTERACTION_CREATE","d":{"id":"silent"}}`, "")
	if status != http.StatusOK || got != `{"code":0,"d":0,"op":12}` {
		t.Errorf("unanswered press: %d %s; want code 0", status, got)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("unanswered press answered after %v; want the wait of 50ms", d)
	}
	status, got = f.post(t, secret, ts0, `{"op":0,"id":"AT_MESSAGE_CREATE:3","t":"AT_MESSAGE_CREATE","d":{}}`, "")
	if status != http.StatusOK || got != `{"d":0,"op":12}` {
		t.Errorf("message: %d %s; want the plain ack", status, got)
	}
}
