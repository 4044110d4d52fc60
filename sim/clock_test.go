package sim_test

import (
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/luabot/luabot/sim"
)

// Advancing the platform clock from outside is what lets a client's test
// meet the 5-minute reply window without waiting for it.
func TestClock_AdvanceAgesReplyWindow(t *testing.T) {
	s := MustStart(t, sim.Config{}, nil)
	m, err := s.Post(sim.Post{Content: "hi", MentionBot: true})
	if err != nil {
		t.Fatal(err)
	}
	auth := "Authorization: QQBot " + MustToken(t, s)
	reply := func(seq int) response {
		return do(t, http.MethodPost, postURL(s, 0), fmt.Sprintf(`{"content":"pong","msg_id":%q,"msg_seq":%d}`, m.ID, seq), auth)
	}
	if r := reply(1); r.status != http.StatusOK {
		t.Fatalf("reply inside the window: %d %s", r.status, r.body)
	}

	before := s.Now()
	r := do(t, http.MethodPost, s.ControlURL()+"/clock", `{"advance":"5m1s"}`)
	if r.status != http.StatusOK {
		t.Fatalf("advance: %d %s", r.status, r.body)
	}
	now, err := time.Parse(time.RFC3339, decode[map[string]string](t, r.body)["now"])
	if err != nil || now.Sub(before) < 5*time.Minute {
		t.Fatalf("clock answer %s, before %v: %v", r.body, before, err)
	}
	checkError(t, reply(2), http.StatusBadRequest, 304027)

	checkError(t, do(t, http.MethodPost, s.ControlURL()+"/clock", `{"advance":"5 minutes"}`), http.StatusBadRequest, 12002)
	checkError(t, do(t, http.MethodPost, s.ControlURL()+"/clock", `{"advance":"-1s"}`), http.StatusBadRequest, 12002)
	if err := s.Advance(-time.Second); err == nil {
		t.Error("Advance(-1s) succeeded: the clock must not run backwards")
	}
	// Past the range of time.Duration the offset would wrap around and
	// send the clock into the past.
	if err := s.Advance(math.MaxInt64); err == nil || s.Now().Before(now) {
		t.Errorf("Advance(max) = %v, clock %v (was %v)", err, s.Now(), now)
	}
	if r := do(t, http.MethodPost, s.ControlURL()+"/clock", ""); r.status != http.StatusOK {
		t.Errorf("reading the clock: %d %s", r.status, r.body)
	}
}
